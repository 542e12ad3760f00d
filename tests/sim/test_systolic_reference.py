"""Per-PE per-cycle reference vs numpy and vs the closed-form fast path."""

import numpy as np
import pytest

from llmaccel.sim.systolic import reference as ref
from llmaccel.sim.systolic.fast import gemm_cycles
from llmaccel.workloads.errors import InputError

RNG_SEED = 20261127


def _ints(rng, shape):
    return rng.integers(-128, 128, size=shape)


def test_os_tile_hand_cycles_and_values():
    # R=2 rows of A, C=4 columns of B, T=K=3.  PE(1, 3) takes its last operands (s = 2) in
    # cycle 2 + 1 + 3 = 6, so the last output leaves in cycle 6 under scalesim-v3: 7 cycles
    # = T + R + C - 2.  drain: rows shift out in cycles 7 and 8 -> 9 = 2R + C + T - 2.
    A = np.arange(6).reshape(2, 3)
    B = np.arange(12).reshape(3, 4)
    C, cyc = ref.simulate_os_tile(A, B)
    assert cyc == 7
    assert C.tolist() == [[20, 23, 26, 29], [56, 68, 80, 92]]  # hand: row0 = [0*0+1*4+2*8, ...]
    C, cyc = ref.simulate_os_tile(A, B, fold_convention="drain")
    assert cyc == 9
    assert C.tolist() == [[20, 23, 26, 29], [56, 68, 80, 92]]


def test_ws_tile_hand_cycles():
    # B 3x2 stationary: R=3, C=2; M=5 rows streamed: 2*3 + 2 + 5 - 2 = 11
    rng = np.random.default_rng(1)
    A, B = _ints(rng, (5, 3)), _ints(rng, (3, 2))
    C, cyc = ref.simulate_ws_tile(A, B)
    assert cyc == 11
    assert np.array_equal(C, A @ B)


def test_is_tile_hand_cycles():
    # A^T 3x4 stationary: R=K=3, C=M=4; N=6 streamed: 6 + 4 + 6 - 2 = 14
    rng = np.random.default_rng(2)
    A, B = _ints(rng, (4, 3)), _ints(rng, (3, 6))
    C, cyc = ref.simulate_is_tile(A, B)
    assert cyc == 14
    assert np.array_equal(C, A @ B)


def test_pipeline_and_edge_latency_by_hand():
    rng = np.random.default_rng(3)
    # os, R=C=2, T=4, L=3, e=2, drain: 2*2 + 2 + 4 - 2 + (3-1) + 2 = 12; scalesim-v3: 12 - R = 10
    a, b = _ints(rng, (2, 4)), _ints(rng, (4, 2))
    _, cyc = ref.simulate_os_tile(a, b, pipeline_latency=3, edge_latency=2, fold_convention="drain")
    assert cyc == 12
    _, cyc = ref.simulate_os_tile(a, b, pipeline_latency=3, edge_latency=2)
    assert cyc == 10
    # ws, R=2, C=3, T=1, L=2: 4 + 3 + 1 - 2 + 2*(2-1) = 8
    _, cyc = ref.simulate_ws_tile(_ints(rng, (1, 2)), _ints(rng, (2, 3)), pipeline_latency=2)
    assert cyc == 8
    # os with d=2 PEs: K=5 -> T=ceil(5/2)=3; R=1, C=1, drain: 2 + 1 + 3 - 2 = 4; scalesim-v3: 3
    A, B = _ints(rng, (1, 5)), _ints(rng, (5, 1))
    C, cyc = ref.simulate_os_tile(A, B, macs_per_pe=2, fold_convention="drain")
    assert cyc == 4 and np.array_equal(C, A @ B)
    C, cyc = ref.simulate_os_tile(A, B, macs_per_pe=2)
    assert cyc == 3 and np.array_equal(C, A @ B)


def test_gemm_hand_count_with_edge_fold():
    # M=33 on 32 rows -> 2 row folds (the second holds one real row), N=32 -> 1 column fold.
    # each fold, drain: 2*32 + 32 + 10 - 2 = 104 -> 208 cycles; scalesim-v3: 10 + 32 + 32 - 2 = 72 -> 144
    assert gemm_cycles(33, 32, 10, 32, 32, "os", fold_convention="drain") == 208
    assert gemm_cycles(33, 32, 10, 32, 32, "os") == 144
    # ws: K=70 on 32 rows -> 3 folds, N=40 on 32 cols -> 2; T=M=5: 6 * (64 + 32 + 5 - 2) = 594,
    # the same under both conventions
    assert gemm_cycles(5, 40, 70, 32, 32, "ws") == 594
    assert gemm_cycles(5, 40, 70, 32, 32, "ws", fold_convention="drain") == 594


def _random_case(rng):
    R, C = (int(x) for x in rng.integers(1, 6, 2))
    M = int(rng.integers(1, 3 * R + 2))
    N = int(rng.integers(1, 3 * C + 2))
    K = int(rng.integers(1, 12))
    L = int(rng.choice([1, 1, 2, 3]))
    e = int(rng.choice([0, 0, 1, 2]))
    d = int(rng.choice([1, 1, 2]))
    return R, C, M, N, K, L, e, d


