"""GEMM timing plug-ins of the one array host: cycles of one ``m x n x k`` GEMM on the arrays.

A :class:`sim.systolic.machine.Machine` times every GEMM (every SRAM block on the sequential
host, every projection/FFN GEMM of a NeuPIMs stage) through one :class:`GemmTiming`:

* ``cycles``: one pass of the GEMM (the PE's dot-product width ``d``, its pipeline and the
  edge decoders' latency included); :class:`sim.systolic.model.BlockCost` multiplies by the
  PE passes;
* ``reference_cycles``: the slow reference the closed form is held equal to by tests;
* ``folds``: stationary-tile loads (folds / preloads) per array, the count the edge decoders
  pay their latency on;
* ``weight_passes``: how often the GEMM reads its weights from off-chip memory when the
  timing itself fixes the on-chip tiling (1 when the host's SRAM tiling decides re-reads).

Two implementations:

:class:`FoldTiming` -- the fold convention of :mod:`sim.systolic.dataflow` (``scalesim-v3`` /
``drain``; closed form :func:`sim.systolic.fast.gemm_cycles`, reference
:func:`sim.systolic.reference.simulate_gemm`), used by ``systolic``, ``olive`` and ``mixpe``.

:class:`InstructionPipelineTiming` -- the NeuPIMs NPU as the authors' artifact models it
(spec/neupims.md "NPU as the authors model it"; casys-kaist/NeuPIMs
``NeuPIMSystolicWS::issue_ex_inst``).  Every GEMM instruction on a ``R x C`` array has
latency ``R + C - 2 + max(s, min_stream)`` cycles for ``s`` streamed rows.  Instructions are
*pipelined*: one that reuses the loaded stationary tile starts ``max(s_prev, min_stream)``
cycles after the previous one; one that loads a new stationary tile (a *preload*) starts
``R`` cycles after it; only an instruction entering an empty pipeline pays the full
``2R - 1`` preload.  Fill/drain (``R + C - 2``) is therefore paid once per GEMM.  Two
schedules (preset ``npu.gemm_schedule``):

``pipelined`` -- weights stationary, the ``m`` tokens streamed; the ``ceil(k/R) x ceil(n/C)``
weight tiles are spread over the ``arrays`` arrays (each array its own tiles, one preload
per tile).  A preload may overlap the previous stream but not the previous preload, and a
stream may not overlap the previous stream, so with ``T = ceil(tiles / arrays)``::

    cycles = (2R - 1) + (T - 1) * max(R, s) + (R + C - 2 + s),   s = max(m, min_stream)

``artifact`` -- the artifact's ``MatMul`` mapping: the product is computed transposed
(``out^T = w^T a^T``), so a ``K x tokens`` tile of *activations* is stationary and the output
features stream through it; the GEMM is first cut into L2 tiles that fit half of a
``spad_kib`` scratchpad (double buffer; largest dimension halved, rounded up, until
``(m k + k n + n m) * elem_bytes <= spad/2`` with each dimension padded to ``C``), then into
``C``-sized L1 tiles; the arrays are lumped into one array streaming ``C / arrays`` rows
per L1 tile.  Per L2 tile and per stationary (token, K) L1 tile: one preload instruction and
``(L1 tiles along n) - 1`` reuse instructions::

    cycles = (2R - 1) + (P - 1) * R + G * s + (R + C - 2 + s),   s = max(C / arrays, min_stream)

with ``P`` preloads and ``G`` reuse instructions.  L1 tiles lying wholly outside the matrix
(the artifact asserts on them) are not issued.

On a hosted PE of dot-product width ``d`` the array sees ``ceil(k / d)`` rows of K, and an
edge decoder adds its latency once per weight-tile fold of each array
(``ceil(tiles / arrays)`` of the ``pipelined`` geometry) in either schedule.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from llmaccel.sim.systolic.dataflow import SparsePattern, fold_geometry
from llmaccel.sim.systolic.fast import gemm_cycles
from llmaccel.sim.systolic.pe import PEType
from llmaccel.workloads.errors import InputError

if TYPE_CHECKING:
    from llmaccel.sim.systolic.model import ArrayParams


class GemmTiming(Hashable, Protocol):
    """Cycles of one GEMM on a machine's arrays (see the module docstring); hashable, so block
    costs holding it cache by value."""

    def cycles(self, m: int, n: int, k: int, pe: PEType, sparse: SparsePattern | None = None) -> int:
        """Cycles of one pass of ``out[m,n] = a[m,k] @ b[k,n]`` (closed form)."""
        ...

    def reference_cycles(self, m: int, n: int, k: int, pe: PEType) -> int:
        """Cycles of one pass from the slow reference (equal to :meth:`cycles` by test)."""
        ...

    def folds(self, m: int, n: int, k: int, pe: PEType) -> int:
        """Stationary-tile loads per array (edge decoders pay their latency once per fold)."""
        ...

    def weight_passes(self, m: int, n: int, k: int) -> int:
        """Reads of the weights from off-chip memory per GEMM (1: the host's tiling decides)."""
        ...


@dataclass(frozen=True)
class FoldTiming:
    """Folds of :mod:`sim.systolic.dataflow` under ``array.fold_convention``, back to back.

    Attributes:
        array: the array's geometry, dataflow and fold convention.
        lanes_m, lanes_n: how a PE's ``macs_per_cycle`` lanes are laid out: ``1 x 1`` (the
            default) puts them all along K (a ``d``-wide dot product, ``ceil(k / d)`` beats);
            ``lanes_m x lanes_n`` spreads ``lanes_m * lanes_n`` of them over M and N (os only;
            :mod:`sim.systolic.dataflow`, "PE lane layout"), the rest along K
            (``d_k = macs_per_cycle / (lanes_m * lanes_n)``, which must divide evenly).
    """

    array: ArrayParams
    lanes_m: int = 1
    lanes_n: int = 1

    def k_width(self, pe: PEType) -> int:
        """Reduction elements one PE lane takes per cycle (``d_k``)."""
        spread = self.lanes_m * self.lanes_n
        if pe.macs_per_cycle % spread:
            raise InputError(
                "pe.lanes",
                f"{pe.macs_per_cycle} lanes per PE cannot be laid out as {self.lanes_m} x {self.lanes_n} over M x N",
            )
        return pe.macs_per_cycle // spread

    def cycles(self, m: int, n: int, k: int, pe: PEType, sparse: SparsePattern | None = None) -> int:
        a = self.array
        return gemm_cycles(
            m,
            n,
            k,
            a.rows,
            a.cols,
            a.dataflow,
            pe.pipeline_latency,
            a.edge_decoder_latency,
            self.k_width(pe),
            sparse,
            a.fold_convention,
            self.lanes_m,
            self.lanes_n,
        )

    def reference_cycles(self, m: int, n: int, k: int, pe: PEType) -> int:
        """Per-PE, per-cycle simulation of every fold (:func:`sim.systolic.reference.simulate_gemm`)."""
        from llmaccel.sim.systolic.reference import simulate_gemm

        a = self.array
        _out, cyc = simulate_gemm(
            np.ones((m, k), np.int64),
            np.ones((k, n), np.int64),
            a.rows,
            a.cols,
            a.dataflow,
            pe.pipeline_latency,
            a.edge_decoder_latency,
            self.k_width(pe),
            a.fold_convention,
            self.lanes_m,
            self.lanes_n,
        )
        return cyc

    def folds(self, m: int, n: int, k: int, pe: PEType) -> int:
        a = self.array
        rf, cf, _t = fold_geometry(
            m, n, k, a.rows, a.cols, a.dataflow, self.k_width(pe), None, self.lanes_m, self.lanes_n
        )
        return rf * cf

    def weight_passes(self, m: int, n: int, k: int) -> int:
        return 1


GemmSchedule = Literal["pipelined", "artifact"]


@dataclass(frozen=True)
class InstructionPipelineTiming:
    """The NeuPIMs NPU's GEMM instruction pipeline (module docstring).  Units: cycles, KiB, bytes.

    Attributes:
        arrays, rows, cols: ``arrays`` weight-stationary ``rows x cols`` systolic arrays.
        min_stream: lower bound of the streamed length of one instruction.
        schedule: ``pipelined`` or ``artifact``.
        spad_kib: scratchpad whose half bounds an L2 tile (``artifact``).
        elem_bytes: bytes per on-chip element (the L2 tile budget).
        decoder_latency: edge-decoder cycles per weight-tile fold of each array (0: none).
    """

    arrays: int
    rows: int
    cols: int
    min_stream: int
    schedule: GemmSchedule
    spad_kib: int
    elem_bytes: int
    decoder_latency: int = 0

    # -- the protocol ----------------------------------------------------------------------
    def cycles(self, m: int, n: int, k: int, pe: PEType, sparse: SparsePattern | None = None) -> int:
        if sparse is not None:
            raise InputError("npu", "the NPU's arrays have no sparse MUX; N:M weights run dense")
        k_rows = math.ceil(k / pe.macs_per_cycle)
        return self.array_cycles(m, n, k_rows) + self.decoder_latency * self.folds(m, n, k, pe)

    def reference_cycles(self, m: int, n: int, k: int, pe: PEType) -> int:
        k_rows = math.ceil(k / pe.macs_per_cycle)
        return self.array_cycles_reference(m, n, k_rows) + self.decoder_latency * self.folds(m, n, k, pe)

    def folds(self, m: int, n: int, k: int, pe: PEType) -> int:
        """Weight-tile folds of each array, ``ceil(tiles / arrays)`` (``pipelined`` geometry)."""
        return math.ceil(self.tiles(m, n, math.ceil(k / pe.macs_per_cycle)) / self.arrays)

    def weight_passes(self, m: int, n: int, k: int) -> int:
        """Once per token L2 tile in ``artifact`` (the scratchpad holds one L2 tile), else once."""
        if self.schedule != "artifact":
            return 1
        (mi, _ki, _ni), (mo, _ko, _no) = self.l2_tiles(m, k, n)
        return l2_nonempty(m, mi, mo)

    # -- the instruction pipeline ----------------------------------------------------------
    def tiles(self, m: int, n: int, k_rows: int) -> int:
        """Weight tiles ``ceil(k/R) x ceil(n/C)`` of the ``pipelined`` schedule."""
        rf, cf, _t = fold_geometry(m, n, k_rows, self.rows, self.cols, "ws")
        return rf * cf

    def instruction_cycles(self, streamed: int) -> int:
        """Latency (cycles) of one GEMM instruction streaming ``streamed`` rows (spec/neupims.md)."""
        return self.rows + self.cols - 2 + max(streamed, self.min_stream)

    def preload_chain_cycles(self, preloads: int, last_streamed: int) -> int:
        """``preloads`` preload instructions back to back (``R`` apart), the last streaming
        ``last_streamed`` rows: ``(2R - 1) + (P - 1) R + latency of the last``."""
        if preloads == 0:
            return 0
        R = self.rows
        return (2 * R - 1) + (preloads - 1) * R + self.instruction_cycles(last_streamed)

    def l2_tiles(self, m: int, k: int, n: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """Artifact L2 tiling of ``(m tokens, k, n outputs)``: inner sizes and outer counts."""
        return _l2_tiles(m, k, n, self.cols, self.elem_bytes, self.spad_kib)

    def artifact_counts(self, m: int, n: int, k_rows: int) -> tuple[int, int]:
        """(preloads, reuse instructions) of the ``artifact`` schedule (closed form)."""
        return _artifact_counts(m, n, k_rows, self.cols, self.elem_bytes, self.spad_kib)

    def array_cycles(self, m: int, n: int, k_rows: int) -> int:
        """Closed form of the schedule for ``k_rows`` rows of K (module docstring)."""
        R, C = self.rows, self.cols
        if self.schedule == "artifact":
            pre, reuse = self.artifact_counts(m, n, k_rows)
            s = max(C // self.arrays, self.min_stream)
            return (2 * R - 1) + (pre - 1) * R + reuse * s + (R + C - 2 + s)
        s = max(m, self.min_stream)
        t = math.ceil(self.tiles(m, n, k_rows) / self.arrays)
        return (2 * R - 1) + (t - 1) * max(R, s) + (R + C - 2 + s)

    def array_cycles_reference(self, m: int, n: int, k_rows: int) -> int:
        """Instruction-by-instruction schedule; equal to :meth:`array_cycles`.

        ``pipelined``: weight tiles in (k, n) order, each to the array with the fewest queued
        instructions (lowest index on ties), each array walked with the issue rule.
        ``artifact``: the artifact's loop nest (L2 tiles over tokens, k, n; inside: token L1,
        k L1, n L1 with a preload at the first n L1 tile) on one lumped array.
        """
        R, C, k = self.rows, self.cols, k_rows
        if self.schedule == "artifact":
            (mi, ki, ni), (mo, ko, no) = self.l2_tiles(m, k, n)
            s = C // self.arrays
            instrs = []
            for a in range(mo):
                for b in range(ko):
                    for c in range(no):
                        for _t0 in range(a * mi, min((a + 1) * mi, m), C):
                            for _k0 in range(b * ki, min((b + 1) * ki, k), R):
                                for j, _n0 in enumerate(range(c * ni, min((c + 1) * ni, n), C)):
                                    instrs.append((j == 0, s))
            return self._issue(instrs)
        queues: list[list[tuple[bool, int]]] = [[] for _ in range(self.arrays)]
        for _kt in range(math.ceil(k / R)):
            for _nt in range(math.ceil(n / C)):
                a = min(range(self.arrays), key=lambda i: len(queues[i]))
                queues[a].append((True, m))
        return max(self._issue(q) for q in queues if q)

    def _issue(self, instrs: list[tuple[bool, int]]) -> int:
        """Walk an instruction list ``[(is_preload, streamed rows)]`` on one array with the
        artifact's issue rule; returns the last finish cycle."""
        R = self.rows
        start: int | None = None
        prev_s = 0
        finish = 0
        for pre, s in instrs:
            s = max(s, self.min_stream)
            if start is None:
                start = 2 * R - 1 if pre else 0
            else:
                # a preload waits R after the previous start (weight shift-in), a stream waits for
                # the previous stream to leave the array input
                start += max(R, prev_s) if pre else prev_s
            finish = max(finish, start + self.instruction_cycles(s))
            prev_s = s
        return finish


def l1_count(dim: int, inner: int, outer: int, size: int) -> int:
    """L1 tiles of ``size`` along one axis that hold at least one in-range element."""
    return sum(math.ceil(max(0, min(inner, dim - o * inner)) / size) for o in range(outer))


def l2_nonempty(dim: int, inner: int, outer: int) -> int:
    """L2 tiles along one axis that hold at least one in-range element."""
    return sum(1 for o in range(outer) if dim - o * inner > 0)


def _l2_tiles(
    m: int, k: int, n: int, cols: int, elem_bytes: int, spad_kib: int
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    inner, outer = [m, k, n], [1, 1, 1]
    budget = spad_kib * 1024 // 2
    if 3 * cols * cols * elem_bytes > budget:
        raise InputError(
            "npu.tile_spad_kib",
            f"half the scratchpad must hold three {cols}x{cols} tiles "
            f"(>= {3 * cols * cols * elem_bytes * 2 // 1024} KiB); got {spad_kib}",
        )

    def need(v: list[int]) -> int:
        a, b, c = (x + (-x) % cols for x in v)
        return (a * b + b * c + c * a) * elem_bytes

    while need(inner) > budget and max(inner) > 1:
        i = inner.index(max(inner))
        outer[i] *= 2
        inner[i] = (inner[i] + 1) // 2
    return (inner[0], inner[1], inner[2]), (outer[0], outer[1], outer[2])


@lru_cache(maxsize=4096)
def _artifact_counts(m: int, n: int, k: int, cols: int, elem_bytes: int, spad_kib: int) -> tuple[int, int]:
    (mi, ki, ni), (mo, ko, no) = _l2_tiles(m, k, n, cols, elem_bytes, spad_kib)
    tok = l1_count(m, mi, mo, cols)
    kk = l1_count(k, ki, ko, cols)
    out = l1_count(n, ni, no, cols)
    preloads = tok * kk * l2_nonempty(n, ni, no)
    return preloads, tok * kk * out - preloads
