"""Mixed normal + PIM channel: hand schedules, reduction to the single-traffic controllers,
reference == fast on random streams, and the command-level stage composition."""

from dataclasses import replace

import numpy as np
import pytest

from llmaccel.sim.designs import run
from llmaccel.sim.dram import load_dram
from llmaccel.sim.dram.reference import ReferenceController
from llmaccel.sim.dram.requests import ChannelRequests
from llmaccel.sim.dram.timing import ACT, PRE, RD
from llmaccel.sim.neupims.mixed import PIM_BASE, run_mixed
from llmaccel.sim.neupims.pim import G_ACT, PIM_PRE, PimParams, PimTiming, schedule_reference
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import sample

DRAM = load_dram("hbm2-neupims")
PT = PimTiming.of(DRAM, PimParams(lanes_per_bank=16, comp_interval=2, elem_bytes=2))
T = DRAM.timing
#: refresh every 700 cycles (tRFC 60) so short random streams cross many refreshes
DRAM_R = replace(DRAM, timing=replace(DRAM.timing, tREFI=700, tRFC=60))
PT_R = PimTiming.of(DRAM_R, PimParams(16, 2, 2))
#: the neupims preset's NewtonSim readings: G_ACT -> G_ACT of a rank tFAW, GWRITE 96 cycles
PT_NS = PimTiming.of(DRAM, PimParams(16, 2, 2, gact_gap="tfaw", gwrite_cycles=96))
CFGS = {"spec": (DRAM, PT), "short-refresh": (DRAM_R, PT_R), "newtonsim": (DRAM, PT_NS)}
NONE = ChannelRequests.build([], [], [], [], [], [])
NO_TILES = np.zeros((0, 4), np.int64)


def _pim_times(s):
    return s.commands[s.commands[:, 1] >= PIM_BASE, 0].tolist()


def test_blocked_hand_schedule():
    """One normal read, then one PIM tile (4 GEMVs of 2 COMPs, no GWRITE), single row buffer:
    the read goes first, its open row is precharged for the G_ACT, the tile follows."""
    req = ChannelRequests.build([0], 0, 0, 0, 0, [5])
    tile = np.array([[0, 1, 4, 2048]])
    s = run_mixed(DRAM, PT, req, tile, dual=False, impl="reference")
    normal = s.commands[s.commands[:, 1] < PIM_BASE][:, :2].tolist()
    pre = T.tRAS  # ACT at 0 -> PRE after tRAS (34 > RD 14 + tRTP)
    assert normal == [[0, ACT], [T.tRCD, RD], [pre, PRE]]
    assert s.done.tolist() == [T.tRCD + T.CL + 2]
    alone = schedule_reference(tile, PT, False)
    # the whole tile shifts to start at PRE + tRP (48): every PIM command 48 cycles later
    assert _pim_times(s) == [t + pre + T.tRP for t in alone.times.tolist()]
    assert s.pim_end == alone.end_cycle + pre + T.tRP


def test_dual_hand_schedule():
    """Same inputs, dual row buffers: PIM first; the normal ACT waits for tFAW behind the four
    G_ACTs of rank 0 (at 0, 4, 8, 12) and runs during the tile."""
    req = ChannelRequests.build([0], 0, 0, 0, 0, [5])
    tile = np.array([[0, 1, 4, 2048]])
    s = run_mixed(DRAM, PT, req, tile, dual=True, impl="reference")
    alone = schedule_reference(tile, PT, True)
    assert _pim_times(s) == alone.times.tolist()
    gacts = s.commands[(s.commands[:, 1] == PIM_BASE + G_ACT) & (s.commands[:, 2] == 0), 0].tolist()
    assert gacts == [0, 4, 8, 12]
    normal = s.commands[s.commands[:, 1] < PIM_BASE][:, :2].tolist()
    assert normal == [[0 + T.tFAW, ACT], [T.tFAW + T.tRCD, RD]]
    assert s.end_cycle == max(alone.end_cycle, T.tFAW + T.tRCD + T.CL + 2)


@pytest.mark.parametrize("dual", [True, False])
@pytest.mark.parametrize("cfg", sorted(CFGS))
def test_pim_only_equals_pim_scheduler(dual, cfg):
    dram, pt = CFGS[cfg]
    rng = np.random.default_rng(3)
    for _ in range(4):
        tiles = np.column_stack(
            [rng.integers(0, 2, 25), rng.integers(1, 5, 25), rng.integers(1, 9, 25), np.full(25, 64)]
        )
        s = run_mixed(dram, pt, NONE, tiles, dual, impl="reference")
        ref = schedule_reference(tiles, pt, dual)
        assert _pim_times(s) == ref.times.tolist()
        assert s.pim_end == ref.end_cycle
        assert run_mixed(dram, pt, NONE, tiles, dual).commands.tolist() == s.commands.tolist()


