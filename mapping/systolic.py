"""Map a trace onto the systolic array host: one task per op (every array design).

Matmul ops (gemm, gemv, attn_score, attn_context) become :class:`GemmTask` with an SRAM
tiling (:mod:`mapping.tiling`) chosen per instance shape; vector ops (softmax, norm,
activation, eltwise, rope) become :class:`VectorTask` on the vector unit.  What depends on
the machine -- PE passes, the cycle cost of a block, stored bits per element, whether K
blocks must hold whole weight groups -- is supplied by ``sim`` as a :class:`GemmPlan` per op
(it owns the dataflow formulas), so this module imports no ``sim`` code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from llmaccel.mapping.tiling import Buffers, GemmTiling, choose_tiling
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace


@dataclass(frozen=True)
class GemmPlan:
    """How one matmul op runs on the machine (supplied by ``sim``).

    Attributes:
        passes: PE passes per MAC (bit slicing).
        cost: cycles of one SRAM block ``(x, y, z) -> cycles``.
        bits: stored bits per element of (a, b, out).
        group: weight group size K blocks must hold whole (None: no alignment).
        lanes: PE lanes (a beat may not straddle two groups: ``group % lanes == 0``).
    """

    passes: int
    cost: Callable[[int, int, int], int]
    bits: tuple[float, float, float]
    group: int | None = None
    lanes: int = 1


@dataclass(frozen=True)
class GemmTask:
    """A matmul op: ``count`` independent instances of ``tiling``'s GEMM, ``passes`` PE passes
    per MAC; ``group``: the weight group size when the weights are group-quantized."""

    op: Op
    tiling: GemmTiling
    count: int
    passes: int
    group: int | None = None


@dataclass(frozen=True)
class VectorTask:
    """A vector op over ``elements`` values (all instances), ``passes`` sweeps each."""

    op: Op
    elements: int
    passes: int
    in_bytes: float
    out_bytes: float


@dataclass
class ArrayProgram:
    """What :func:`compile_trace` produces and the array host runs, in program order."""

    model: str
    tasks: list
    meta: dict


def k_unit(base_unit: int, lanes: int, group: int | None, what: str) -> int:
    """K granularity of a block holding whole groups and whole PE beats."""
    if group is None:
        return base_unit
    if group % lanes:
        raise InputError(
            "quant.group_size",
            f"{what}: group size {group} must be a multiple of the PE's "
            f"{lanes} lanes (a beat may not straddle two groups)",
        )
    return math.lcm(base_unit, group)


def map_matmul(
    op: Op,
    buffers: Buffers,
    units: tuple[int, int, int],
    acc_bits: int,
    plan: GemmPlan,
    dram_bytes_per_cycle: float,
    weight_group: int | None = None,
) -> GemmTask:
    """Tile one matmul op (``plan.group``: K blocks hold whole groups of that size)."""
    g = plan.group
    u = units if g is None else (units[0], units[1], k_unit(units[2], plan.lanes, g, op.name))
    a_bits, b_bits, out_bits = plan.bits
    tiling = choose_tiling(
        op.m, op.n, op.k, u, buffers, a_bits, b_bits, out_bits, acc_bits, plan.cost, dram_bytes_per_cycle
    )
    if g is not None and tiling.kb < op.k and tiling.kb % g:
        raise InputError("tile", f"{op.name}: K block {tiling.kb} is not a whole number of groups of {g}")
    return GemmTask(op, tiling, op.count, plan.passes, weight_group)


def map_vector(op: Op, passes: dict[str, int] | None) -> VectorTask:
    """Vector op; ``passes`` maps op kind (``softmax``...) to sweeps over the data (None: one)."""
    kind = op.kind.value
    if passes is None:
        return VectorTask(op, op.elements, 1, op.a_bytes(), op.out_bytes())
    if kind not in passes:
        raise InputError("vector.passes", f"no pass count for op kind {kind!r}; have: {', '.join(sorted(passes))}")
    return VectorTask(op, op.elements, int(passes[kind]), op.a_bytes(), op.out_bytes())


def compile_trace(
    trace: Trace,
    buffers: Buffers,
    units: tuple[int, int, int],
    acc_bits: int,
    plan_for: Callable[[Op], GemmPlan],
    dram_bytes_per_cycle: float,
    vector_passes: dict[str, int] | None,
    weight_group: Callable[[Op], int | None] = lambda op: None,
) -> ArrayProgram:
    """Tile every op of ``trace``.

    Args:
        plan_for: op -> its :class:`GemmPlan` (sim supplies it; it raises InputError on an
            operand the PE cannot take).
        vector_passes: op kind -> sweeps of the vector unit (None: one sweep each).
        weight_group: op -> group size of its weights (recorded in the task).
    """
    tasks: list[GemmTask | VectorTask] = []
    for op in trace.ops:
        if op.kind.is_matmul:
            plan = plan_for(op)
            tasks.append(map_matmul(op, buffers, units, acc_bits, plan, dram_bytes_per_cycle, weight_group(op)))
        else:
            tasks.append(map_vector(op, vector_passes))
    return ArrayProgram(trace.model, tasks, dict(trace.meta))
