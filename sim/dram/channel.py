"""Whole-device driver: split byte-address streams by channel and run each controller."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmaccel.sim.dram.address import AddressMap
from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.fast import run_fast
from llmaccel.sim.dram.reference import ReferenceController
from llmaccel.sim.dram.requests import ChannelRequests, ChannelSchedule
from llmaccel.sim.dram.timing import ACT, PRE, RD, REF, WR
from llmaccel.workloads.errors import InputError

IMPLS = ("fast", "reference")


def run_channel(cfg: DramConfig, req: ChannelRequests, impl: str = "fast") -> ChannelSchedule:
    """Schedule one channel with the chosen implementation (``"fast"`` or ``"reference"``)."""
    if impl == "fast":
        return run_fast(cfg, req)
    if impl == "reference":
        return ReferenceController(cfg).run(req)
    raise InputError("dram impl", f"allowed: {', '.join(IMPLS)}; got {impl!r}")


@dataclass
class DeviceRun:
    """Result of a whole-device run.

    Attributes:
        cycles: cycle the last transfer completes (max over channels), tCK.
        bytes: data bytes moved.
        command_counts: command name -> count over all channels.
        per_channel: the channel schedules (index = channel).
    """

    cycles: int
    bytes: int
    command_counts: dict[str, int]
    per_channel: list[ChannelSchedule]

    def bandwidth_gbps(self, cfg: DramConfig) -> float:
        """Sustained bandwidth in GB/s: bytes / (cycles x tCK)."""
        return self.bytes / (self.cycles * cfg.timing.tck_ns) if self.cycles else 0.0


def run_device(
    cfg: DramConfig, addr: np.ndarray, is_write: np.ndarray | int = 0, arrival: np.ndarray | int = 0, impl: str = "fast"
) -> DeviceRun:
    """Run byte-address requests (one column access each) through every channel.

    Args:
        addr: byte addresses (int64), in program order.
        is_write: per request 1/0 (or a scalar).
        arrival: per request arrival cycle (or a scalar), non-decreasing per channel.
    """
    amap = AddressMap.of(cfg.org)
    f = amap.decode(addr)
    n = len(f["ch"])
    wr = np.broadcast_to(np.asarray(is_write, np.int64), (n,))
    arr = np.broadcast_to(np.asarray(arrival, np.int64), (n,))
    scheds = []
    counts = {name: 0 for name in ("ACT", "PRE", "RD", "WR", "REF")}
    end = 0
    for ch in range(cfg.org.channels):
        sel = f["ch"] == ch
        req = ChannelRequests.build(arr[sel], wr[sel], f["ra"][sel], f["bg"][sel], f["ba"][sel], f["ro"][sel])
        s = run_channel(cfg, req, impl)
        scheds.append(s)
        end = max(end, s.end_cycle)
        for code, name in ((ACT, "ACT"), (PRE, "PRE"), (RD, "RD"), (WR, "WR"), (REF, "REF")):
            counts[name] += int(np.count_nonzero(s.commands[:, 1] == code))
    return DeviceRun(end, n * cfg.org.access_bytes, counts, scheds)
