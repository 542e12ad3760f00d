"""Map a trace onto the baseline systolic accelerator: one task per op.

Matmul ops (gemm, gemv, attn_score, attn_context) become :class:`GemmTask` with
an SRAM tiling (:mod:`mapping.tiling`) chosen per instance shape; vector ops
(softmax, norm, activation, eltwise, rope) become :class:`VectorTask` on the
vector unit.  The cycle cost of a block is supplied by ``sim`` (it owns the
dataflow formulas), so this module imports no ``sim`` code beyond parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llmaccel.mapping.tiling import Buffers, GemmTiling, choose_tiling
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace


@dataclass(frozen=True)
class GemmTask:
    """A matmul op: ``count`` independent instances of ``tiling``'s GEMM."""

    op: Op
    tiling: GemmTiling
    count: int
    a_float: bool
    b_float: bool


@dataclass(frozen=True)
class VectorTask:
    """A vector op over ``elements`` values (all instances), ``passes`` sweeps each."""

    op: Op
    elements: int
    passes: int
    in_bytes: float
    out_bytes: float


@dataclass
class SystolicProgram:
    """What :func:`compile_trace` produces and ``sim.systolic`` runs, in program order."""

    model: str
    tasks: list
    meta: dict


def operand_bits(op: Op) -> tuple[float, float, float]:
    """Stored bits per element of a, b, out (group metadata included)."""
    return (
        op.a_spec.storage_bits_per_value(),
        op.b_spec.storage_bits_per_value(),
        op.out_spec.storage_bits_per_value(),
    )


def map_matmul(
    op: Op,
    buffers: Buffers,
    units: tuple[int, int, int],
    acc_bits: int,
    block_cycles: Callable[[int, int, int], int],
    dram_bytes_per_cycle: float,
    bits: tuple[float, float, float] | None = None,
) -> GemmTask:
    """``bits``: stored bits per element of a, b, out (default :func:`operand_bits`; a host
    gives its own when e.g. sparse weights are stored dense or carry index metadata)."""
    a_bits, b_bits, out_bits = operand_bits(op) if bits is None else bits
    tiling = choose_tiling(
        op.m, op.n, op.k, units, buffers, a_bits, b_bits, out_bits, acc_bits, block_cycles, dram_bytes_per_cycle
    )
    return GemmTask(op, tiling, op.count, op.a_spec.family == "float", op.b_spec.family == "float")


def map_vector(op: Op, passes: dict[str, int]) -> VectorTask:
    """Vector op; ``passes`` maps op kind (``softmax``...) to sweeps over the data."""
    from llmaccel.workloads.errors import InputError

    kind = op.kind.value
    if kind not in passes:
        raise InputError("vector.passes", f"no pass count for op kind {kind!r}; have: {', '.join(sorted(passes))}")
    return VectorTask(op, op.elements, int(passes[kind]), op.a_bytes(), op.out_bytes())


def compile_trace(
    trace: Trace,
    buffers: Buffers,
    units: tuple[int, int, int],
    acc_bits: int,
    block_cycles_for: Callable[[Op], Callable[[int, int, int], int]],
    dram_bytes_per_cycle: float,
    vector_passes: dict[str, int],
    operand_bits_for: Callable[[Op], tuple[float, float, float]] | None = None,
) -> SystolicProgram:
    """Tile every op of ``trace``.

    Args:
        block_cycles_for: op -> cost function of one block of that op (sim supplies
            it; it depends on the op's operand widths through bit-slicing passes).
        operand_bits_for: op -> stored bits of (a, b, out); default :func:`operand_bits`.
    """
    tasks = []
    for op in trace.ops:
        if op.kind.is_matmul:
            bits = None if operand_bits_for is None else operand_bits_for(op)
            tasks.append(map_matmul(op, buffers, units, acc_bits, block_cycles_for(op), dram_bytes_per_cycle, bits))
        else:
            tasks.append(map_vector(op, vector_passes))
    return SystolicProgram(trace.model, tasks, dict(trace.meta))
