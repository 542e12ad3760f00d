"""One HBM-PIM channel serving normal reads/writes and a PIM command stream in one controller loop.

This is the command-level composition of NeuPIMs' memory side: the NPU's weight stream
(normal RD/WR requests, FR-FCFS open page exactly as :mod:`sim.dram.reference`) and the
channel's PIM stream (tiles of :mod:`sim.neupims.pim`, in order) compete for the same
row-command bus, column-command bus, data bus and activation budget.  Two row-buffer
organisations (spec/neupims.md):

* **dual** (NeuPIMs): normal and PIM bank state are separate.  PIM commands have priority
  (the artifact's ``NeuPIMSCommandQueue::GetCommandToIssue`` checks the PIM queue first);
  a normal command issues on any bus cycle PIM does not use, subject to the cross rules
  below.  PIM -> precharge is free (no tRTP); an ACT and a G_ACT in one bank group are
  spaced by tRRD_L (not tRC).
* **blocked** (single row buffer, naive NPU+PIM): PIM runs only when the normal
  transaction queue is empty or a PIM tile is in progress (the artifact's
  ``NewtonCommandQueue``: PIM only if the normal queues are empty or in PIM mode; no DRAM
  command during PIM mode).  *PIM mode* lasts from a PIM command to the next PIM_PRE.
  A G_ACT needs the normal rows of its bank group closed: the controller precharges them
  first (``PRE`` commands in the trace), and the G_ACT waits tRP after them.

Each cycle ``t`` (both implementations do exactly this):

1. Admit arrived normal requests (FIFO transaction queue of ``queue_depth``).
2. A rank whose refresh is due becomes refresh-pending (dues as in sim/dram).
3. Row-command bus, first legal of:
   a. refresh of a pending rank, lowest first: PRE its lowest open normal bank, else REF
      once every normal bank is closed, no PIM tile is open and the last PIM_PRE is
      tRP old;
   b. the head PIM command if it is a row command (G_ACT, PIM_PRE) and PIM may issue;
      blocked mode, G_ACT with an open normal bank in its group: PRE that bank instead;
   c. a normal ACT/PRE (FR-FCFS as sim/dram; not in blocked PIM mode).
4. Column-command bus, first legal of: the head PIM command if it is a column command
   (GWRITE, PIM_HEADER, COMP, READRES) and PIM may issue; the oldest normal row hit
   (not in blocked PIM mode).

PIM commands issue in stream order, at most one per cycle, with the rules of
:mod:`sim.neupims.pim`; a tile starts (first G_ACT) only at or after its refresh-aware
floor (computed from the PIM-only state exactly as :func:`sim.neupims.pim.schedule_reference`)
and only while no rank is refresh-pending; later G_ACTs of an open tile proceed (the REF
waits for the tile's PIM_PRE + tRP).  Cross rules between the two kinds of traffic (tCK):

=======================  ========================================================
G_ACT <-> ACT            same rank: tRRD_L same bank group, tRRD_S otherwise;
                         tFAW counts ACTs and G_ACTs of the rank together
REF -> G_ACT             tRFC (same rank)
blocked: PRE -> G_ACT    tRP (banks of the G_ACT's group); PIM_PRE -> ACT tRP
RD -> GWRITE             CL + burst - CWL + tRTRS (bus turnaround, as RD -> WR)
WR -> GWRITE             burst + tRTRS
GWRITE -> RD             CWL + gwrite_cycles + tRTRS - CL
GWRITE -> WR             gwrite_cycles + tRTRS
RD -> READRES, READRES -> RD     burst + tRTRS (results leave the channel's adder tree)
WR -> READRES            CWL + burst + tRTRS - CL
READRES -> WR            CL + burst - CWL + tRTRS
=======================  ========================================================

Not modelled: normal accesses to the row a PIM GEMV has reserved (the artifact skips
them; weights and KV never share rows here).

Command codes in traces: normal ``ACT PRE RD WR REF`` = 0..4 (:mod:`sim.dram.timing`),
PIM = ``PIM_BASE + `` the codes of :mod:`sim.neupims.pim` (bank = -1, row = tile index).
"""

from __future__ import annotations

import numpy as np

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.requests import ChannelRequests
from llmaccel.sim.neupims.mixed_schedule import PIM_BASE, MixedSchedule, cross_gaps
from llmaccel.sim.neupims.pim import PimTiming
from llmaccel.workloads.errors import InputError

__all__ = ["IMPLS", "PIM_BASE", "MixedSchedule", "cross_gaps", "run_mixed"]

IMPLS = ("fast", "reference")


def run_mixed(
    dram: DramConfig, pt: PimTiming, req: ChannelRequests, tiles: np.ndarray, dual: bool, impl: str = "fast"
) -> MixedSchedule:
    """Schedule one channel's normal requests and PIM tiles together (``impl`` fast or reference)."""
    tiles = np.ascontiguousarray(np.asarray(tiles, np.int64).reshape(-1, 4))
    if impl == "fast":
        from llmaccel.sim.neupims.mixed_fast import run_mixed_fast

        return run_mixed_fast(dram, pt, req, tiles, dual)
    if impl == "reference":
        from llmaccel.sim.neupims.mixed_reference import MixedReference

        return MixedReference(dram, pt, dual).run(req, tiles)
    raise InputError("mixed impl", f"allowed: {', '.join(IMPLS)}; got {impl!r}")
