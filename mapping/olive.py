"""Map a trace onto an OliVe-family systolic accelerator: SRAM tiling per matmul op.

Memory traffic is at the *stored* widths: OVP/ANT codes at 4 or 8 bits per
value (OVP is memory aligned: no extra metadata); for outlier designs (GOBO,
OLAccel) each outlier adds ``value_bits + index_bits`` on top of the dense
codes (``outlier_frac x (value_bits + index_bits)`` per value on average).
Compute widths (what the PE must multiply) are the codes' ``bits``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llmaccel.mapping.systolic import VectorTask, map_vector
from llmaccel.mapping.tiling import Buffers, GemmTiling, choose_tiling
from llmaccel.workloads.ops import Op
from llmaccel.workloads.quant_spec import QuantSpec
from llmaccel.workloads.trace import Trace


@dataclass(frozen=True)
class OutlierTraffic:
    """Average extra stored bits per value of operands a and b (outlier payload + index)."""

    a_bits: float = 0.0
    b_bits: float = 0.0


@dataclass(frozen=True)
class OliveGemmTask:
    """A matmul op: ``count`` instances of ``tiling``'s GEMM, ``passes`` bit-slice passes each."""

    op: Op
    tiling: GemmTiling
    count: int
    passes: int


@dataclass
class OliveProgram:
    model: str
    tasks: list
    meta: dict


def stored_bits(spec: QuantSpec, extra: float) -> float:
    """Bits per value in memory: the codes plus outlier payload (0 for OVP/ANT)."""
    return spec.storage_bits_per_value() + (extra if spec.family == "outlier" else 0.0)


def compile_trace(
    trace: Trace,
    buffers: Buffers,
    units: tuple[int, int, int],
    acc_bits: int,
    passes_for: Callable[[Op], int],
    block_cycles_for: Callable[[int], Callable[[int, int, int], int]],
    dram_bytes_per_cycle: float,
    vector_passes: dict[str, int],
    outlier: OutlierTraffic = OutlierTraffic(),
) -> OliveProgram:
    """One task per op; matmuls get an SRAM tiling that fits the buffers.

    Args:
        passes_for: op -> array passes (from the PE type; raises InputError on an
            operand the PE cannot take).
        block_cycles_for: passes -> cost function of one block (sim supplies it).
    """
    tasks = []
    for op in trace.ops:
        if op.kind.is_matmul:
            passes = passes_for(op)
            a_bits = stored_bits(op.a_spec, outlier.a_bits)
            b_bits = stored_bits(op.b_spec, outlier.b_bits)
            tiling = choose_tiling(
                op.m,
                op.n,
                op.k,
                units,
                buffers,
                a_bits,
                b_bits,
                op.out_spec.storage_bits_per_value(),
                acc_bits,
                block_cycles_for(passes),
                dram_bytes_per_cycle,
            )
            tasks.append(OliveGemmTask(op, tiling, op.count, passes))
        else:
            tasks.append(map_vector(op, vector_passes))
    return OliveProgram(trace.model, tasks, dict(trace.meta))


__all__ = ["OliveGemmTask", "OliveProgram", "OutlierTraffic", "VectorTask", "compile_trace", "stored_bits"]
