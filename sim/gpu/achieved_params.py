"""Typed parameters of the GPU achieved-performance model (preset block ``params.achieved``).

Units: microseconds for launch costs, watts for power, fractions in (0, 1] of the
datasheet peaks (``memory_gbps``, ``peak_tops``).  Every number is a ``{value, source}``
leaf in the preset; see docs/gpu.md for where each comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MeasuredPoint:
    """A cited measurement of a whole workload on this GPU (used as "measured input")."""

    tokens_per_s: float
    board_w: float
    workload: str


@dataclass(frozen=True)
class Achieved:
    """What a real GPU sustains, from published measurements.

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
