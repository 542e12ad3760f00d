"""NeuPIMs PIM command sequencer RTL (cocotb, Icarus + Verilator) vs the Python schedulers.

* (the registered ``neupims.seq_*`` checks — every PIM command's issue cycle, ``want`` every
  cycle, echo and mode vs sim.neupims.pim / MixedReference — run on both simulators in
  test_rtl_checks.py);
* a corrupted expected cycle is reported (the checks can fail);
* the vector builder against hand-derived values: the hand tile, the same tile with the
  buses taken, the blocked hand schedule's outside inputs and ``want``;
* the stream sets really contain the corners they are meant to check;
* register widths and Yosys flip-flop counts against a hand count.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from llmaccel.rtl.flow import RtlCheckFailed, cell_counts
from llmaccel.rtl.neupims import checks
from llmaccel.rtl.neupims.seq_vectors import PORTS, configs, hand_streams, mixed_stream, seq_timing
from llmaccel.rtl.neupims.sequencer import register_bits
from llmaccel.sim.dram.requests import ChannelRequests
from llmaccel.sim.neupims.pim import COMP, G_ACT, GWRITE, PIM_PRE, READRES

SIMS = ("icarus", "verilator")
COL = {p: i for i, p in enumerate(PORTS)}


def _times_of(s, code):
    return s.times[s.cmds[:, 0] == code].tolist()


@pytest.mark.parametrize("sim", SIMS)
def test_corrupted_expected_cycle_is_detected(sim, tmp_path):
    hand = hand_streams(True)[0]
    times = hand.times.copy()
    k = int(np.flatnonzero(hand.cmds[:, 0] == COMP)[0])
    assert times[k] == 36
    times[k] += 1
    with pytest.raises(RtlCheckFailed, match=r"cycle 36: issue 1, expected 0"):
        checks.run_sequencer(sim, tmp_path, "dual", streams=[replace(hand, times=times)])


@pytest.mark.parametrize("kind", ["dual", "single"])
def test_hand_tile_vectors(kind):
    """tests/neupims/test_neupims_pim.py::test_one_tile_by_hand, as vectors."""
    hand, busy, gw = hand_streams(kind == "dual")
    assert _times_of(hand, GWRITE) == [0]
    assert _times_of(hand, G_ACT) == [1, 2, 5, 6, 9, 10, 13, 14]
    assert _times_of(hand, COMP)[:8] == list(range(36, 52, 2))
    assert _times_of(hand, READRES) == [52, 70, 88, 106]
    # PIM_PRE: dual right after the last READRES; single tRTP (4) after it
    assert _times_of(hand, PIM_PRE) == ([107] if kind == "dual" else [110])
    assert not hand.want.any()
    assert hand.drive[1, COL["start_ok"]] == 1 and hand.drive[1, COL["pim_may"]] == 1
    # pim_mode after every command but PIM_PRE; tile open from the first G_ACT to PIM_PRE
    assert hand.mode[:, 0].tolist() == [1] * (len(hand.times) - 1) + [0]
    assert hand.mode[:, 1].tolist() == [0] + [1] * (len(hand.times) - 2) + [0]
    # the same tile with the row bus taken in cycle 1 and the column bus in 36 (by hand, see busy_hand_stream)
    assert busy.drive[1, COL["row_busy"]] == 1 and busy.drive[36, COL["col_busy"]] == 1
    assert _times_of(busy, G_ACT) == [2, 3, 6, 7, 10, 11, 14, 15]
    assert _times_of(busy, COMP)[:2] == [37, 39]
    assert _times_of(busy, READRES) == [53, 71, 89, 107]
    assert _times_of(busy, PIM_PRE) == ([108] if kind == "dual" else [111])
    assert gw.times.tolist() == [0, 32, 33, 68, 70, 83]


def test_blocked_hand_schedule_inputs():
    """tests/neupims/test_neupims_mixed_channel.py::test_blocked_hand_schedule: one read (ACT 0,
    RD 14, PRE 34 for the G_ACT), then the tile at PRE + tRP = 48.  By hand: the queue is
    empty from cycle 15 (pim_may), bank group (0, 0) is open from the ACT to the PRE
    (group_closed low 1..34), and the G_ACT is legal but for the normal PRE -> G_ACT tRP in
    35..47: ``want`` exactly there."""
    dram, pt = configs()["spec"]
    req = ChannelRequests.build([0], 0, 0, 0, 0, [5])
    s = mixed_stream("blocked hand", req, np.array([[0, 1, 4, 2048]]), dram, pt, False, np.random.default_rng(0))
    d = s.drive
    assert s.times[0] == 48
    assert np.flatnonzero(d[:, COL["n_act"]]).tolist() == [0]
    assert np.flatnonzero(d[:, COL["n_rd"]]).tolist() == [14]
    assert np.flatnonzero(d[:, COL["n_pre"]]).tolist() == [34]
    assert d[:49, COL["pim_may"]].tolist() == [0] * 15 + [1] * 34
    assert d[:49, COL["group_closed"]].tolist() == [1] + [0] * 34 + [1] * 14
    assert np.flatnonzero(s.want).tolist() == list(range(35, 48))
    assert not d[:49, COL["row_busy"]].any()  # head G_ACT, no refresh on the row bus


@pytest.mark.parametrize(
    "kind,corners",
    [
        (
            "dual",
            (
                "gact_at_tfaw",
                "gact_at_act_trrd_l",
                "readres_after_rd",
                "gwrite_after_rd",
                "gwrite_after_wr",
                "start_held",
                "want_cycles",
                "refreshes",
            ),
        ),
        (
            "single",
            (
                "gact_after_pre_trp",
                "gwrite_after_rd",
                "gwrite_after_wr",
                "start_held",
                "want_cycles",
                "refreshes",
                "group_open_cycles",
            ),
        ),
        ("long_trc", ("gact_at_trc", "want_cycles")),
        ("long_tfaw", ("gact_at_tfaw", "want_cycles", "group_open_cycles")),
    ],
)
def test_stream_sets_cover_corners(kind, corners):
    streams = checks.seq_streams(kind)
    total = {c: sum(s.cover.get(c, 0) for s in streams) for c in corners}
    assert all(v > 0 for v in total.values()), total
    cmds = np.concatenate([s.cmds for s in streams])
    assert (cmds[:, 0] == COMP).sum() > 500
    if kind in ("dual", "single"):
        # PIM-only streams hold GEMVs of up to 32 COMPs (longest run of consecutive COMPs)
        is_comp = np.concatenate([[0], (cmds[:, 0] == COMP).astype(int), [0]])
        edges = np.flatnonzero(np.diff(is_comp))
        assert (edges[1::2] - edges[::2]).max() >= 30
        # blocked arbitration really gates PIM
        drive = np.concatenate([s.drive for s in streams])
        assert (drive[:, COL["pim_may"]] == 0).any() == (kind == "single")


def _hand_register_bits(single: bool) -> int:
    """Flip-flops by hand for the spec timing (bits = ceil(log2(saturation + 1)))."""
    ages = (
        4  # READRES age, saturates at rr2gw 13
        + 6  # GWRITE age, buffer ready 36
        + (3 if single else 2)  # COMP age: tRTP 4 (single) or comp_interval 2
        + 4  # PIM_PRE age, tRP 14
        + 6  # G_ACT age, tRAS 34
        + 4  # RD age, rd2gw 13
        + 2
    )  # WR age, wr2gw 3 (wr2rr is negative: no rule)
    per_rank = 3 + 9 + 3 + 2 * (4 * 5 + 2)  # G_ACT tRRD_S 4, REF tRFC 260, ACT tRRD_S 4, two tFAW rings (30)
    per_group = 6 + 3 + (4 if single else 0)  # G_ACT tRC 48, ACT tRRD_L 6, normal PRE tRP 14 (single)
    return ages + 2 * per_rank + 8 * per_group + 1 + 1 + 8  # pim_mode, tile_open, cmd_log


@pytest.mark.parametrize("kind", ["dual", "single"])
def test_register_widths(kind):
    timing = seq_timing(*configs()["spec"])
    assert sum(register_bits(kind == "dual", timing).values()) == _hand_register_bits(kind == "single")


def test_yosys_flip_flops():
    """Yosys keeps every register bit (single row buffer: the superset of dual's registers)."""
    dut, top = checks.seq_design("single")
    cells = cell_counts(dut, top)
    ffs = sum(v for k, v in cells.items() if "DFF" in k)
    assert ffs == _hand_register_bits(True) == sum(dut.register_bits().values())
    assert cells["total"] > 4 * ffs


def test_command_codes_match_the_model():
    from llmaccel.rtl.neupims import sequencer as sq
    from llmaccel.sim.neupims import pim

    assert (sq.GWRITE, sq.G_ACT, sq.PIM_HEADER, sq.COMP, sq.READRES, sq.PIM_PRE) == (
        pim.GWRITE,
        pim.G_ACT,
        pim.PIM_HEADER,
        pim.COMP,
        pim.READRES,
        pim.PIM_PRE,
    )
    assert max(pim.PIM_PRE, pim.GWRITE) < 1 << sq.CMD_BITS
