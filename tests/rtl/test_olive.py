"""OliVe RTL (cocotb, Icarus + Verilator) vs the Python models; latency vs the sim/ fold formula.

* (every registered ``olive.*`` check runs on both simulators in test_rtl_checks.py);
* the array's documented latency equals ``sim.systolic.dataflow.fold_cycles``
  (os, L = PE latency, e = decoder latency, T = ceil(K / 2)) on every check
  tile and on >= 200 random shapes -- rtl/ may not import sim/, so this test joins them;
* the vector generators against hand-derived values (so the checks can fail).
"""

from __future__ import annotations

import numpy as np

from llmaccel.rtl.olive import checks
from llmaccel.rtl.olive import decoder as dec
from llmaccel.rtl.olive import pe as pe_mod
from llmaccel.rtl.olive.array import PAIRS_PER_BEAT, latency_cycles
from llmaccel.sim.systolic.dataflow import fold_cycles, fold_geometry


def test_array_latency_equals_sim_fold_formula():
    rng = np.random.default_rng(5)
    shapes = [(4, 4, tl["T"] * 2) for tl in checks.array_tiles()]
    shapes += [
        (int(r), int(c), int(k))
        for r, c, k in zip(rng.integers(1, 9, 200), rng.integers(1, 9, 200), rng.integers(1, 200, 200))
    ]
    for r, c, k in shapes:
        rf, cf, t = fold_geometry(r, c, k, r, c, "os", PAIRS_PER_BEAT)
        assert (rf, cf) == (1, 1)
        assert latency_cycles(r, c, t) == fold_cycles("os", r, c, t, pe_mod.LATENCY, dec.LATENCY, "drain")


def test_preset_latencies_match_rtl():
    from llmaccel.sim.preset import load_preset

    hw = load_preset("olive-w4a4")
    assert hw.get("pe.pipeline_latency") == pe_mod.LATENCY
    assert hw.get("decoder.latency_cycles") == dec.LATENCY


def test_decoder_vectors_hand_values():
    # byte 0x48: left 1000 (victim), right 0100 -> outlier e=2,m=0: int4 <4, 2> (=32); flint4 <5, 2> (=64)
    f4 = checks.expected_decode(np.array([[8, 4]], np.uint8), checks.fmt_of(checks.DECODER4, False))
    assert [int(f4[k][0]) for k in ("exp0", "int0", "exp1", "int1")] == [0, 0, 4, 2]
    ff = checks.expected_decode(np.array([[8, 4], [0xF, 0x7]], np.uint8), checks.fmt_of(checks.DECODER4, True))
    assert [int(ff[k][0]) for k in ("exp0", "int0", "exp1", "int1")] == [0, 0, 5, 2]
    # flint4 normals 1111 = -12 = <2, -3>, 0111 = 12 = <2, 3>
    assert [int(ff[k][1]) for k in ("exp0", "int0", "exp1", "int1")] == [2, -3, 2, 3]
    v = checks.decoder8_vectors(n=1000)
    assert int(v["pairs"]) >= 1000 and len(v["code"]) * checks.DECODER_LANES >= int(v["pairs"])
    assert checks.DEC8_RANDOM >= 100_000


def test_pe_model_hand_values():
    acc = checks.pe_model([[1, 0]], [[3, -2]], [[2, 0]], [[-3, 5]], [1], [0])
    assert acc.tolist() == [(3 * -3 << 3) + (-2 * 5)]  # -72 - 10
    acc = checks.pe_model([[0], [0], [0]], [[2], [2], [2]], [[0], [0], [0]], [[3], [3], [3]], [1, 1, 1], [0, 1, 0])
    assert acc.tolist() == [6, 6, 12]  # clear+en restarts the sum with this product


def test_array_tiles_against_numpy():
    for tl in checks.array_tiles(n=10):
        assert tl["C"].shape == (4, 4) and tl["T"] == (tl["a_codes"].shape[1] // 2)
