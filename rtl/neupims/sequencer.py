"""Amaranth RTL of one HBM-PIM channel's PIM command sequencer (dual or single row buffer).

The unit takes the head of the channel's PIM command FIFO (GWRITE, G_ACT, PIM_HEADER,
COMP, READRES, PIM_PRE; codes of :mod:`sim.neupims.pim`) and issues it at the earliest
cycle every timing rule allows, one command per cycle, in stream order.  The rules are
those of :mod:`sim.neupims.pim` (PIM-to-PIM) and the cross table of
:mod:`sim.neupims.mixed` (normal commands -> PIM commands); the unit only *checks*
legality, the surrounding controller decides what else happens in the cycle:

* ``start_ok``: the first G_ACT of a tile may issue (refresh floor reached, no rank
  refresh-pending); ``pim_may``: arbitration lets PIM issue this cycle;
  ``row_busy`` / ``col_busy``: a higher-priority command (refresh) holds that bus;
  ``group_closed``: single row buffer only, the head G_ACT's bank group has no open
  normal row.
* Normal-command events of the cycle (``n_act``, ``n_pre``, ``n_ref`` with ``n_rank`` /
  ``n_bg``: the row bus carries at most one of them; ``n_rd``, ``n_wr``) update the
  cross-rule registers and count from the next cycle on, exactly as a command issued in
  cycle ``t`` constrains cycles ``t+1..`` in the Python models.

Outputs (combinational, same cycle): ``issue`` = ``cmd_ready`` (the head is issued and
popped), ``issue_cmd``/``issue_rank``/``issue_bg`` (echo, zero when not issuing) and
``want``: the head is legal under every PIM rule but blocked by a normal-command cross rule
(the mixed controller then holds normal commands of that bus; the hold condition of
:class:`sim.neupims.mixed_reference.MixedReference`).  Registers: ``pim_mode`` (a PIM
command other than PIM_PRE was the last one), ``tile_open`` (G_ACT .. PIM_PRE) and
``cmd_log``, the previous cycle's ``{issue, want, cmd, rank, bg}`` (a one-cycle-late command
log, read by the testbench once per cycle; not named ``trace``, which clashes with the
``trace()`` method of Verilator's generated C++ model).

Timing state: one *age* counter per event source (cycles since the last event, 1 in the
cycle after it), saturating at the largest gap that source imposes, so it never wraps
however long the run; a rule "later >= earlier + gap" holds when ``age >= gap``.  Gaps
<= 1 need no counter (a command issued in cycle t already constrains only t+1..).  tFAW
uses two rings per rank of the ages of the last four activations: G_ACTs and normal ACTs
together (legality) and G_ACTs alone (the no-cross check behind ``want``); the window is
full when all four ages are < tFAW.  Widths: ``ceil(log2(saturation + 1))`` bits each
(listed by :func:`register_bits`).

Assumptions of the interface: at most one row command (PIM or normal) per cycle, which
the row bus guarantees; cross gaps of the normal side (ACT -> G_ACT tRRD, tFAW, PRE -> G_ACT
tRP) use the same DRAM timing as the PIM side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from amaranth import Array, Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

#: PIM command codes (equal to sim.neupims.pim's GWRITE, G_ACT, PIM_HEADER, COMP, READRES, PIM_PRE)
GWRITE, G_ACT, PIM_HEADER, COMP, READRES, PIM_PRE = range(6)
CMD_BITS = 3
#: activations remembered per rank for tFAW (DRAM rule: at most four per window)
FAW_DEPTH = 4


@dataclass(frozen=True)
class SeqTiming:
    """Gaps (tCK cycles) the sequencer enforces; build with :meth:`of`.

    Attributes:
        tRP: PIM_PRE -> G_ACT; single row buffer also normal PRE -> G_ACT (same group).
        tRRD_S: G_ACT or ACT -> G_ACT, same rank.
        tRRD_L: ACT -> G_ACT, same rank and bank group (cross rule).
        tRC: G_ACT -> G_ACT, same rank and bank group.
        tFAW: four-activation window per rank.
        tRFC: REF -> G_ACT, same rank.
        tRCD: last G_ACT -> COMP.
        tRAS: last G_ACT -> PIM_PRE.
        tRTP: single row buffer, last COMP / READRES -> PIM_PRE.
        comp_interval: COMP -> COMP, READRES -> COMP, COMP -> READRES.
        rr2gw: READRES -> GWRITE (bus turnaround, ``PimTiming.rd2wr``).
        gwrite_cycles: GWRITE -> GWRITE (data beats of one row).
        gw2comp: GWRITE -> COMP (buffer ready: CWL + gwrite_cycles).
        rd2gw, wr2gw, rd2rr, wr2rr: normal RD/WR -> GWRITE/READRES (cross table).
        ranks, bankgroups: channel organisation.
    """

    tRP: int
    tRRD_S: int
    tRRD_L: int
    tRC: int
    tFAW: int
    tRFC: int
    tRCD: int
    tRAS: int
    tRTP: int
    comp_interval: int
    rr2gw: int
    gwrite_cycles: int
    gw2comp: int
    rd2gw: int
    wr2gw: int
    rd2rr: int
    wr2rr: int
    ranks: int
    bankgroups: int

    @classmethod
    def of(cls, pt: Any, cross: Mapping[str, int]) -> SeqTiming:
        """From a :class:`sim.neupims.pim.PimTiming` and :func:`sim.neupims.mixed.cross_gaps`."""
        return cls(
            pt.tRP,
            pt.tRRD_S,
            pt.tRRD_L,
            pt.tRC,
            pt.tFAW,
            pt.tRFC,
            pt.tRCD,
            pt.tRAS,
            pt.tRTP,
            pt.comp_interval,
            pt.rd2wr,
            pt.gwrite_cycles,
            pt.CWL + pt.gwrite_cycles,
            cross["rd2gw"],
            cross["wr2gw"],
            cross["rd2rr"],
            cross["wr2rr"],
            pt.ranks,
            pt.bankgroups,
        )


def _field_bits(n: int) -> int:
    """Bits of an index field for ``n`` values (at least 1)."""
    return max(1, (n - 1).bit_length())


class _Ages:
    """Saturating age counters of one design, with their widths recorded for documentation."""

    def __init__(self, m: Module | None) -> None:
        self.m = m  # None: only size the counters (no logic)
        self.bits: dict[str, int] = {}

    def age(self, name: str, event: Any, gaps: list[int]) -> Signal | None:
        """Cycles since ``event`` (1 in the next cycle), saturating at ``max(gaps)``; None if no gap > 1."""
        sat = max(gaps)
        if sat <= 1:
            return None
        a = Signal(range(sat + 1), init=sat, name=name)
        self.bits[name] = len(a)
        if self.m is None:
            return a
        with self.m.If(event):
            self.m.d.sync += a.eq(1)
        with self.m.Elif(a < sat):
            self.m.d.sync += a.eq(a + 1)
        return a

    def ring(self, name: str, event: Any, sat: int) -> tuple[list[Signal], Signal] | None:
        """Ages of the last FAW_DEPTH events (round robin), each saturating at ``sat``."""
        if sat <= 1:
            return None
        m = self.m
        ptr = Signal(range(FAW_DEPTH), name=f"{name}_ptr")
        self.bits[ptr.name] = len(ptr)
        ages = []
        for i in range(FAW_DEPTH):
            a = Signal(range(sat + 1), init=sat, name=f"{name}_{i}")
            self.bits[a.name] = len(a)
            ages.append(a)
            if m is None:
                continue
            with m.If(event & (ptr == i)):
                m.d.sync += a.eq(1)
            with m.Elif(a < sat):
                m.d.sync += a.eq(a + 1)
        if m is not None:
            with m.If(event):
                m.d.sync += ptr.eq(ptr + 1)
        return ages, ptr


def _at_least(age: Signal | None, gap: int) -> Any:
    """``age >= gap`` (always true for gaps <= 1 or a source without counter)."""
    if age is None or gap <= 1:
        return Const(1)
    return age >= gap


def _window_free(ring: tuple[list[Signal], Signal] | None, tfaw: int) -> Any:
    """Fewer than FAW_DEPTH activations in the last ``tfaw`` cycles."""
    if ring is None:
        return Const(1)
    ages, _ptr = ring
    full = ages[0] < tfaw
    for a in ages[1:]:
        full = full & (a < tfaw)
    return ~full


def _counters(
    dual: bool,
    tm: SeqTiming,
    ages: _Ages,
    iss_gw: Any,
    iss_gact: Any,
    iss_comp: Any,
    iss_rr: Any,
    iss_pre: Any,
    iss_rank: Any,
    iss_bg: Any,
    n: Any = None,
) -> dict[str, Any]:
    """Every age counter; ``iss_*`` = this cycle's issued PIM command, ``n`` the normal events."""
    R, G = tm.ranks, tm.bankgroups
    single = not dual
    s: dict[str, Any] = {
        "rr": ages.age("age_rr", iss_rr, [tm.rr2gw, tm.comp_interval] + ([tm.tRTP] if single else [])),
        "gw": ages.age("age_gw", iss_gw, [tm.gwrite_cycles, tm.gw2comp]),
        "comp": ages.age("age_comp", iss_comp, [tm.comp_interval] + ([tm.tRTP] if single else [])),
        "pre": ages.age("age_pim_pre", iss_pre, [tm.tRP]),
        "gact": ages.age("age_gact", iss_gact, [tm.tRCD, tm.tRAS]),
    }
    n_act, n_pre, n_ref, n_rank, n_bg, n_rd, n_wr = n if n is not None else (Const(0),) * 7
    s["rd"] = ages.age("age_rd", n_rd, [tm.rd2gw, tm.rd2rr])
    s["wr"] = ages.age("age_wr", n_wr, [tm.wr2gw, tm.wr2rr])
    s["gact_r"], s["ref_r"], s["act_r"], s["faw_all"], s["faw_g"] = [], [], [], [], []
    s["gact_rg"], s["act_rg"], s["npre_rg"] = [], [], []
    for r in range(R):
        g_here = iss_gact & (iss_rank == r)
        a_here = n_act & (n_rank == r)
        s["gact_r"].append(ages.age(f"age_gact_r{r}", g_here, [tm.tRRD_S]))
        s["ref_r"].append(ages.age(f"age_ref_r{r}", n_ref & (n_rank == r), [tm.tRFC]))
        s["act_r"].append(ages.age(f"age_act_r{r}", a_here, [tm.tRRD_S]))
        s["faw_all"].append(ages.ring(f"faw_all_r{r}", g_here | a_here, tm.tFAW))
        s["faw_g"].append(ages.ring(f"faw_g_r{r}", g_here, tm.tFAW))
        for g in range(G):
            s["gact_rg"].append(ages.age(f"age_gact_r{r}g{g}", g_here & (iss_bg == g), [tm.tRC, tm.tRRD_L]))
            s["act_rg"].append(ages.age(f"age_act_r{r}g{g}", a_here & (n_bg == g), [tm.tRRD_L]))
            if single:
                s["npre_rg"].append(ages.age(f"age_npre_r{r}g{g}", n_pre & (n_rank == r) & (n_bg == g), [tm.tRP]))
    return s


