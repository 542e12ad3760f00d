"""mapping.tiling: closed-form traffic == block-by-block sequence; fits; hand cases."""

import itertools

import numpy as np
import pytest

from llmaccel.mapping.tiling import ORDERS, Buffers, GemmTiling, block_sequence, choose_tiling
from llmaccel.workloads.errors import InputError


def _seq_totals(t):
    s = block_sequence(t)
    return {k: float(s[k].sum()) for k in ("a_read", "b_read", "psum_read", "psum_write", "out_write")}


def test_traffic_closed_form_equals_sequence_on_random_tilings():
    rng = np.random.default_rng(11)
    for _ in range(300):
        m, n, k = (int(x) for x in rng.integers(1, 40, 3))
        mb, nb, kb = int(rng.integers(1, m + 1)), int(rng.integers(1, n + 1)), int(rng.integers(1, k + 1))
        order = ORDERS[int(rng.integers(0, 6))]
        t = GemmTiling(m, n, k, mb, nb, kb, order, 8, 4.5, 16, 32)
        closed = t.traffic()
        seq = _seq_totals(t)
        for key in closed:
            assert closed[key] == pytest.approx(seq[key]), (t, key)
        s = block_sequence(t)
        # the blocks tile the iteration space exactly
        assert int((s["mb"] * s["nb"] * s["kb"]).sum()) == m * n * k


def test_traffic_hand_case():
    # m=n=k=4 in 2x2x2 blocks, order (m, n, k): a refetched once per n block (2x),
    # b once per m block (2x); out visited once (k innermost).  int8 a/b, int32 acc, int16 out.
    t = GemmTiling(4, 4, 4, 2, 2, 2, ("m", "n", "k"), 8, 8, 16, 32)
    tr = t.traffic()
    assert tr == {"a_read": 16 * 2, "b_read": 16 * 2, "psum_read": 0, "psum_write": 0, "out_write": 32}
    # order (k, m, n): out block visited twice (k outermost): one spill + one refill of 16 x 4 B
    t2 = GemmTiling(4, 4, 4, 2, 2, 2, ("k", "m", "n"), 8, 8, 16, 32)
    tr2 = t2.traffic()
    assert tr2["psum_write"] == 64 and tr2["psum_read"] == 64 and tr2["out_write"] == 32
    # a (m,k) does not change while n iterates innermost ... but n does change: a fetched per (k,m) run -> once
    assert tr2["a_read"] == 16 and tr2["b_read"] == 16 * 2


def test_single_block_operand_not_refetched():
    # whole b fits as one block: never refetched whatever the loop order
    for order in ORDERS:
        t = GemmTiling(64, 8, 8, 16, 8, 8, order, 8, 8, 8, 32)
        assert t.traffic()["b_read"] == 64


def test_block_fit_error_names_buffer():
    t = GemmTiling(64, 64, 64, 64, 64, 64, ("m", "n", "k"), 8, 8, 8, 32)
    with pytest.raises(InputError) as e:
        t.check_fits(Buffers(1 << 20, 1 << 20, 16 * 1024))
    assert e.value.field == "tile"
    assert "out block 64x64x64 needs 16384 B but output_sram holds 8192 B" in str(e.value)


def test_choose_tiling_fits_and_prefers_less_traffic():
    buf = Buffers(256 * 1024, 128 * 1024, 128 * 1024)
    cost = lambda x, y, z: ((x + 31) // 32) * ((y + 31) // 32) * (96 + z - 2)  # noqa: E731
    t = choose_tiling(512, 512, 512, (32, 32, 32), buf, 8, 8, 8, 32, cost, 128.0)
    t.check_fits(buf)
    # a (256 KiB) and b (256 KiB) cannot both stay resident: traffic must exceed the compulsory 768 KiB,
    # but no tiling that fits may move less than the chosen one (brute force over the same candidates)
    best = min(
        sum(GemmTiling(512, 512, 512, mb, nb, kb, o, 8, 8, 8, 32).traffic().values())
        for mb, nb, kb in itertools.product([32, 64, 128, 256, 512], repeat=3)
        for o in ORDERS
        if mb * kb <= 128 * 1024 and kb * nb <= 64 * 1024 and mb * nb * 4 <= 64 * 1024
    )
    assert sum(t.traffic().values()) >= 512 * 512 * 3
    assert sum(t.traffic().values()) <= best * 1.5


def test_choose_tiling_impossible():
    buf = Buffers(64, 64, 64)
    with pytest.raises(InputError) as e:
        choose_tiling(8, 8, 1, (8, 8, 8), buf, 8, 8, 8, 32, lambda x, y, z: 1, 1.0)
    assert "output_sram" in str(e.value)
