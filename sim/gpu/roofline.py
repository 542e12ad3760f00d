"""Roofline GPU model.

Per op (all ``count`` instances in one kernel)::

    t_compute = 2 * MACs / (peak_tops[dtype] * 1e12 * eff_compute[kind])
    t_memory  = bytes / (memory_gbps * 1e9 * eff_memory)
    t_op      = max(t_compute, t_memory) + kernel_overhead_us * 1e-6

``bytes`` = a + b + out at their stored widths (each operand crosses HBM once:
no cache reuse across ops).  Vector ops count ``flops_per_element[kind]`` FLOPs
per output element on the ``vector`` peak (CUDA cores).  ``dtype`` is the
narrowest peak the operands fit: integer operands of <= 4 / 8 bits use the
``int4`` / ``int8`` peak if the GPU lists one, float (or wider) operands
``fp16``.  Energy = board power x time.  Cycles are reported at ``clock_mhz``
(the boost clock) so they compare with other designs' cycle counts.
"""

from __future__ import annotations

import math

from llmaccel.sim.hardware.gpu import GpuParams, gpu_params
from llmaccel.sim.memory import offchip_roof
from llmaccel.sim.preset import HardwareConfig, load_preset
from llmaccel.sim.result import OpStats, Result, fill_typed
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace


def dtype_of(op: Op, p: GpuParams) -> str:
    """Peak used for a matmul op: int4 / int8 if both operands are such integers and listed, else fp16."""
    bits = max(op.a_spec.bits, op.b_spec.bits)
    ints = op.a_spec.family != "float" and op.b_spec.family != "float"
    if ints:
        for key, width in (("int4", 4), ("int8", 8)):
            if bits <= width and p.peak_tops.has(key):
                return key
    return "fp16"


def op_time_s(op: Op, p: GpuParams) -> tuple[float, float, float, str]:
    """``(time, t_compute, t_memory, dtype)`` in seconds for one op."""
    nbytes = op.a_bytes() + op.b_bytes() + op.out_bytes()
    t_mem = nbytes / (p.hbm.bandwidth_gbps * 1e9 * p.efficiency.memory)
    if op.kind.is_matmul:
        kind = op.kind.value
        if kind not in p.efficiency.compute:
            raise InputError(
                "efficiency.compute",
                f"no efficiency for op kind {kind!r}; have: {', '.join(sorted(p.efficiency.compute))}",
            )
        dt = dtype_of(op, p)
        t_cmp = 2 * op.macs / (p.peak_tops.of(dt) * 1e12 * p.efficiency.compute[kind])
    else:
        kind = op.kind.value
        if kind not in p.flops_per_element:
            raise InputError(
                "flops_per_element", f"no entry for op kind {kind!r}; have: {', '.join(sorted(p.flops_per_element))}"
            )
        dt = "vector"
        t_cmp = op.elements * p.flops_per_element[kind] / (p.peak_tops.vector * 1e12 * p.efficiency.vector)
    return max(t_cmp, t_mem) + p.kernel_overhead_us * 1e-6, t_cmp, t_mem, dt


def simulate_trace(trace: Trace, preset: str | HardwareConfig) -> Result:
    """Roofline time and board energy of every op of ``trace`` on a GPU preset."""
    hw = load_preset(preset) if isinstance(preset, str) else preset
    if hw.design != "gpu":
        raise InputError("preset", f"{hw.name!r} is a {hw.design!r} preset, not a GPU (design: gpu)")
    p = gpu_params(hw)
    hz = p.clock_mhz * 1e6
    stats: list[OpStats] = []
    t = 0
    peak_macs = p.peak_tops.fp16 * 1e12 / 2 / hz
    for op in trace.ops:
        secs, t_cmp, t_mem, dt = op_time_s(op, p)
        cycles = max(1, math.ceil(secs * hz - 1e-6))
        compute = min(cycles, math.ceil(t_cmp * hz - 1e-6))
        bytes_ = {"dram_read": op.a_bytes() + op.b_bytes(), "dram_write": op.out_bytes()}
        st = OpStats(
            op.name,
            op.kind.value,
            op.layer,
            op.phase.value,
            "gpu",
            cycles,
            compute,
            cycles - compute,
            macs=op.macs,
            utilisation=op.macs / (cycles * peak_macs) if op.macs else 0.0,
            start_cycle=t,
            bytes=bytes_,
            energy_pj={"board": p.board_power_w * cycles / hz * 1e12},
        )
        t += cycles
        stats.append(st)
    result = Result(
        design="gpu",
        preset=hw.name,
        model=trace.model,
        clock_mhz=p.clock_mhz,
        total_cycles=t,
        ops=stats,
        peak_macs_per_cycle=peak_macs,
        energy_pj={"board": p.board_power_w * t / hz * 1e12},
        meta={"power_w": p.board_power_w, "memory_gbps": p.hbm.bandwidth_gbps, "peak_tops": p.peak_tops.as_dict()},
        assumptions=[
            "roofline per op: max(compute at peak x efficiency, bytes at bandwidth x efficiency) + launch overhead",
            "every operand crosses HBM once per op (no L2 reuse across ops, no kernel fusion)",
            "energy = board power (TDP) x time",
            "utilisation is against the FP16 tensor peak",
        ],
    )
    return fill_typed(
        result, off_chip=("dram",), roofs=[offchip_roof(hw, p.hbm.bandwidth_gbps, "memory_gbps")], area_mm2=None
    )
