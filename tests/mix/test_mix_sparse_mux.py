"""Sparse-MUX N:M weights on the baseline array: per-PE per-cycle reference == closed form,
numerics == numpy, hand-computed cycle counts, metadata traffic and the design-level effect."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mix_helpers import SPARSE_HOST, run_trace, trace_for

from llmaccel.sim.preset import load_preset
from llmaccel.sim.systolic.dataflow import SparsePattern
from llmaccel.sim.systolic.fast import gemm_cycles
from llmaccel.sim.systolic.reference import simulate_gemm, simulate_gemm_sparse, simulate_os_tile_sparse
from llmaccel.workloads.errors import InputError


def _random_mask(rng, K: int, N: int, n: int, m: int) -> np.ndarray:
    """At most n kept per group of m along K (fewer in some groups, as real pruned weights)."""
    mask = np.zeros((K, N), bool)
    for j in range(N):
        for g in range(0, K, m):
            w = min(m, K - g)
            k = int(rng.integers(0, min(n, w) + 1))
            mask[g + rng.choice(w, k, replace=False), j] = True
    return mask


def test_reference_equals_closed_form_on_220_random_shapes():
    rng = np.random.default_rng(7)
    for _ in range(220):
        M, N = (int(x) for x in rng.integers(1, 10, 2))
        K = int(rng.integers(1, 50))  # partial last windows included
        R, C = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        d = int(rng.choice([1, 2, 3, 4]))
        L, e = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        m = int(rng.choice([1, 2, 4, 8, 16]))
        n = int(rng.integers(1, m + 1))
        A = rng.integers(-8, 8, (M, K))
        B = rng.integers(-8, 8, (K, N))
        mask = _random_mask(rng, K, N, n, m)
        out, cyc = simulate_gemm_sparse(A, B, mask, R, C, 16, n, m, L, e, d)
        np.testing.assert_array_equal(out, A @ (B * mask))
        assert gemm_cycles(M, N, K, R, C, "os", L, e, d, SparsePattern(16, n, m)) == cyc, (M, N, K, R, C, d, L, e, n, m)


def test_hand_count_40_deep_2_of_4():
    # K = 40: two full windows of 16 (8 kept each) + a partial window of 8 (4 kept); d = 1 -> T = 20
    p = SparsePattern(16, 2, 4)
    assert p.beats(40, 1) == 20
    assert p.beats(40, 4) == 2 * 2 + 1
    assert p.kept(5) == 2 + 1  # 4 -> 2 kept, the lone 5th weight -> 1 slot
    R, C = 3, 2
    A = np.arange(3 * 40).reshape(3, 40) % 7
    B = np.ones((40, 2), np.int64)
    mask = np.zeros((40, 2), bool)
    mask[0::2] = True  # 2 of every 4
    out, cyc = simulate_os_tile_sparse(A, B, mask, 16, 2, 4)
    assert cyc == 20 + R + C - 2  # SCALE-Sim 3 os fold formula with T = 20
    _, cyc = simulate_os_tile_sparse(A, B, mask, 16, 2, 4, fold_convention="drain")
    assert cyc == 2 * R + C + 20 - 2  # plus R cycles of accumulator shift-out
    np.testing.assert_array_equal(out, A[:, 0::2].sum(axis=1, keepdims=True).repeat(2, axis=1))


def test_dense_pattern_costs_the_dense_array():
    rng = np.random.default_rng(3)
    for _ in range(30):
        M, N, K = (int(x) for x in rng.integers(1, 9, 3))
        R, C, d = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.choice([1, 2, 4, 8, 16]))
        A, B = rng.integers(-4, 4, (M, K)), rng.integers(-4, 4, (K, N))
        _, dense = simulate_gemm(A, B, R, C, "os", 1, 0, d)
        _, sp = simulate_gemm_sparse(A, B, np.ones((K, N), bool), R, C, 16, 4, 4, 1, 0, d)
        assert sp == dense  # 16 % d == 0: windows add no padding


def test_overfull_group_and_bad_patterns_rejected():
    A = np.ones((2, 8), np.int64)
    B = np.ones((8, 2), np.int64)
    mask = np.ones((8, 2), bool)
    with pytest.raises(InputError) as e:
        simulate_os_tile_sparse(A, B, mask, 16, 2, 4)  # 4 kept in a group of 4 > N = 2
    assert e.value.field == "sparsity"
    with pytest.raises(InputError) as e:
        SparsePattern(16, 2, 3)  # M must divide the 16-wide MUX window
    assert e.value.field == "workload.quant" and "divide" in str(e.value)
    with pytest.raises(InputError):
        SparsePattern(16, 0, 4)
    with pytest.raises(InputError) as e:
        gemm_cycles(4, 4, 32, 2, 2, "ws", sparse=SparsePattern(16, 2, 4))
    assert e.value.field == "array.sparse_mux"


def test_sparse_mux_off_saves_nothing_on_sparse_weights():
    hw = load_preset(SPARSE_HOST)
    dense = run_trace(trace_for("w8a8"), hw)
    sparse_off = run_trace(trace_for("w8a8-sp24"), hw)
    assert sparse_off.total_cycles == dense.total_cycles
    assert sum(o.bytes["dram_read"] for o in sparse_off.ops) == sum(o.bytes["dram_read"] for o in dense.ops)


@pytest.mark.parametrize("size", [32, 8])  # 8x8: the array's K unit (8) is smaller than a MUX window
def test_sparse_mux_on_scales_compute_and_adds_metadata(size):
    from llmaccel.sim.systolic.design import DESIGN

    hw = load_preset(SPARSE_HOST).with_overrides({"array.sparse_mux": True, "array.rows": size, "array.cols": size})
    tr = trace_for("mix-w8a8-sp4of16", phase="prefill")
    prog = DESIGN.compile(tr, hw)
    res = DESIGN.simulate(prog, hw)
    by_name = {o.name: o for o in res.ops}
    R = C = size
    checked = 0
    for t in prog.tasks:
        op = getattr(t, "op", None)
        if op is None or op.role != "q_proj":
            continue
        # int8 codes at density 1/4 + 4-bit index per kept weight + 1 byte per 16x16 block
        assert t.tiling.b_bits == pytest.approx(8 * 0.25 + 4 * 0.25 + 8 / 256)
        # every SRAM block: folds x (T + R + C - 2) (scalesim-v3 os folds) with T = 4 kept of every 16 along K
        expect = 0
        for x, y, z, cnt in t.tiling.block_shapes():
            assert z % 16 == 0
            expect += cnt * math.ceil(x / R) * math.ceil(y / C) * (z // 16 * 4 + R + C - 2)
        assert by_name[op.name].compute_cycles == expect * op.count
        # useful MACs are the kept ones: m * n * (k / 16 * 4)
        assert by_name[op.name].macs == op.m * op.n * (op.k // 16 * 4) * op.count
        checked += 1
    assert checked == 1
    assert all(o.utilisation <= 1.0 for o in res.ops)
    dense = run_trace(
        trace_for("w8a8", phase="prefill"),
        load_preset(SPARSE_HOST).with_overrides({"array.rows": size, "array.cols": size}),
    )
    ratio = res.total_cycles / dense.total_cycles
    assert 0.25 < ratio < 0.6  # linear layers at 1/4, attention/vector dense


def test_sparse_mux_rejects_ws_and_missing_section():
    hw = load_preset(SPARSE_HOST).with_overrides({"array.sparse_mux": True, "array.dataflow": "ws"})
    with pytest.raises(InputError) as e:
        run_trace(trace_for("w8a8-sp24"), hw)
    assert e.value.field.endswith("array.sparse_mux") and "os" in str(e.value)
    hw = load_preset("systolic-int8")
    with pytest.raises(InputError) as e:
        hw.with_overrides({"array.sparse_mux": True})  # the baseline preset has no sparse MUX
    assert "sparse_mux" in e.value.field