class PimSequencer(wiring.Component):
    """Issues one channel's PIM command stream in order at the earliest legal cycle.

    Args:
        dual: dual row buffer (NeuPIMs: no tRTP before PIM_PRE, no normal PRE -> G_ACT rule,
            ``group_closed`` ignored) or single row buffer (blocked / naive NPU+PIM).
        timing: the gaps, see :class:`SeqTiming`.
    """

    def __init__(self, dual: bool, timing: SeqTiming) -> None:
        self.dual, self.timing = bool(dual), timing
        rb, gb = _field_bits(timing.ranks), _field_bits(timing.bankgroups)
        self.rank_bits, self.bg_bits = rb, gb
        self.log_bits = 2 + CMD_BITS + rb + gb
        super().__init__(
            {
                "cmd_valid": In(1),
                "cmd": In(CMD_BITS),
                "cmd_rank": In(rb),
                "cmd_bg": In(gb),
                "cmd_first": In(1),
                "start_ok": In(1),
                "pim_may": In(1),
                "row_busy": In(1),
                "col_busy": In(1),
                "group_closed": In(1),
                "n_act": In(1),
                "n_pre": In(1),
                "n_ref": In(1),
                "n_rank": In(rb),
                "n_bg": In(gb),
                "n_rd": In(1),
                "n_wr": In(1),
                "cmd_ready": Out(1),
                "issue": Out(1),
                "issue_cmd": Out(CMD_BITS),
                "issue_rank": Out(rb),
                "issue_bg": Out(gb),
                "want": Out(1),
                "pim_mode": Out(1),
                "tile_open": Out(1),
                "cmd_log": Out(self.log_bits),
            }
        )

    def register_bits(self) -> dict[str, int]:
        """Flip-flop bits per register (the same as :func:`register_bits`)."""
        return register_bits(self.dual, self.timing)

    def elaborate(self, platform):  # noqa: ARG002
        m = Module()
        tm, G = self.timing, self.timing.bankgroups
        single = not self.dual
        cmd, r, g = self.cmd, self.cmd_rank, self.cmd_bg
        is_ = {c: self.cmd_valid & (cmd == c) for c in range(6)}
        issue = Signal()
        want = Signal()
        ages = _Ages(m)
        s = _counters(
            self.dual,
            tm,
            ages,
            issue & (cmd == GWRITE),
            issue & (cmd == G_ACT),
            issue & (cmd == COMP),
            issue & (cmd == READRES),
            issue & (cmd == PIM_PRE),
            r,
            g,
            (self.n_act, self.n_pre, self.n_ref, self.n_rank, self.n_bg, self.n_rd, self.n_wr),
        )

        def sel(name: str, items: list[Any], index: Any, fn) -> Any:
            """``fn(items[index])`` for a dynamic index (a multiplexer over the decoded values)."""
            vals = [Signal(name=f"{name}_{i}") for i in range(len(items))]
            for v, it in zip(vals, items):
                m.d.comb += v.eq(fn(it))
            return Array(vals)[index]

        rg = r * G + g if G > 1 else r
        # PIM-only rules ("nc": what the head needs ignoring normal commands) and cross rules ("x")
        gw_nc = _at_least(s["rr"], tm.rr2gw) & _at_least(s["gw"], tm.gwrite_cycles)
        gw_x = _at_least(s["rd"], tm.rd2gw) & _at_least(s["wr"], tm.wr2gw)
        gact_nc = (
            (~self.cmd_first | self.start_ok)
            & _at_least(s["pre"], tm.tRP)
            & sel("ok_gact_rrd", s["gact_r"], r, lambda a: _at_least(a, tm.tRRD_S))
            & sel("ok_gact_rc", s["gact_rg"], rg, lambda a: _at_least(a, max(tm.tRC, tm.tRRD_L)))
            & sel("ok_faw_g", s["faw_g"], r, lambda ring: _window_free(ring, tm.tFAW))
            & sel("ok_rfc", s["ref_r"], r, lambda a: _at_least(a, tm.tRFC))
        )
        gact_x = (
            sel("ok_act_rrd_s", s["act_r"], r, lambda a: _at_least(a, tm.tRRD_S))
            & sel("ok_act_rrd_l", s["act_rg"], rg, lambda a: _at_least(a, tm.tRRD_L))
            & sel("ok_faw_all", s["faw_all"], r, lambda ring: _window_free(ring, tm.tFAW))
        )
        if single:
            gact_x = gact_x & sel("ok_pre_rp", s["npre_rg"], rg, lambda a: _at_least(a, tm.tRP))
        comp_nc = (
            _at_least(s["gact"], tm.tRCD)
            & _at_least(s["comp"], tm.comp_interval)
            & _at_least(s["gw"], tm.gw2comp)
            & _at_least(s["rr"], tm.comp_interval)
        )
        rr_nc = _at_least(s["comp"], tm.comp_interval)
        rr_x = _at_least(s["rd"], tm.rd2rr) & _at_least(s["wr"], tm.wr2rr)
        pre_nc = _at_least(s["gact"], tm.tRAS)
        if single:
            pre_nc = pre_nc & _at_least(s["comp"], tm.tRTP) & _at_least(s["rr"], tm.tRTP)

        nc = Signal()
        x = Signal()
        m.d.comb += [
            nc.eq(
                (is_[GWRITE] & gw_nc)
                | (is_[G_ACT] & gact_nc)
                | is_[PIM_HEADER]
                | (is_[COMP] & comp_nc)
                | (is_[READRES] & rr_nc)
                | (is_[PIM_PRE] & pre_nc)
            ),
            x.eq(
                (is_[GWRITE] & gw_x)
                | (is_[G_ACT] & gact_x)
                | (is_[READRES] & rr_x)
                | is_[PIM_HEADER]
                | is_[COMP]
                | is_[PIM_PRE]
            ),
        ]
        row_cmd = is_[G_ACT] | is_[PIM_PRE]
        bus_free = Signal()
        m.d.comb += bus_free.eq(Mux(row_cmd, ~self.row_busy, ~self.col_busy))
        closed_ok = (~is_[G_ACT] | self.group_closed) if single else Const(1)
        m.d.comb += [
            issue.eq(self.cmd_valid & self.pim_may & nc & x & bus_free & closed_ok),
            want.eq(self.cmd_valid & self.pim_may & nc & ~x),
            self.issue.eq(issue),
            self.cmd_ready.eq(issue),
            self.want.eq(want),
            self.issue_cmd.eq(Mux(issue, cmd, 0)),
            self.issue_rank.eq(Mux(issue, r, 0)),
            self.issue_bg.eq(Mux(issue, g, 0)),
        ]
        with m.If(issue):
            m.d.sync += self.pim_mode.eq(cmd != PIM_PRE)
            with m.If(cmd == G_ACT):
                m.d.sync += self.tile_open.eq(1)
            with m.Elif(cmd == PIM_PRE):
                m.d.sync += self.tile_open.eq(0)
        m.d.sync += self.cmd_log.eq(Cat(issue, want, self.issue_cmd, self.issue_rank, self.issue_bg))
        return m


def register_bits(dual: bool, timing: SeqTiming) -> dict[str, int]:
    """Flip-flop bits per register of ``PimSequencer(dual, timing)`` (sizes the counters, no logic)."""
    ages = _Ages(None)
    _counters(dual, timing, ages, *(Signal(name=f"x{i}") for i in range(7)))
    rb, gb = _field_bits(timing.ranks), _field_bits(timing.bankgroups)
    return {**ages.bits, "pim_mode": 1, "tile_open": 1, "cmd_log": 2 + CMD_BITS + rb + gb}
