"""Dataflow geometry and per-fold cycle formulas (the single source of truth).

An R x C array computes ``out[M, N] = A[M, K] @ B[K, N]`` in *folds* (array
tiles).  Per dataflow, which GEMM dimension maps to array rows, to array
columns, and which one is streamed (T):

====  ==============  ==============  =========  =========================
flow  array rows      array columns   streamed   stationary in the PEs
====  ==============  ==============  =========  =========================
os    M               N               K          outputs (accumulators)
ws    K (R*d per fold) N              M          weights B
is    K (R*d per fold) M              N          inputs A (as A^T)
====  ==============  ==============  =========  =========================

``d`` = ``PEType.macs_per_cycle`` (reduction elements per PE per cycle).  In
``os`` the streamed length is ``ceil(K / d)``; in ``ws``/``is`` one fold covers
``R*d`` reduction elements.

Cycles of one fold (edge folds are zero-padded to the full array, so every fold
of a GEMM costs the same), with ``L`` = PE pipeline latency and ``e`` = edge
decoder latency, under the array's *fold convention* (preset key
``array.fold_convention``, :data:`FOLD_CONVENTIONS`):

* ``scalesim-v3`` (default; SCALE-Sim 3.0.0's per-fold demand matrices,
  ``systolic_compute_os.py`` / ``_ws.py`` / ``_is.py``):

  * os: ``T + R + C - 2 + (L - 1) + e`` -- inputs skewed over R rows / C columns
    (R + C - 2 cycles of skew) and T cycles of streaming; every PE hands its
    finished sum to the output side in the cycle of its last accumulation, so the
    output drain overlaps the skew and costs no cycles of its own.
  * ws/is: ``2R + C + T - 2 + R(L - 1) + e`` -- R cycles to shift the stationary
    operand in, then T streamed rows with R + C - 2 cycles of skew; the partial sum
    crosses R PEs of latency L on its way down.

* ``drain`` (the SCALE-Sim paper of 2018 and the RTL baseline array, whose
  accumulators shift out through the bottom edge):

  * os: ``2R + C + T - 2 + (L - 1) + e`` -- as above plus R cycles in which the R
    accumulator rows shift out at the bottom edge after the last accumulation.
  * ws/is: as ``scalesim-v3`` (their outputs already leave through the bottom edge).

Folds run back to back (no overlap of one fold's drain or skew with the next fold's
fill) under both conventions.  Cycles here are counts; SCALE-Sim's report prints the
index of the last cycle (count - 1, see docs/scalesim.md).

Sparse MUX (``os`` only; FlightLLM's sparse DSP front end on the baseline array): weights
carry an N:M pattern along K; K is cut into MUX windows of ``block_k`` weights (FlightLLM:
M = 16).  Each PE keeps only the non-zero slots of its weight column (exactly ``kept(w)``
slots per window of length ``w``, zero-padded when a group has fewer non-zeros) and a
MUX picks the matching activation out of the window.  A window costs ``ceil(kept(w) / d)``
beats, so the streamed length of a fold is::

    T = (K // block_k) * ceil(kept(block_k) / d) + ceil(kept(K % block_k) / d)
    kept(w) = (w // m) * n + min(n, w % m)

(the second term only for a partial last window).  With a dense pattern (n == m) and
``block_k % d == 0`` this is ``ceil(K / d)``.

PE lane layout (``os`` only; MixPE's W4A8/W4A16 PEs as the authors' artifact lays them out,
``bitfusion/src/simulator/accelerator.py`` ``get_compute_cycles_output_stationary``): a PE
of ``lanes_m x lanes_n`` MAC lanes holds ``lanes_m x lanes_n`` output accumulators, so the
fold geometry sees ``(R * lanes_m) x (C * lanes_n)`` MAC positions::

    row_folds = ceil(M / (R * lanes_m)),  col_folds = ceil(N / (C * lanes_n)),  T = ceil(K / d)

while a fold's fill/drain stays that of the physical R x C PE pipeline: a PE row receives
its ``lanes_m`` activation rows (a PE column its ``lanes_n`` weight columns) as one vector
in one beat over a link ``lanes_m`` (``lanes_n``) elements wide, so the skew is one PE per
cycle as for a plain PE (``R + C - 2``), and under ``drain`` the R accumulator rows shift
out in R cycles with the lanes side by side.  ``lanes_m = lanes_n = 1`` is the plain layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from llmaccel.workloads.errors import InputError

DATAFLOWS = ("os", "ws", "is")
#: Fold-cycle conventions (module docstring); the first is the default.
FoldConvention = Literal["scalesim-v3", "drain"]
FOLD_CONVENTIONS: tuple[FoldConvention, ...] = ("scalesim-v3", "drain")
DEFAULT_FOLD_CONVENTION: FoldConvention = FOLD_CONVENTIONS[0]


def check_dataflow(dataflow: str) -> str:
    if dataflow not in DATAFLOWS:
        raise InputError("array.dataflow", f"unknown value {dataflow!r}; allowed: {', '.join(DATAFLOWS)}")
    return dataflow


def check_lanes(dataflow: str, lanes_m: int, lanes_n: int) -> None:
    """PE lanes over M and N (module docstring) need positive counts and dataflow ``os``."""
    for name, v in (("pe.lanes_m", lanes_m), ("pe.lanes_n", lanes_n)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise InputError(name, f"must be a positive integer, got {v!r}")
    if (lanes_m, lanes_n) != (1, 1) and dataflow != "os":
        raise InputError(
            "pe.lane_layout", f"PE lanes over M and N hold output accumulators and need dataflow os, got {dataflow!r}"
        )


def check_fold_convention(convention: str) -> str:
    if convention not in FOLD_CONVENTIONS:
        raise InputError(
            "array.fold_convention", f"unknown value {convention!r}; allowed: {', '.join(FOLD_CONVENTIONS)}"
        )
    return convention


@dataclass(frozen=True)
class SparsePattern:
    """N:M weight sparsity seen by a sparse-MUX front end.

    Attributes:
        block_k: weights per MUX window along K (FlightLLM: M = 16).
        n, m: at most ``n`` non-zeros in every ``m`` consecutive weights along K (groups
            aligned to the window start; ``m`` divides ``block_k``).
    """

    block_k: int
    n: int
    m: int

    def __post_init__(self) -> None:
        if not (1 <= self.n <= self.m):
            raise InputError(
                "workload.quant", f"sparsity needs 1 <= N <= M (N = 0 prunes the whole weight), got {self.n}:{self.m}"
            )
        if self.block_k <= 0 or self.block_k % self.m:
            raise InputError(
                "workload.quant",
                f"sparsity M = {self.m} must divide the sparse-MUX window array.sparse.block_k = {self.block_k}",
            )

    def kept(self, w: int) -> int:
        """Weight slots kept in a window of ``w`` consecutive weights."""
        return (w // self.m) * self.n + min(self.n, w % self.m)

    def beats(self, k: int, d: int) -> int:
        """Streamed beats for a reduction length ``k`` on d-wide PEs (formula above)."""
        full, rem = divmod(k, self.block_k)
        t = full * math.ceil(self.kept(self.block_k) / d)
        return t + (math.ceil(self.kept(rem) / d) if rem else 0)

    def kept_total(self, k: int) -> int:
        """Kept weight slots along a reduction length ``k`` (MACs per output actually done)."""
        full, rem = divmod(k, self.block_k)
        return full * self.kept(self.block_k) + self.kept(rem)


def fold_cycles(
    dataflow: str,
    rows: int,
    cols: int,
    t: int,
    pipeline_latency: int = 1,
    edge_latency: int = 0,
    convention: str = DEFAULT_FOLD_CONVENTION,
) -> int:
    """Cycles (a count) of one fold streaming ``t`` (already divided by d for os) elements
    under fold ``convention`` (``scalesim-v3`` or ``drain``, module docstring)."""
    check_fold_convention(convention)
    skew_and_stream = rows + cols + t - 2 + edge_latency
    if dataflow == "os":
        drain = rows if convention == "drain" else 0
        return skew_and_stream + drain + (pipeline_latency - 1)
    return rows + skew_and_stream + rows * (pipeline_latency - 1)


def fold_convention_note(convention: str) -> str:
    """One line naming ``convention`` and its per-fold cycles (for printed assumptions)."""
    os_fold = "2R+C+T-2" if check_fold_convention(convention) == "drain" else "T+R+C-2"
    return (
        f"fold convention {convention}: {os_fold} cycles per os fold, 2R+C+T-2 per ws/is fold "
        "(+ PE pipeline and edge-decoder latency), edge folds padded, folds never overlap"
    )


@lru_cache(maxsize=65536)
def fold_geometry(
    m: int,
    n: int,
    k: int,
    rows: int,
    cols: int,
    dataflow: str,
    macs_per_pe: int = 1,
    sparse: SparsePattern | None = None,
    lanes_m: int = 1,
    lanes_n: int = 1,
) -> tuple[int, int, int]:
    """``(row_folds, col_folds, t)`` for a GEMM on an R x C array (``sparse``: os only;
    ``lanes_m x lanes_n`` PE lanes over M and N: os only, module docstring)."""
    d = macs_per_pe
    if sparse is not None and dataflow != "os":
        raise InputError(
            "array.sparse_mux", f"the sparse MUX streams compressed K and needs dataflow os, got {dataflow!r}"
        )
    check_lanes(dataflow, lanes_m, lanes_n)
    if dataflow == "os":
        t = math.ceil(k / d) if sparse is None else sparse.beats(k, d)
        return math.ceil(m / (rows * lanes_m)), math.ceil(n / (cols * lanes_n)), t
    if dataflow == "ws":
        return math.ceil(k / (rows * d)), math.ceil(n / cols), m
    if dataflow == "is":
        return math.ceil(k / (rows * d)), math.ceil(m / cols), n
    raise InputError("array.dataflow", f"unknown value {dataflow!r}; allowed: {', '.join(DATAFLOWS)}")


def sram_reads_per_gemm(
    m: int, n: int, k: int, rows: int, cols: int, dataflow: str, macs_per_pe: int = 1
) -> tuple[int, int, int]:
    """Elements ``(a_read, b_read, out_written)`` moved between SRAM and the array.

    Only real (unpadded) elements are counted.  os: each A row block is read once
    per column fold and each B column block once per row fold; outputs written
    once.  ws: weights read once; A read once per column fold; partial outputs
    written once per K fold.  is: A read once; B read once per M fold; partial
    outputs written once per K fold.
    """
    rf, cf, _ = fold_geometry(m, n, k, rows, cols, dataflow, macs_per_pe)
    if dataflow == "os":
        return m * k * cf, k * n * rf, m * n
    if dataflow == "ws":
        return m * k * cf, k * n, m * n * rf
    return m * k, k * n * cf, m * n * rf
