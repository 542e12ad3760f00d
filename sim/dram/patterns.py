"""Standard request patterns and the analytical bandwidth bounds they are compared with.

* :func:`streaming` — consecutive 64 B accesses over a contiguous region (best case).
* :func:`random_access` — uniformly random 64 B accesses (worst case: one ACT per access).
* :func:`analytical_bounds` — peak = channels x bus bytes x 2 (DDR) / tCK, derated by
  refresh (1 - tRFC/tREFI); random-access bound from the ACT rate per channel:
  min over (tRRD_S, tFAW/4 per rank, tRC / banks, row-command bus carrying ACT+PRE).
"""

from __future__ import annotations

import numpy as np

from llmaccel.sim.dram.address import AddressMap
from llmaccel.sim.dram.config import DramConfig


def streaming(cfg: DramConfig, n_bytes: int, base: int = 0) -> np.ndarray:
    """Byte addresses of a sequential read of ``n_bytes`` (64 B granularity)."""
    step = cfg.org.access_bytes
    return base + np.arange(0, n_bytes, step, dtype=np.int64)


def random_access(cfg: DramConfig, n: int, seed: int = 0) -> np.ndarray:
    """``n`` uniformly random 64 B-aligned byte addresses over the whole device."""
    amap = AddressMap.of(cfg.org)
    rng = np.random.default_rng(seed)
    blocks = amap.capacity_bytes // cfg.org.access_bytes
    return rng.integers(0, blocks, n, dtype=np.int64) * cfg.org.access_bytes


def analytical_bounds(cfg: DramConfig) -> dict[str, float]:
    """Analytical bandwidth bounds in GB/s (see module docstring).

    Returns keys: ``peak``, ``peak_refresh`` (peak x (1 - tRFC/tREFI) per rank, ranks
    refreshing at different times still stop their own traffic), ``random`` (one ACT
    and one PRE per 64 B access).
    """
    t, o = cfg.timing, cfg.org
    peak = cfg.peak_gbps
    refresh = 1.0 - t.tRFC / t.tREFI
    # cycles per ACT per channel: tRRD_S within a rank, tFAW/4 per rank, tRC per bank,
    # and the row-command bus needs an ACT and a PRE per access (2 cycles).
    per_rank = max(t.tRRD_S, t.tFAW / 4)
    act_interval = max(per_rank / o.ranks, t.tRC / o.banks_per_channel, 2.0, cfg.burst_cycles)
    random = o.channels * o.access_bytes / act_interval / t.tck_ns
    return {"peak": peak, "peak_refresh": peak * refresh, "random": min(random, peak) * refresh}
