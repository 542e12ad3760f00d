"""What the mixed NPU/PIM channel controller returns, and the cross-traffic gaps both of its
implementations use (:mod:`sim.neupims.mixed` documents the controller and the gap table).

Kept apart from :mod:`sim.neupims.mixed` so that the fast and reference implementations,
which :func:`sim.neupims.mixed.run_mixed` dispatches to, import no module that imports them.
"""

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
        commands: int64 (n, 6): cycle, code, rank, bank group, bank, row (codes: :mod:`sim.neupims.mixed`).
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
