"""Packed INT8 x2 arithmetic of one DSP48 / DSP group vs plain integer products."""

from __future__ import annotations

import itertools

import numpy as np

from llmaccel.workloads.quant.dsp_packing import LO_BITS, dg_step, dg_step_vec, pack, split, wrap

CORNERS = (-128, -127, -64, -1, 0, 1, 63, 127)


def test_split_recovers_both_products_for_all_corner_triples():
    for a_hi, a_lo, w in itertools.product(CORNERS, CORNERS, CORNERS):
        hi, lo = split(pack(a_hi, a_lo) * w)
        assert (hi, lo) == (a_hi * w, a_lo * w)


def test_split_exhaustive_over_lower_activation_and_weight():
    a_hi = -77
    for a_lo in range(-128, 128):
        for w in range(-128, 128, 3):
            assert split(pack(a_hi, a_lo) * w) == (a_hi * w, a_lo * w)


def test_sign_borrow_correction_is_needed():
    # a_lo * w negative borrows 1 from the upper field: the raw shift alone is one too small
    p = pack(5, -3) * 7
    assert (p >> LO_BITS) == 5 * 7 - 1
    assert split(p) == (35, -21)


def test_cascade_of_eight_corner_products_overflows_an_18_bit_low_field():
    """Why the DG splits every 2 products: 8 x (-128)(-128) = 2**17 leaves the signed 18-bit range."""
    p = sum(pack(-128, -128) * -128 for _ in range(8))
    hi, lo = split(p)
    assert lo != 8 * 16384 and hi != 8 * 16384
    # the DG-level split stays exact for any number of DGs
    hi_acc = lo_acc = 0
    for _ in range(4):
        hi_acc, lo_acc = dg_step([-128] * 16, [-128] * 16, -128, -128, 0, 0, hi_acc, lo_acc, False)
    assert (hi_acc, lo_acc) == (8 * 16384, 8 * 16384)


def test_dg_step_matches_integer_dot_products_and_vector_form():
    rng = np.random.default_rng(3)
    n = 500
    wh = rng.integers(-128, 128, (n, 16))
    wl = rng.integers(-128, 128, (n, 16))
    w0, w1 = rng.integers(-128, 128, n), rng.integers(-128, 128, n)
    i0, i1 = rng.integers(0, 16, n), rng.integers(0, 16, n)
    ch, cl = rng.integers(-(1 << 31), 1 << 31, n), rng.integers(-(1 << 31), 1 << 31, n)
    z = rng.integers(0, 2, n)
    vh, vl = dg_step_vec(wh, wl, w0, w1, i0, i1, ch, cl, z)
    for t in range(n):
        exp_hi = (0 if z[t] else int(ch[t])) + int(wh[t, i0[t]] * w0[t] + wh[t, i1[t]] * w1[t])
        exp_lo = (0 if z[t] else int(cl[t])) + int(wl[t, i0[t]] * w0[t] + wl[t, i1[t]] * w1[t])
        got = dg_step(
            list(wh[t]), list(wl[t]), int(w0[t]), int(w1[t]), int(i0[t]), int(i1[t]), int(ch[t]), int(cl[t]), bool(z[t])
        )
        assert got == (wrap(exp_hi, 32), wrap(exp_lo, 32))
        assert (int(vh[t]), int(vl[t])) == got