def _random_requests(rng, n):
    return ChannelRequests.build(
        np.sort(rng.integers(0, 300, n)),
        (rng.random(n) < 0.25).astype(int),
        rng.integers(0, 2, n),
        rng.integers(0, 4, n),
        rng.integers(0, 4, n),
        rng.integers(0, 6, n),
    )


def test_normal_only_equals_dram_controller():
    rng = np.random.default_rng(4)
    for cfg in (DRAM, DRAM_R):
        req = _random_requests(rng, 200)
        ref = ReferenceController(cfg).run(req)
        pt = PimTiming.of(cfg, PimParams(16, 2, 2))
        for impl in ("reference", "fast"):
            s = run_mixed(cfg, pt, req, NO_TILES, True, impl=impl)
            assert s.commands.tolist() == ref.commands.tolist()
            assert s.done.tolist() == ref.done.tolist() and s.pim_end == 0


@pytest.mark.parametrize("dual", [True, False])
@pytest.mark.parametrize("cfg", sorted(CFGS))
def test_reference_equals_fast_on_random_streams(dual, cfg):
    dram, pt = CFGS[cfg]
    rng = np.random.default_rng(11 + dual + 2 * sorted(CFGS).index(cfg))
    for _ in range(25):
        req = _random_requests(rng, int(rng.integers(1, 150)))
        k = int(rng.integers(1, 12))
        tiles = np.column_stack([rng.integers(0, 2, k), rng.integers(1, 5, k), rng.integers(1, 9, k), np.full(k, 64)])
        ref = run_mixed(dram, pt, req, tiles, dual, impl="reference")
        fast = run_mixed(dram, pt, req, tiles, dual, impl="fast")
        assert fast.commands.tolist() == ref.commands.tolist()
        assert fast.done.tolist() == ref.done.tolist()
        assert (fast.normal_end, fast.pim_end) == (ref.normal_end, ref.pim_end)
        # every normal request served, every PIM command issued
        assert (ref.done >= 0).all()
        assert int((ref.commands[:, 1] == PIM_BASE + PIM_PRE).sum()) == k


def test_dual_overlaps_blocked_serialises():
    """A sequential weight read beside a PIM stream: blocked mode runs the two back to back
    (less the first tile's overlap with the last precharge); dual overlaps them, each side
    only delayed by the other (shared buses, tFAW budget, refresh postponed by open rows)."""
    from llmaccel.sim.neupims.pipeline import channel_reads
    from llmaccel.sim.neupims.placement import request_tiles

    req = channel_reads(DRAM, 64 << 10)  # 1,024 reads of 64 B
    tiles = request_tiles(100, 8, 128, DRAM, PimParams(16, 2, 2))
    normal = run_mixed(DRAM, PT, req, NO_TILES, True).normal_end
    blocked = run_mixed(DRAM, PT, req, tiles, False)
    dual = run_mixed(DRAM, PT, req, tiles, True)
    pim_blocked = schedule_reference(tiles, PT, False)
    pim_dual = schedule_reference(tiles, PT, True)
    assert blocked.end_cycle >= normal + pim_blocked.end_cycle - T.tRP - T.tRAS
    assert dual.end_cycle < blocked.end_cycle
    assert dual.pim_end >= pim_dual.end_cycle and dual.normal_end >= normal
    assert dual.end_cycle < normal + pim_dual.end_cycle


def test_command_composition_matches_stage_rule_and_rejects_unknown():
    tr = build_trace("gpt3-7b", "decode", sample("sharegpt", 24, 5, max_len=2048), tp=4, layers=1)
    force = {"features.sub_batch_min_batch": 0}
    for preset in ("neupims", "neupims-no-dual"):
        hw = load_preset(preset).with_overrides(force, "test")
        stage = run(tr, hw)
        cmd = run(tr, hw.with_overrides({"composition": "command"}, "test"))
        # A and F have no PIM work: identical; B..E within 5 % (the stage rule is a bound-based
        # composition; the command level resolves every bus conflict)
        for k in "AF":
            assert cmd.meta["stages"][k] == stage.meta["stages"][k]
        for k in "BCDE":
            assert cmd.meta["stages"][k] == pytest.approx(stage.meta["stages"][k], rel=0.05)
    with pytest.raises(InputError, match="composition"):
        run(tr, load_preset("neupims").with_overrides({"composition": "cycle"}, "test"))
