"""SCALE-Sim 3.0.0's COMPUTE_REPORT columns of one GEMM layer, in closed form.

SCALE-Sim walks per-fold demand matrices one line per cycle; for GEMM topologies in its
default CALC bandwidth mode everything it reports follows from the fold geometry of
:mod:`sim.systolic.dataflow` under the ``scalesim-v3`` fold convention (docs/scalesim.md
derives every column from SCALE-Sim's source; line numbers there):

* ``Total Cycles`` = ``F * P - 1``: SCALE-Sim reports the *index* of the last cycle, one
  less than the cycle count ``F * P`` (F folds of P cycles each).
* ``Stall Cycles`` = 0: in CALC mode the read buffers never stall and the output buffer
  drains ``ArrayWidth`` words per cycle, as fast as the array can write them.
* ``Overall Util %`` = ``M*N*K*100 / ((F*P - 1) * R*C)`` (divides by the index).
* ``Mapping Efficiency %`` = mean over folds of ``used PEs / (R*C)`` * 100.
* ``Compute Util %`` = mean over folds of ``used PEs * T / (R*C * Pc)`` * 100, with
  ``Pc = P`` for os and ``P + C - 1`` for ws/is (SCALE-Sim counts the skew twice there).
* ``Total Cycles (incl. prefetch)``: only in the regime where the operands fit the
  read buffers' active half and the output SRAM never drains mid-run (:func:`prefetch_total`);
  outside it SCALE-Sim's result depends on its buffer bookkeeping line by line and this
  module returns ``None``.

The two means are summed fold by fold, left to right, column folds outer and row folds
inner, exactly as SCALE-Sim's ``sum(list) / len(list)`` does on Python 3.11 (Python >= 3.12
changed the builtin ``sum`` of floats to compensated summation), so the floats print the
same digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llmaccel.sim.systolic.dataflow import check_dataflow, fold_cycles, fold_geometry
from llmaccel.workloads.errors import require_positive_int

#: CALC-mode constants of SCALE-Sim 3.0.0 (scalesim/single_layer_sim.py l.238-263 and
#: memory/read_buffer_estimate_bw.py l.94-95): DRAM words per cycle of the ifmap/filter
#: prefetch, fraction of a read buffer that is active, sets the read buffer tracks, and the
#: divisor that turns its kB into words per set.
PREFETCH_WORDS_PER_CYCLE = 10
ACTIVE_FRACTION = 0.5
READ_BUFFER_SETS = 50
WORDS_PER_SET_DIVISOR = 100


@dataclass(frozen=True)
class ComputeReportRow:
    """One layer of SCALE-Sim's COMPUTE_REPORT.csv.

    Attributes:
        total_cycles: index of the last cycle (cycle count - 1).
        total_cycles_incl_prefetch: last ofmap DRAM write minus first operand DRAM read
            (cycles), or None where it is not derived (see the module docstring).
        stall_cycles: stall cycles (0 in CALC mode).
        overall_util: percent, MACs over (total_cycles * PEs).
        mapping_efficiency: percent, mean used-PE fraction per fold.
        compute_util: percent, mean per-fold MAC occupancy as SCALE-Sim counts it.
    """

    total_cycles: int
    total_cycles_incl_prefetch: int | None
    stall_cycles: int
    overall_util: float
    mapping_efficiency: float
    compute_util: float


def spatial_extents(m: int, n: int, k: int, dataflow: str) -> tuple[int, int, int]:
    """``(Sr, Sc, T)``: the GEMM extents laid over array rows, array columns and streamed
    in time (os: M, N, K; ws: K, N, M; is: K, M, N -- SCALE-Sim's systolic_compute_*.py)."""
    return {"os": (m, n, k), "ws": (k, n, m), "is": (k, m, n)}[check_dataflow(dataflow)]


def _fold_means(sr: int, sc: int, rows: int, cols: int, t: int, pc: int) -> tuple[float, float]:
    """(mapping, compute) fractions averaged over folds, summed left to right in SCALE-Sim's
    fold order (column folds outer, row folds inner)."""
    pes = rows * cols
    mapping = 0.0
    compute = 0.0
    folds = 0
    for c0 in range(0, sc, cols):
        cu = min(cols, sc - c0)
        for r0 in range(0, sr, rows):
            used = min(rows, sr - r0) * cu
            mapping += used / pes
            compute += used * t / (pes * pc)
            folds += 1
    return mapping / folds, compute / folds


def prefetch_total(
    m: int,
    n: int,
    k: int,
    rows: int,
    cols: int,
    dataflow: str,
    last_cycle: int,
    sram_kb: tuple[int, int, int],
) -> int | None:
    """SCALE-Sim's ``Total Cycles (incl. prefetch)`` where it has a closed form, else None.

    Regime: A (M*K words) and B (K*N) each fit the active half of their read buffer
    (``READ_BUFFER_SETS`` sets of ``floor(1024*kB/100)`` words each) and the ofmap words written
    (M*N for os, M*N*ceil(K/R) for ws/is: one partial sum per K fold) fit the free half of the
    output SRAM.  Then both operands are prefetched before cycle 0 at
    ``PREFETCH_WORDS_PER_CYCLE`` words per cycle, rounded up to whole sets, and the ofmap is
    written to DRAM in ``ceil(W / C)`` lines from the last compute cycle on.

    Args:
        last_cycle: SCALE-Sim's Total Cycles (index of the last compute cycle).
        sram_kb: (ifmap, filter, ofmap) SRAM sizes in kB.
    """
    ifmap_kb, filter_kb, ofmap_kb = sram_kb
    items_if = math.floor(1024 * ifmap_kb / WORDS_PER_SET_DIVISOR)
    items_fl = math.floor(1024 * filter_kb / WORDS_PER_SET_DIVISOR)
    ofmap_words = 1024 * ofmap_kb
    written = m * n if dataflow == "os" else m * n * math.ceil(k / rows)
    ofmap_free = ofmap_words - math.ceil(ofmap_words * ACTIVE_FRACTION)
    if items_if == 0 or items_fl == 0:
        return None
    if m * k >= READ_BUFFER_SETS * items_if or k * n >= READ_BUFFER_SETS * items_fl or written > ofmap_free:
        return None

    def prefetch(words: int, per_set: int) -> int:  # whole sets of per_set words
        return math.ceil(math.ceil(words / per_set) * per_set / PREFETCH_WORDS_PER_CYCLE)

    lead = max(prefetch(m * k, items_if), prefetch(k * n, items_fl))
    return last_cycle + math.ceil(written / cols) - 1 + lead


def compute_report_row(
    m: int,
    n: int,
    k: int,
    rows: int,
    cols: int,
    dataflow: str,
    sram_kb: tuple[int, int, int] = (64, 64, 64),
) -> ComputeReportRow:
    """SCALE-Sim 3.0.0's COMPUTE_REPORT row of ``out[M,N] = A[M,K] @ B[K,N]`` on an
    R x C array (CALC bandwidth mode; module docstring).

    Raises:
        InputError: a non-positive size, an unknown dataflow, or a 1x1 array with a
            one-cycle layer (SCALE-Sim divides by the last-cycle index 0 there).
    """
    for name, v in (("M", m), ("N", n), ("K", k), ("ArrayHeight", rows), ("ArrayWidth", cols)):
        require_positive_int(name, v)
    sr, sc, t = spatial_extents(m, n, k, dataflow)
    rf, cf, _ = fold_geometry(m, n, k, rows, cols, dataflow)
    per_fold = fold_cycles(dataflow, rows, cols, t, convention="scalesim-v3")
    last = rf * cf * per_fold - 1
    require_positive_int("Total Cycles (a one-cycle layer on a 1x1 array)", last)
    pc = per_fold if dataflow == "os" else per_fold + cols - 1
    mapping, compute = _fold_means(sr, sc, rows, cols, t, pc)
    return ComputeReportRow(
        total_cycles=last,
        total_cycles_incl_prefetch=prefetch_total(m, n, k, rows, cols, dataflow, last, sram_kb),
        stall_cycles=0,
        overall_util=(m * n * k * 100) / (last * rows * cols),
        mapping_efficiency=mapping * 100,
        compute_util=compute * 100,
    )
