"""Map a trace onto a MixPE-study machine: SRAM tiling of every matmul, group-aligned K blocks.

MixPE dequantizes once per quantization group inside the PE, so a K block must hold whole
groups: the K granularity of blocks is ``lcm(array K unit, group_size)``.  The cycle cost
of a block is supplied by ``sim.mixpe.model`` (it owns the cycle formulas), keeping this
module free of ``sim`` imports beyond parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from llmaccel.mapping.tiling import Buffers, GemmTiling, choose_tiling
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace


@dataclass(frozen=True)
class MixGemmTask:
    """One matmul op: ``count`` instances of ``tiling``; ``passes`` PE operations per MAC."""

    op: Op
    tiling: GemmTiling
    passes: int
    group_size: int | None


@dataclass(frozen=True)
class MixVectorTask:
    """A vector op over ``elements`` values (all instances)."""

    op: Op
    elements: int


@dataclass
class MixPEProgram:
    model: str
    tasks: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def weight_group(op: Op) -> int | None:
    """Group size of a group-quantized ``b`` operand (None when not grouped)."""
    return op.b_spec.group_size if op.b_spec.family == "int-group" else None


def k_unit(base_unit: int, lanes: int, group: int | None, what: str) -> int:
    """K granularity of a block: whole groups, whole PE beats."""
    if group is None:
        return base_unit
    if group % lanes:
        raise InputError(
            "quant.group_size",
            f"{what}: group size {group} must be a multiple of the PE's "
            f"{lanes} lanes (a beat may not straddle two groups)",
        )
    return math.lcm(base_unit, group)


def compile_trace(
    trace: Trace,
    buffers: Buffers,
    units: tuple[int, int, int],
    lanes: int,
    acc_bits: int,
    passes_for: Callable[[Op], int],
    block_cycles_for: Callable[[Op, int], Callable[[int, int, int], int]],
    dram_bytes_per_cycle: float,
) -> MixPEProgram:
    """Tile every matmul of ``trace``; vector ops pass through.

    Args:
        units: preferred (m, n, k) block granularity from the array geometry.
        passes_for: op -> PE operations per MAC (sim decides from the PE kind).
        block_cycles_for: (op, passes) -> cost of one block (sim supplies it).
    """
    prog = MixPEProgram(trace.model, meta=dict(trace.meta))
    for op in trace.ops:
        if not op.kind.is_matmul:
            prog.tasks.append(MixVectorTask(op, op.elements))
            continue
        passes = passes_for(op)
        g = weight_group(op)
        u = (units[0], units[1], k_unit(units[2], lanes, g, op.name))
        a_bits = op.a_spec.storage_bits_per_value()
        b_bits = op.b_spec.storage_bits_per_value()
        o_bits = op.out_spec.storage_bits_per_value()
        tiling = choose_tiling(
            op.m,
            op.n,
            op.k,
            u,
            buffers,
            a_bits,
            b_bits,
            o_bits,
            acc_bits,
            block_cycles_for(op, passes),
            dram_bytes_per_cycle,
        )
        if g is not None and tiling.kb < op.k and tiling.kb % g:
            raise InputError("tile", f"{op.name}: K block {tiling.kb} is not a whole number of groups of {g}")
        prog.tasks.append(MixGemmTask(op, tiling, passes, g))
    return prog
