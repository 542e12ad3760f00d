"""PIM command scheduling: hand-computed tile, reference == fast on random streams."""

from dataclasses import replace

import numpy as np
import pytest

from llmaccel.sim.dram import load_dram
from llmaccel.sim.neupims.pim import (
    COMP,
    G_ACT,
    PIM_PRE,
    READRES,
    PimParams,
    PimTiming,
    expand_commands,
    schedule_fast,
    schedule_reference,
)
from llmaccel.sim.neupims.placement import request_tiles
from llmaccel.workloads.errors import InputError

DRAM = load_dram("hbm2-neupims")
PIM = PimParams(lanes_per_bank=16, comp_interval=2, elem_bytes=2)
PT = PimTiming.of(DRAM, PIM)
#: the authors' NewtonSim readings (neupims preset): G_ACT -> G_ACT of a rank tFAW, GWRITE 96 cycles
PT_NS = PimTiming.of(DRAM, replace(PIM, gact_gap="tfaw", gwrite_cycles=96))


def test_one_tile_by_hand():
    # kv 32 tokens x 4 heads of 128 = one K.q tile: GWRITE, 8 G_ACT, 4 x (header, 8 COMP, READRES), PRE
    tiles = request_tiles(32, 4, 128, DRAM, PIM)[:1]  # the K.q tile (logits.V tiles follow)
    assert tiles.tolist() == [[1, 4, 8, 32 * 512]]
    ref_dual = schedule_reference(tiles, PT, True)
    cmds = expand_commands(tiles, PT)
    t = dict(zip(range(len(cmds)), ref_dual.times.tolist()))
    # GWRITE at 0: buffer ready at CWL 4 + 1024 B / 32 B per cycle = 36
    assert t[0] == 0
    gacts = [t[i] for i in range(len(cmds)) if cmds[i][0] == G_ACT]
    # ranks interleaved on one command bus, tRRD_S = 4 within a rank
    assert gacts == [1, 2, 5, 6, 9, 10, 13, 14]
    comps = [t[i] for i in range(len(cmds)) if cmds[i][0] == COMP]
    # first COMP waits for the buffer (36 > 14 + tRCD = 28); one every 2 cycles;
    # next GEMV: header after READRES, COMP >= READRES + 2
    assert comps[:8] == list(range(36, 52, 2))
    rr = [t[i] for i in range(len(cmds)) if cmds[i][0] == READRES]
    assert rr == [52, 70, 88, 106]
    pre = t[len(cmds) - 1]
    assert cmds[-1][0] == PIM_PRE and pre == 107
    assert ref_dual.end_cycle == 107 + 14
    single = schedule_reference(tiles, PT, False)
    assert single.end_cycle == 106 + 4 + 14  # PRE waits tRTP after READRES
    for dual, want in ((True, 121), (False, 124)):
        assert schedule_fast(tiles, PT, dual).end_cycle == want


def test_one_tile_by_hand_newtonsim_rules():
    # same tile; G_ACT spacing tFAW 30 within a rank, GWRITE 96 cycles (NewtonSim timing.cc / configuration.cc)
    assert (PT_NS.gact_gap_s, PT_NS.gact_gap_l, PT_NS.gwrite_cycles) == (30, 30, 96)
    tiles = request_tiles(32, 4, 128, DRAM, PIM)[:1]
    cmds = expand_commands(tiles, PT_NS)
    ref = schedule_reference(tiles, PT_NS, True)
    t = ref.times.tolist()
    # ranks alternate on the row bus: rank 0 at 1, 31, 61, 91; rank 1 one cycle behind each
    assert [t[i] for i in range(len(cmds)) if cmds[i][0] == G_ACT] == [1, 2, 31, 32, 61, 62, 91, 92]
    comps = [t[i] for i in range(len(cmds)) if cmds[i][0] == COMP]
    # last G_ACT 92 + tRCD 14 = 106 binds (buffer ready at CWL 4 + 96 = 100)
    assert comps[:8] == list(range(106, 122, 2))
    assert [t[i] for i in range(len(cmds)) if cmds[i][0] == READRES] == [122, 140, 158, 176]
    assert t[-1] == 177 and ref.end_cycle == 177 + 14
    assert ref.bus_cycles == 96 + 4 * 2  # GWRITE row transfer + 4 READRES bursts
    assert schedule_reference(tiles, PT_NS, False).end_cycle == 176 + 4 + 14
    for dual, want in ((True, 191), (False, 194)):
        assert schedule_fast(tiles, PT_NS, dual).end_cycle == want


