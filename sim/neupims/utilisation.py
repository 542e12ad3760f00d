"""PIM busy time per channel, counted the way the authors' simulator counts it.

The artifact (casys-kaist/NeuPIMs) logs, per stage, ``pim_cycles`` = the cycles a channel's
PIM command queue holds a command (``NeuPIMSCommandQueue::ClockTick`` in
``extern/NewtonSim/src/neupims_command_queue.cc``), **averaged over all channels**
(``JedecDRAMSystem::GetAvgPIMCycles`` in ``extern/NewtonSim/src/dram_system.cc``: the sum over
channels divided by ``config_.channels``, so idle channels count as 0), next to the stage's
total cycles (``Simulator::log_stage_stat``, ``_summary.tsv``).  The stage model of
:mod:`sim.neupims.pipeline` keeps only the slowest channel (it bounds the stage); this module
gives every channel's busy cycles so both readings can be reported.

A channel is busy from the start of its stream (cycle 0 of the stage: its requests' tiles
are queued when the stage begins) until its stream ends (:func:`sim.neupims.pim.schedule_fast`
``end_cycle``, refresh waits included, as the artifact's queue stays non-empty while it waits).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from llmaccel.mapping.neupims import KvPlacement, channel_streams
from llmaccel.sim.neupims.pim import PimTiming, schedule_fast


def pim_busy_per_channel(
    place: KvPlacement, masks: Sequence[np.ndarray], pt: PimTiming, dual_row_buffer: bool, channels: int
) -> np.ndarray:
    """PIM busy cycles of every channel for one block (cycles, int64 array of ``channels``).

    Args:
        place: the batch's KV placement (channel and tiles per request).
        masks: the request selections whose MHA runs once per block (one mask without
            sub-batch interleaving; the two sub-batches with it).
        pt: PIM command timing.
        dual_row_buffer: PIM -> precharge without the tRTP wait (:mod:`sim.neupims.pim`).
        channels: channels of the device (idle channels stay 0).
    """
    busy = np.zeros(channels, np.int64)
    for mask in masks:
        for c, stream in enumerate(channel_streams(place, channels, mask)):
            if len(stream):
                busy[c] += schedule_fast(stream, pt, dual_row_buffer, start=0).end_cycle
    return busy
