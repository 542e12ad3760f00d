"""Off-chip memory channels and on-chip SRAM buffers.

Units: bytes, cycles of the *consumer's* clock (``clock_mhz``), GB/s = 1e9 B/s,
ns.

:class:`OffChip` is the bandwidth/latency/burst channel model every design can
use.  Anything with the :class:`MemoryModel` surface (``transfer_cycles``,
``bytes_per_cycle``) can replace it — e.g. an adapter over the command-level
DRAM model in ``sim/dram`` that measures a streaming pattern once and reports
its sustained bandwidth and first-access latency.

:class:`SramBuffer` checks that a tile fits (half the capacity when double
buffered) and counts the bytes read and written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from llmaccel.sim.result import MemoryRoof
from llmaccel.workloads.errors import InputError

if TYPE_CHECKING:
    from llmaccel.sim.preset import HardwareConfig


class MemoryModel(Protocol):
    """What the op-level models need from an off-chip memory.

    Implementations must be hashable (op-level results are cached by value),
    e.g. frozen dataclasses.
    """

    def transfer_cycles(self, nbytes: float) -> int: ...

    def transfer_cycles_array(self, nbytes): ...

    @property
    def bytes_per_cycle(self) -> float: ...


@dataclass(frozen=True)
class OffChip:
    """Off-chip memory as ``channels`` identical channels.

    Attributes:
        channels: independent channels; a transfer is striped over all of them
            in bursts (round robin).
        bandwidth_gbps: peak bandwidth of all channels together, GB/s.
        latency_ns: first-byte latency of one transfer (request to first data).
        burst_bytes: access granularity per channel; a transfer is rounded up
            to whole bursts.
        clock_mhz: clock the returned cycle counts refer to.

    ``transfer_cycles(n) = ceil(latency_cycles + ceil(ceil(n / burst) / channels)
    * burst / per_channel_bytes_per_cycle)`` and 0 for ``n == 0``.
    """

    channels: int
    bandwidth_gbps: float
    latency_ns: float
    burst_bytes: int
    clock_mhz: float

    def __post_init__(self) -> None:
        for f in ("channels", "burst_bytes"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise InputError(f"memory.{f}", f"must be a positive integer, got {v!r}")
        for f in ("bandwidth_gbps", "clock_mhz"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise InputError(f"memory.{f}", f"must be a positive number, got {v!r}")
        if isinstance(self.latency_ns, bool) or not isinstance(self.latency_ns, (int, float)) or self.latency_ns < 0:
            raise InputError("memory.latency_ns", f"must be a number >= 0, got {self.latency_ns!r}")

    @classmethod
    def from_dram(cls, cfg, clock_mhz: float, measure_bytes: int | None = None) -> OffChip:
        """Channel model distilled from a command-level DRAM config (``sim.dram.DramConfig``).

        * bandwidth: refresh-derated peak (``sim.dram.patterns.analytical_bounds``), or, when
          ``measure_bytes`` is given, the sustained bandwidth the command-level controller
          achieves on a sequential read of that many bytes;
        * latency: a closed-page first access, ``(tRCD + CL + burst cycles) x tCK``;
        * channels and burst size: the device's.
        """
        from llmaccel.sim.dram.patterns import analytical_bounds, streaming

        t = cfg.timing
        if measure_bytes:
            from llmaccel.sim.dram.channel import run_device

            bw = run_device(cfg, streaming(cfg, int(measure_bytes))).bandwidth_gbps(cfg)
        else:
            bw = analytical_bounds(cfg)["peak_refresh"]
        latency = (t.tRCD + t.CL + cfg.burst_cycles) * t.tck_ns
        return cls(cfg.org.channels, float(bw), float(latency), cfg.org.access_bytes, float(clock_mhz))

    @property
    def bytes_per_cycle(self) -> float:
        """Peak bytes per consumer clock cycle over all channels."""
        return self.bandwidth_gbps * 1e3 / self.clock_mhz

    @property
    def latency_cycles(self) -> float:
        return self.latency_ns * self.clock_mhz / 1e3

    def transfer_cycles(self, nbytes: float) -> int:
        """Cycles from issuing a transfer of ``nbytes`` until its last byte arrives."""
        if nbytes <= 0:
            return 0
        bursts = math.ceil(nbytes / self.burst_bytes)
        per_channel = math.ceil(bursts / self.channels)
        per_channel_bpc = self.bytes_per_cycle / self.channels
        return math.ceil(self.latency_cycles + per_channel * self.burst_bytes / per_channel_bpc - 1e-9)

    def transfer_cycles_array(self, nbytes):
        """Vectorised :meth:`transfer_cycles` over a numpy array of byte counts."""
        import numpy as np

        nb = np.asarray(nbytes, dtype=np.float64)
        bursts = np.ceil(nb / self.burst_bytes)
        per_channel = np.ceil(bursts / self.channels)
        per_channel_bpc = self.bytes_per_cycle / self.channels
        cyc = np.ceil(self.latency_cycles + per_channel * self.burst_bytes / per_channel_bpc - 1e-9)
        return np.where(nb > 0, cyc, 0).astype(np.int64)


@dataclass
class SramBuffer:
    """One on-chip SRAM buffer.

    Attributes:
        name: e.g. ``"weight_sram"``.
        capacity_bytes: physical capacity.
        double_buffered: if true, one tile may use only half the capacity (the
            other half is being filled while this one is computed on).
        bytes_read / bytes_written: running access counters.
    """

    name: str
    capacity_bytes: int
    double_buffered: bool = True
    bytes_read: float = 0.0
    bytes_written: float = 0.0

    def __post_init__(self) -> None:
        if (
            isinstance(self.capacity_bytes, bool)
            or not isinstance(self.capacity_bytes, int)
            or self.capacity_bytes <= 0
        ):
            raise InputError(f"{self.name}.capacity_bytes", f"must be a positive integer, got {self.capacity_bytes!r}")

    @property
    def tile_capacity(self) -> int:
        """Bytes one tile may occupy (half the buffer when double buffered)."""
        return self.capacity_bytes // 2 if self.double_buffered else self.capacity_bytes

    def fits(self, tile_bytes: float) -> bool:
        return tile_bytes <= self.tile_capacity

    def check_fits(self, tile_bytes: float, what: str) -> None:
        """Raise InputError if a tile of ``tile_bytes`` cannot be held."""
        if not self.fits(tile_bytes):
            half = " (half of a double-buffered buffer)" if self.double_buffered else ""
            raise InputError(
                "tile",
                f"{what} needs {int(math.ceil(tile_bytes))} B but {self.name} holds {self.tile_capacity} B{half}",
            )

    def read(self, nbytes: float) -> None:
        self.bytes_read += nbytes

    def write(self, nbytes: float) -> None:
        self.bytes_written += nbytes


__all__ = ["MemoryModel", "OffChip", "SramBuffer"]


def offchip_roof(hw: HardwareConfig, gbps: float, key: str, level: str = "dram") -> MemoryRoof:
    """The off-chip bandwidth roof of a preset: ``gbps`` GB/s (1e9 bytes/s) read from preset key
    ``key`` (dotted), or from the named memory system when the preset's ``key`` section is a name
    (``dram: hbm2``, :mod:`sim.components`)."""
    section = key.split(".")[0]
    named = hw.params.get(section)
    if isinstance(named, str):
        src = f"memory system {named}: bandwidth_gbps (sim/tables/memory_systems.yaml)"
    else:
        src = f"preset {hw.name}: {key}"
    return MemoryRoof(level, True, float(gbps) * 1e9, src)