def test_request_tile_counts():
    tiles = request_tiles(600, 8, 128, DRAM, PIM)
    gw, n_gemv, comps, macs = tiles.T
    # K.q: 2 chunks of 512 dims x ceil(600/32) = 19 tiles; V: 8 heads x 2 token chunks x 4 dim tiles
    assert len(tiles) == 2 * 19 + 8 * 2 * 4
    assert gw.sum() == 2 + 8 * 2
    assert (n_gemv * comps)[:38].sum() == 38 * 4 * 8
    assert sorted(set(comps[38:].tolist())) == [6, 32]  # 512 / 16 and ceil(88 / 16)
    assert macs.sum() == 2 * 600 * 8 * 128


@pytest.mark.parametrize("dual", [True, False])
def test_fast_equals_reference_random(dual):
    rng = np.random.default_rng(7 if dual else 8)
    pts = [
        PT,
        replace(PT, tREFI=700, tRFC=90),
        replace(PT, tREFI=600, tRFC=40, tFAW=12),
        PT_NS,
        replace(PT_NS, tREFI=900, tRFC=90, gact_gap_s=17, gact_gap_l=23),
    ]
    conflicts = 0
    for i in range(150):
        pt = pts[i % len(pts)]
        kv = int(rng.integers(1, 200))
        heads = int(rng.integers(1, 5))
        hd = int(rng.choice([32, 64, 128]))
        tiles = request_tiles(kv, heads, hd, DRAM, PIM)
        start = int(rng.integers(0, 5000))
        a = schedule_reference(tiles, pt, dual, start)
        b = schedule_fast(tiles, pt, dual, start)
        assert a.end_cycle == b.end_cycle, (i, kv, heads, hd, start)
        assert a.counts == b.counts and a.macs == b.macs and a.bus_cycles == b.bus_cycles
        ideal = a.counts["COMP"] * pt.comp_interval
        conflicts += int(a.end_cycle - start > 1.2 * ideal + 200)
    assert conflicts > 0


def test_tile_longer_than_refresh_gap_is_rejected():
    pt = replace(PT, tREFI=200, tRFC=60)  # 40 free cycles between windows
    tiles = request_tiles(32, 4, 128, DRAM, PIM)[:1]
    for f in (schedule_reference, schedule_fast):
        with pytest.raises(InputError, match="between refreshes"):
            f(tiles, pt, True)


def test_no_tile_overlaps_refresh():
    pt = replace(PT, tREFI=400, tRFC=60)
    tiles = request_tiles(300, 4, 128, DRAM, PIM)
    s = schedule_reference(tiles, pt, True)
    cmds = expand_commands(tiles, pt)
    for ti in range(len(tiles)):
        sel = cmds[:, 3] == ti
        first = int(s.times[sel & (cmds[:, 0] == G_ACT)].min())
        end = int(s.times[sel & (cmds[:, 0] == PIM_PRE)][0]) + pt.tRP
        for r in range(pt.ranks):
            w = pt.tREFI * (r + 1) // pt.ranks
            while w < end:
                assert end <= w or first >= w + pt.tRFC
                w += pt.tREFI


def test_preset_costs_pim_as_newtonsim():
    """The neupims preset's PIM timing, derived by hand from the spec's DRAM timing and the
    artifact's formulas (NewtonSim timing.cc: G_ACT -> G_ACT tFAW; configuration.cc:
    gwrite_delay = (tCCD_S + tCCD_L) x 32)."""
    from llmaccel.sim.neupims.params import neupims_params
    from llmaccel.sim.preset import load_preset

    p, dram = neupims_params(load_preset("neupims"))
    pt = PimTiming.of(dram, p.pim)
    t = dram.timing
    assert (pt.gact_gap_s, pt.gact_gap_l) == (t.tFAW, t.tFAW) == (30, 30)
    assert pt.gwrite_cycles == (t.tCCD_S + t.tCCD_L) * 32 == 96
    # the spec reading keeps the ACT -> ACT gaps and the bus-rate GWRITE
    assert (PT.gact_gap_s, PT.gact_gap_l, PT.gwrite_cycles) == (t.tRRD_S, t.tRRD_L, 1024 // 32)


def test_request_cost_near_artifact_estimate():
    """kv 256, 8 heads of 128: the artifact's own estimate (Scheduler.cc / channel_load_balancing.py:
    100 cycles per GWRITE, 184 per GEMV tile) is 2 x 100 + 16 x 184 (K.q: 2 chunks of 512 dims x
    8 token tiles) + 8 x 100 + 32 x 184 (logits.V: 8 heads x 1 chunk, 4 dim tiles) = 9,832."""
    artifact = 2 * 100 + 16 * 184 + 8 * 100 + 32 * 184
    tiles = request_tiles(256, 8, 128, DRAM, PIM)
    ns = schedule_reference(tiles, PT_NS, True).end_cycle
    spec = schedule_reference(tiles, PT, True).end_cycle
    assert abs(ns / artifact - 1) < 0.10  # 9,124: within 10 %
    assert spec / artifact < 0.55  # the spec reading is about half the artifact's cost