@pytest.mark.parametrize("convention", ["scalesim-v3", "drain"])
@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_fast_equals_reference_on_random_shapes(dataflow, convention):
    rng = np.random.default_rng(RNG_SEED + {"os": 0, "ws": 1, "is": 2}[dataflow])
    # always include the corners: K=1, 1-wide arrays, exact multiples and one-past
    corners = [
        (1, 1, 1, 1, 1, 1, 0, 1),
        (4, 3, 4, 3, 1, 1, 0, 1),
        (4, 3, 5, 4, 1, 1, 0, 1),
        (1, 5, 7, 11, 9, 1, 0, 1),
        (5, 1, 11, 7, 9, 2, 1, 1),
        (3, 3, 9, 9, 12, 1, 0, 2),
    ]
    cases = corners + [_random_case(rng) for _ in range(210)]
    for R, C, M, N, K, L, e, d in cases:
        A, B = _ints(rng, (M, K)), _ints(rng, (K, N))
        out, cyc = ref.simulate_gemm(A, B, R, C, dataflow, L, e, d, convention)
        assert np.array_equal(out, A @ B), (dataflow, R, C, M, N, K)
        fast = gemm_cycles(M, N, K, R, C, dataflow, L, e, d, fold_convention=convention)
        assert fast == cyc, (dataflow, convention, R, C, M, N, K, L, e, d)


def test_reference_float_inputs():
    rng = np.random.default_rng(4)
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    out, _ = ref.simulate_os_tile(A, B)
    assert np.allclose(out, A @ B)


def test_reference_bad_shapes():
    with pytest.raises(InputError):
        ref.simulate_os_tile(np.ones((2, 3), int), np.ones((4, 2), int))
    with pytest.raises(InputError):
        ref.simulate_gemm(np.ones((2, 3), int), np.ones((3, 2), int), 2, 2, "xs")
    with pytest.raises(InputError):
        gemm_cycles(0, 1, 1, 2, 2, "os")
    with pytest.raises(InputError, match="fold_convention"):
        gemm_cycles(1, 1, 1, 2, 2, "os", fold_convention="scalesim")
    with pytest.raises(InputError, match="fold_convention"):
        ref.simulate_gemm(np.ones((2, 3), int), np.ones((3, 2), int), 2, 2, "ws", fold_convention="x")


@pytest.mark.parametrize("convention", ["scalesim-v3", "drain"])
def test_fast_equals_reference_with_pe_lanes_over_m_and_n(convention):
    """PE lanes spread over M and N (MixPE as its artifact lays them out): the closed form
    equals the per-cycle register walk on random shapes, edge folds in both M and N included."""
    rng = np.random.default_rng(RNG_SEED + 7)
    corners = [  # (R, C, lanes_m, lanes_n, M, N, K, L, e, d)
        (1, 1, 2, 2, 1, 1, 1, 1, 0, 1),  # one lane used of four
        (2, 2, 2, 2, 4, 4, 3, 1, 0, 1),  # exactly one fold
        (2, 2, 2, 2, 5, 4, 3, 1, 0, 1),  # one row past the fold
        (2, 3, 2, 1, 4, 7, 5, 4, 1, 1),  # one column past, lanes over M only
        (3, 2, 1, 3, 7, 12, 6, 2, 0, 2),  # lanes over N only, 2-wide K per lane
    ]
    cases = corners + [
        (
            *(int(x) for x in rng.integers(1, 5, 2)),
            *(int(x) for x in rng.integers(1, 4, 2)),
            *(int(x) for x in rng.integers(1, 17, 3)),
            int(rng.choice([1, 1, 4])),
            int(rng.choice([0, 0, 1])),
            int(rng.choice([1, 1, 2])),
        )
        for _ in range(60)
    ]
    for R, C, lm, ln, M, N, K, L, e, d in cases:
        A, B = _ints(rng, (M, K)), _ints(rng, (K, N))
        out, cyc = ref.simulate_gemm(A, B, R, C, "os", L, e, d, convention, lm, ln)
        assert np.array_equal(out, A @ B), (R, C, lm, ln, M, N, K)
        fast = gemm_cycles(M, N, K, R, C, "os", L, e, d, None, convention, lm, ln)
        assert fast == cyc, (convention, R, C, lm, ln, M, N, K, L, e, d)


def test_pe_lanes_over_m_and_n_by_hand():
    # 2 x 2 PEs of 2 x 2 lanes = 4 x 4 MAC positions; M = 5, N = 4, K = 3, L = 1, scalesim-v3:
    # ceil(5/4) = 2 row folds x 1 column fold, each T + R + C - 2 = 3 + 2 + 2 - 2 = 5 cycles (the
    # skew of the 2 x 2 PE grid, not of a 4 x 4 one): 10.  Lanes along K instead (d = 4 on the
    # same grid): ceil(5/2) * ceil(4/2) = 6 folds of ceil(3/4) + 2 = 3 cycles: 18.
    A, B = np.arange(15).reshape(5, 3), np.arange(12).reshape(3, 4)
    out, cyc = ref.simulate_gemm(A, B, 2, 2, "os", 1, 0, 1, "scalesim-v3", 2, 2)
    assert cyc == 10
    assert np.array_equal(out, A @ B)
    assert gemm_cycles(5, 4, 3, 2, 2, "os", 1, 0, 1, None, "scalesim-v3", 2, 2) == 10
    assert gemm_cycles(5, 4, 3, 2, 2, "os", 1, 0, 4) == 18
    # drain: + R = 2 cycles per fold (the lanes of a PE row shift out side by side)
    assert ref.simulate_gemm(A, B, 2, 2, "os", 1, 0, 1, "drain", 2, 2)[1] == 14


def test_pe_lanes_over_m_and_n_need_os_and_positive_counts():
    with pytest.raises(InputError):
        ref.simulate_gemm(np.ones((2, 3), int), np.ones((3, 2), int), 2, 2, "ws", 1, 0, 1, "scalesim-v3", 2, 1)
    with pytest.raises(InputError):
        gemm_cycles(2, 2, 3, 2, 2, "is", 1, 0, 1, None, "scalesim-v3", 1, 2)
    with pytest.raises(InputError):
        gemm_cycles(2, 2, 3, 2, 2, "os", 1, 0, 1, None, "scalesim-v3", 0, 2)
