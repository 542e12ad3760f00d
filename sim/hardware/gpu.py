"""The GPU section of the hardware layer: typed description of a ``design: gpu`` preset.

What a GPU is made of, as the roofline (:mod:`sim.gpu.roofline`), the achieved-performance
model (:mod:`sim.gpu.achieved`) and the quantized-kernel model (:mod:`sim.gpu.quantized`)
read it: boost clock (MHz), datasheet peaks per kind (TOPS = 1e12 op/s, FLOP/s for float),
its off-chip memory (HBM or GDDR: GB/s = 1e9 B/s, GiB), board power (TDP, W), SM count and
the measured fractions of ``params.achieved``.  Preset keys are unchanged (``memory_gbps``,
``memory_gib``, ``power_w``, ``peak_tops.<kind>``, ``achieved.sm_count``); every value is a
``{value, source}`` leaf of ``sim/presets/{a100-40gb,a100-80gb,v100s,rtx2080ti}.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmaccel.sim.params import build
from llmaccel.workloads.errors import InputError

if TYPE_CHECKING:
    from llmaccel.sim.preset import HardwareConfig

#: peak kinds a GPU preset may list, in the order the presets list them.
PEAK_KINDS = ("fp16", "int8", "int4", "vector")


@dataclass(frozen=True)
class PeakTops:
    """Datasheet peaks, TOPS (1e12 op/s; a MAC is 2 ops): ``fp16`` tensor (dense), ``vector``
    (CUDA cores), ``int8`` / ``int4`` tensor where the GPU has them (None: not listed)."""

    fp16: float
    vector: float
    int8: float | None = None
    int4: float | None = None

    def has(self, kind: str) -> bool:
        """The GPU lists a peak of ``kind``."""
        return kind in PEAK_KINDS and getattr(self, kind) is not None

    def of(self, kind: str) -> float:
        """The peak of ``kind`` (TOPS); InputError if the GPU has none."""
        if not self.has(kind):
            listed = ", ".join(k for k in PEAK_KINDS if self.has(k))
            raise InputError(f"peak_tops.{kind}", f"not listed for this GPU; have: {listed}")
        value: float = getattr(self, kind)
        return value

    def as_dict(self) -> dict[str, float]:
        """The listed peaks, ``{kind: TOPS}`` in :data:`PEAK_KINDS` order."""
        return {k: self.of(k) for k in PEAK_KINDS if self.has(k)}


@dataclass(frozen=True)
class GpuMemory:
    """The GPU's off-chip memory (HBM or GDDR): peak bandwidth (GB/s, 1e9 B/s) and capacity (GiB)."""

    bandwidth_gbps: float
    capacity_gib: float


@dataclass(frozen=True)
class Efficiency:
    """Achieved fraction of peak; ``compute`` per matmul op kind, ``memory`` of HBM bandwidth."""

    compute: dict[str, float]
    memory: float = field(metadata={"max": 1.0})
    vector: float = field(metadata={"max": 1.0})

    def __post_init__(self) -> None:
        for k, v in self.compute.items():
            if not isinstance(v, (int, float)) or not 0 < v <= 1:
                raise InputError(f"efficiency.compute.{k}", f"must be in (0, 1], got {v!r}")


@dataclass(frozen=True)
class MeasuredPoint:
    """A cited measurement of a whole workload on this GPU (used as "measured input")."""

    tokens_per_s: float
    board_w: float
    workload: str


@dataclass(frozen=True)
class Achieved:
    """What a real GPU sustains, from published measurements (preset block ``params.achieved``).

    Attributes:
        sm_count: streaming multiprocessors (waves of GEMM tiles are counted on them).
        memory_fraction: sustained fraction of ``memory_gbps`` for streaming kernels (GEMV, vector ops).
        tensor_fraction: fraction of a tensor peak one SM sustains on a full GEMM tile.
        tile_m, tile_n: output tile of one thread block (rows x cols).
        gemv_max_rows: matmuls with at most this many rows run as CUDA-core GEMVs.
        split_k_slice: smallest K range one split-K thread block takes.
        partial_bytes: bytes of one split-K partial sum (FP32/INT32 accumulator).
        kernel_gap_us: per-kernel time the GPU is idle between dependent kernels in one stream.
        launch_us: host time to issue one kernel; kernels shorter than this are launch-bound.
        step_sync_us: one host synchronisation (per decode step / per forward pass).
        sector_bytes: smallest global-memory transaction (a scattered write costs one).
        load_power_w: board power under the modelled load (watts).
        measured: optional cited whole-workload measurement.
    """

    sm_count: int
    memory_fraction: float = field(metadata={"max": 1.0})
    tensor_fraction: float = field(metadata={"max": 1.0})
    tile_m: int
    tile_n: int
    gemv_max_rows: int
    split_k_slice: int
    partial_bytes: int
    kernel_gap_us: float = field(metadata={"min": 0})
    launch_us: float = field(metadata={"min": 0})
    step_sync_us: float = field(metadata={"min": 0})
    sector_bytes: int
    load_power_w: float
    measured: MeasuredPoint | None = None


@dataclass(frozen=True)
class GpuParams:
    """Everything under ``params:`` of a ``design: gpu`` preset.

    Attributes:
        clock_mhz: boost clock, MHz (cycles are reported at it).
        memory_gbps, memory_gib: off-chip memory bandwidth (GB/s) and capacity (GiB); :attr:`hbm`.
        power_w: board power at TDP, W (the roofline charges it x time).
        peak_tops: datasheet peaks per kind.
        flops_per_element: FLOPs per output element of each vector op kind.
        efficiency: roofline fractions of peak.
        kernel_overhead_us: per-kernel launch + tail of the roofline, us.
        achieved: measured-performance block used by ``sim.gpu.achieved`` (the roofline ignores it).
    """

    clock_mhz: float
    memory_gbps: float
    memory_gib: float
    power_w: float
    peak_tops: PeakTops
    flops_per_element: dict[str, float]
    efficiency: Efficiency
    kernel_overhead_us: float = field(default=0.0, metadata={"min": 0})
    achieved: Achieved | None = None

    @property
    def hbm(self) -> GpuMemory:
        """The off-chip memory as one typed level (GB/s, GiB)."""
        return GpuMemory(self.memory_gbps, self.memory_gib)

    @property
    def board_power_w(self) -> float:
        """Board power at TDP (W)."""
        return self.power_w

    def sm_count(self, where: str = "params.achieved") -> int:
        """Streaming multiprocessors (``achieved.sm_count``); InputError if the preset has no ``achieved`` block."""
        return self.achieved_block(where).sm_count

    def achieved_block(self, where: str = "params.achieved") -> Achieved:
        """The ``achieved`` block; InputError naming ``where`` if the preset has none."""
        if self.achieved is None:
            raise InputError(where, "missing: the achieved-performance model needs this block")
        return self.achieved


def gpu_params(hw: HardwareConfig) -> GpuParams:
    """Validated parameters of a ``design: gpu`` preset (InputError naming the dotted key)."""
    return build(GpuParams, hw.params, f"{hw.name}.params")
