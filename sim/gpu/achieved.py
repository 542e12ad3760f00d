"""GPU achieved-performance model: what a real GPU sustains, from published measurements.

Per kernel (units: seconds, bytes, MACs)::

    memory  = bytes / (memory_gbps * 1e9 * memory_fraction)
    GEMM    = waves * 2 * tile_m * tile_n * ceil(k / s) / (peak / sm_count * tensor_fraction)
              waves = ceil(s * count * ceil(m / tile_m) * ceil(n / tile_n) / sm_count)
              s (split-K): the fastest of 1 .. min(sm_count // tiles, k // split_k_slice) (1 if the tiles
              fill a wave), paying 2 * (s - 1) * m * n * count * partial_bytes of partial sums at the memory rate
    GEMV    = 2 * MACs / (vector peak * efficiency.vector)      (m <= gemv_max_rows: CUDA-core GEMV)
    vector  = elements * flops_per_element / (vector peak * efficiency.vector)
    work    = max(compute, memory)

A pass of ``n`` kernels (one decode step or one prefill) then takes::

    t = step_host_us + max(sum(work) + n * kernel_gap_us, n * host_us) + step_sync_us
        host_us = max(launch_us, the framework's host_us_per_kernel)

(the GPU runs kernels back to back with a gap each; the host can run ahead, so the
host's issue time binds only when kernels are shorter than its per-kernel time on average;
a serving framework's per-step host work -- scheduler, input preparation, sampling back to
the host, detokenisation -- runs while the GPU waits, so it adds).
Energy = ``load_power_w`` x time.  Numbers and sources: the preset's ``params.achieved``
block and ``sim/gpu/frameworks.yaml`` (kernels per layer); docs/gpu.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from llmaccel.sim.gpu.roofline import dtype_of
from llmaccel.sim.hardware.gpu import Achieved, GpuParams, gpu_params
from llmaccel.sim.preset import HardwareConfig, load_preset, read_yaml
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace

FRAMEWORKS = Path(__file__).resolve().parent / "frameworks.yaml"


@dataclass(frozen=True)
class PassTime:
    """Time of one pass of kernels (seconds) and its parts."""

    seconds: float
    work_s: float
    gaps_s: float
    launch_s: float
    kernels: int
    host_step_s: float = 0.0

    @property
    def launch_bound(self) -> bool:
        return self.launch_s > self.work_s + self.gaps_s


def achieved_of(hw: HardwareConfig) -> tuple[GpuParams, Achieved]:
    """(roofline params, achieved block) of a GPU preset; InputError if it has no ``achieved`` block."""
    if hw.design != "gpu":
        raise InputError("preset", f"{hw.name!r} is a {hw.design!r} preset, not a GPU (design: gpu)")
    p = gpu_params(hw)
    return p, p.achieved_block(f"{hw.name}.params.achieved")


def memory_s(nbytes: float, p: GpuParams, a: Achieved) -> float:
    """Seconds to stream ``nbytes`` at the measured sustained bandwidth."""
    return nbytes / (p.hbm.bandwidth_gbps * 1e9 * a.memory_fraction)


def max_split_k(m: int, n: int, k: int, count: int, a: Achieved) -> int:
    """Most K splits worth trying: enough to fill one wave, each keeping ``split_k_slice`` of K."""
    tiles = count * math.ceil(m / a.tile_m) * math.ceil(n / a.tile_n)
    if tiles >= a.sm_count:
        return 1
    return max(1, min(a.sm_count // tiles, k // a.split_k_slice))


def gemm_compute_s(m: int, n: int, k: int, count: int, peak_tops: float, a: Achieved, splits: int = 1) -> float:
    """Tensor-core time of ``count`` m x n x k GEMMs with tile and wave quantisation, K split ``splits`` ways."""
    tiles = count * math.ceil(m / a.tile_m) * math.ceil(n / a.tile_n) * splits
    waves = math.ceil(tiles / a.sm_count)
    per_sm = peak_tops * 1e12 / a.sm_count * a.tensor_fraction
    return waves * 2 * a.tile_m * a.tile_n * math.ceil(k / splits) / per_sm


def vector_compute_s(flops: float, p: GpuParams) -> float:
    """CUDA-core time of ``flops`` at the vector peak times ``efficiency.vector``."""
    return flops / (p.peak_tops.vector * 1e12 * p.efficiency.vector)


def op_work_s(op: Op, p: GpuParams, a: Achieved, peak: str | None = None, nbytes: float | None = None) -> float:
    """Busy time of one op's kernel (no launch cost).

    ``peak`` overrides the tensor peak key (default: the operands' narrowest listed peak);
    ``nbytes`` overrides the bytes moved (default: a + b + out at their stored widths)."""
    moved = op.a_bytes() + op.b_bytes() + op.out_bytes() if nbytes is None else nbytes
    t_mem = memory_s(moved, p, a)
    if not op.kind.is_matmul:
        kind = op.kind.value
        if kind not in p.flops_per_element:
            raise InputError("flops_per_element", f"no entry for op kind {kind!r}")
        return max(t_mem, vector_compute_s(op.elements * p.flops_per_element[kind], p))
    if op.m <= a.gemv_max_rows:
        return max(t_mem, vector_compute_s(2 * op.macs, p))
    key = peak or dtype_of(op, p)
    best = math.inf
    for splits in range(1, max_split_k(op.m, op.n, op.k, op.count, a) + 1):
        # split-K partial sums: the extra ones written and read once each in the accumulator type
        reduce_s = memory_s(2 * (splits - 1) * op.m * op.n * op.count * a.partial_bytes, p, a)
        t = max(t_mem, gemm_compute_s(op.m, op.n, op.k, op.count, p.peak_tops.of(key), a, splits)) + reduce_s
        best = min(best, t)
    return best


def pass_time(
    work_s: float,
    kernels: int,
    a: Achieved,
    syncs: int = 1,
    host_us_per_kernel: float = 0.0,
    step_host_us: float = 0.0,
) -> PassTime:
    """Combine kernel busy time with per-kernel gaps, host issue time and ``syncs`` host synchronisations.

    ``host_us_per_kernel`` (us): the framework's host time to issue one kernel; the preset's C++
    ``launch_us`` is the floor.  ``step_host_us`` (us): the framework's serial host work per pass."""
    if kernels < 1:
        raise InputError("kernels", f"a pass needs at least one kernel, got {kernels}")
    gaps = kernels * a.kernel_gap_us * 1e-6
    launch = kernels * max(a.launch_us, host_us_per_kernel) * 1e-6
    host_step = step_host_us * 1e-6
    secs = host_step + max(work_s + gaps, launch) + syncs * a.step_sync_us * 1e-6
    return PassTime(secs, work_s, gaps, launch, kernels, host_step)


@dataclass(frozen=True)
class Framework:
    """A serving framework's software costs (sim/gpu/frameworks.yaml)."""

    name: str
    kernels_per_layer: int
    kernels_per_pass: int
    host_us_per_kernel: float  # us of host time to issue one kernel from the framework's code
    step_host_us: float  # us of serial host work per forward pass (scheduler, sampling, detokenise)

    def kernels(self, layers: int) -> int:
        """Kernels one forward pass of ``layers`` decoder layers launches."""
        return layers * self.kernels_per_layer + self.kernels_per_pass


def framework(name: str) -> Framework:
    """The named framework's entry; InputError naming the allowed ones if unknown or incomplete."""
    table = read_yaml(FRAMEWORKS, "frameworks")["frameworks"]
    if name not in table:
        raise InputError("framework", f"unknown {name!r}; allowed: {', '.join(sorted(table))}")
    f = table[name]
    keys = ("kernels_per_layer", "kernels_per_pass", "host_us_per_kernel", "step_host_us")
    missing = [k for k in keys if k not in f]
    if missing:
        raise InputError(f"frameworks.{name}", f"missing {', '.join(missing)}")
    return Framework(
        name,
        int(f["kernels_per_layer"]["value"]),
        int(f["kernels_per_pass"]["value"]),
        float(f["host_us_per_kernel"]["value"]),
        float(f["step_host_us"]["value"]),
    )


def framework_kernels(name: str, layers: int) -> int:
    """Kernels one forward pass launches under framework ``name`` (sim/gpu/frameworks.yaml)."""
    return framework(name).kernels(layers)


def framework_pass(trace: Trace, preset: str | HardwareConfig, name: str, layers: int) -> PassTime:
    """One forward pass of ``trace`` (all its ops, ``layers`` decoder layers) under framework ``name``:
    its kernel count, its per-kernel host issue time and its per-pass host work."""
    hw = load_preset(preset) if isinstance(preset, str) else preset
    p, a = achieved_of(hw)
    f = framework(name)
    work = sum(op_work_s(op, p, a) for op in trace.ops)
    return pass_time(work, f.kernels(layers), a, 1, f.host_us_per_kernel, f.step_host_us)
