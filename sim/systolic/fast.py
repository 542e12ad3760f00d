"""Closed-form (O(1)) compute cycles of a GEMM on a systolic array.

Equal, by test, to :func:`sim.systolic.reference.simulate_gemm` on every shape
tried (edge folds included).  Formulas: :mod:`sim.systolic.dataflow`.
"""

from __future__ import annotations

from functools import lru_cache

from llmaccel.sim.systolic.dataflow import (
    DEFAULT_FOLD_CONVENTION,
    SparsePattern,
    check_dataflow,
    fold_cycles,
    fold_geometry,
)
from llmaccel.workloads.errors import require_positive_int


@lru_cache(maxsize=65536)
def gemm_cycles(
    M: int,
    N: int,
    K: int,
    rows: int,
    cols: int,
    dataflow: str,
    pipeline_latency: int = 1,
    edge_latency: int = 0,
    macs_per_pe: int = 1,
    sparse: SparsePattern | None = None,
    fold_convention: str = DEFAULT_FOLD_CONVENTION,
    lanes_m: int = 1,
    lanes_n: int = 1,
) -> int:
    """Compute cycles of ``out[M,N] = A[M,K] @ B[K,N]`` over all folds, no memory stalls.

    ``folds * fold_cycles`` with edge folds zero-padded to the full R x C array, each fold
    costed under ``fold_convention`` (``scalesim-v3`` or ``drain``, :mod:`sim.systolic.dataflow`).
    ``sparse``: N:M weights behind a sparse MUX (os only): the streamed length of a fold is
    :meth:`SparsePattern.beats` instead of ``ceil(K / d)``.
    ``lanes_m x lanes_n``: PE lanes over M and N (os only): folds of ``(R * lanes_m) x
    (C * lanes_n)`` MAC positions, each fold with the fill/drain of the physical R x C array;
    ``macs_per_pe`` is then the K width of one lane (1 for MixPE's artifact layout).
    """
    for name, v in (("M", M), ("N", N), ("K", K), ("array.rows", rows), ("array.cols", cols)):
        require_positive_int(name, v)
    check_dataflow(dataflow)
    rf, cf, t = fold_geometry(M, N, K, rows, cols, dataflow, macs_per_pe, sparse, lanes_m, lanes_n)
    return rf * cf * fold_cycles(dataflow, rows, cols, t, pipeline_latency, edge_latency, fold_convention)


def gemm_folds(M: int, N: int, K: int, rows: int, cols: int, dataflow: str, macs_per_pe: int = 1) -> int:
    rf, cf, _ = fold_geometry(M, N, K, rows, cols, dataflow, macs_per_pe)
    return rf * cf
