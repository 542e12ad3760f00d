"""Types shared by the two implementations of the mixed normal + PIM channel controller
(:mod:`sim.neupims.mixed_fast`, :mod:`sim.neupims.mixed_reference`) and their dispatcher
:mod:`sim.neupims.mixed` (which documents the controller and the trace format)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.neupims.pim import PimTiming

#: PIM command codes in a mixed trace are offset by this
PIM_BASE = 10


@dataclass
class MixedSchedule:
    """What the mixed controller did on one channel.

    Attributes:
        commands: int64 (n, 6): cycle, code, rank, bank group, bank, row (see module doc).
        done: per normal request, cycle its data transfer completes.
        normal_end: last normal data transfer (0 without normal requests), cycles.
        pim_end: last PIM_PRE + tRP or last GWRITE buffer-ready (0 without PIM), cycles.
    """

    commands: np.ndarray
    done: np.ndarray
    normal_end: int
    pim_end: int

    @property
    def end_cycle(self) -> int:
        """Cycle both kinds of traffic are finished."""
        return max(self.normal_end, self.pim_end)


def cross_gaps(dram: DramConfig, pt: PimTiming) -> dict[str, int]:
    """The cross-traffic gaps of the module table (cycles)."""
    t, b = dram.timing, dram.burst_cycles
    return {
        "rd2gw": t.CL + b - t.CWL + t.tRTRS,
        "wr2gw": b + t.tRTRS,
        "gw2rd": t.CWL + pt.gwrite_cycles + t.tRTRS - t.CL,
        "gw2wr": pt.gwrite_cycles + t.tRTRS,
        "rd2rr": b + t.tRTRS,
        "wr2rr": t.CWL + b + t.tRTRS - t.CL,
        "rr2wr": t.CL + b - t.CWL + t.tRTRS,
    }
