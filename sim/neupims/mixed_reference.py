"""Per-cycle reference of the mixed normal + PIM channel (slow, obviously right; rules in
:mod:`sim.neupims.mixed`).

Normal-to-normal legality scans the whole command history with
:func:`sim.dram.timing.pair_gap`, like :mod:`sim.dram.reference`; PIM and cross rules are
checked against explicit histories.  Use for small streams; :mod:`sim.neupims.mixed_fast`
must equal it command for command.
"""

from __future__ import annotations

import numpy as np

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.reference import apply_row_command, frfcfs_column, frfcfs_row_command, refresh_command
from llmaccel.sim.dram.requests import ChannelRequests
from llmaccel.sim.dram.timing import ACT, PRE, RD, REF, WR, Gaps, pair_gap
from llmaccel.sim.neupims.mixed_common import PIM_BASE, MixedSchedule, cross_gaps
from llmaccel.sim.neupims.pim import (
    COMP,
    G_ACT,
    GWRITE,
    MAX_REFRESH_RETRIES,
    PIM_HEADER,
    PIM_PRE,
    READRES,
    PimTiming,
    _conflict,
    _ref_tile,
    _too_long,
    expand_commands,
)

NEG = -(1 << 40)
PIM_ROW_CMDS = (G_ACT, PIM_PRE)


class MixedReference:
    """One channel, one cycle at a time."""

    # per-run state, set by run() (declared here for the type checker)
    pim_end: int
    buf_ready: int
    k: int
    tile_gacts: list[int]

    def __init__(self, dram: DramConfig, pt: PimTiming, dual: bool) -> None:
        self.dram, self.pt, self.dual = dram, pt, bool(dual)
        self.g = Gaps.of(dram)
        self.x = cross_gaps(dram, pt)
        self.org = dram.org
        # no gap is longer than this, so older history cannot constrain a command
        self.max_gap = max(v for k, v in vars(self.g).items() if k not in ("refi", "read_latency", "write_latency"))

    def _recent(self, t: int):
        """Normal commands issued less than ``max_gap`` cycles before ``t``, newest first."""
        for h in reversed(self.hist):
            if t - h[0] >= self.max_gap:
                return
            yield h

    # ---------------------------------------------------------------- normal side
    def _normal_ok(self, t: int, cmd: int, r: int, bg: int, ba: int) -> bool:
        g = self.g
        for tp, pc, pr, pg, pb, _row in self._recent(t):
            gap = pair_gap(g, pc, cmd, pr == r, pr == r and pg == bg, pr == r and pg == bg and pb == ba)
            if gap is not None and t - tp < gap:
                return False
        if cmd == ACT:
            if self._acts_in_window(t, r) >= 4:
                return False
            for tp, pr, pg in self.gacts:
                if pr == r and t - tp < (g.rrd_l if pg == bg else g.rrd_s):
                    return False
            if not self.dual and (self.tile_open or t - self.last_pim_pre < g.rp):
                return False
        elif cmd == RD:
            if t - self.last_gw < self.x["gw2rd"] or t - self.last_rr < self.x["rd2rr"]:
                return False
        elif cmd == WR:
            if t - self.last_gw < self.x["gw2wr"] or t - self.last_rr < self.x["rr2wr"]:
                return False
        elif cmd == REF:
            if self.tile_open or t - self.last_pim_pre < g.rp:
                return False
        return True

    def _acts_in_window(self, t: int, r: int) -> int:
        n = sum(1 for (tp, pc, pr, *_x) in self._recent(t) if pc == ACT and pr == r and t - tp < self.g.faw)
        for tp, pr, _g in reversed(self.gacts):
            if t - tp >= self.g.faw:
                break
            n += pr == r
        return n

    # ---------------------------------------------------------------- PIM side
    def _tile_floor(self, i: int, j: int) -> int:
        """Refresh-aware earliest first G_ACT of the tile ``cmds[i:j]`` (PIM-only state, as pim.py)."""
        pt = self.pt
        floor = self.prev_pim + 1
        retries = 0
        while True:
            gr = {k: list(v) for k, v in self.gact_rank.items()}
            gb = dict(self.gact_bank)
            tt = _ref_tile(
                self.pcmds[i:j],
                pt,
                self.dual,
                floor,
                self.prev_pim,
                self.last_pim_pre,
                self.last_rr,
                self.last_comp,
                self.buf_ready,
                gr,
                gb,
            )
            end = int(tt[-1]) + pt.tRP
            conflict = _conflict(int(tt[0]), end, pt)
            if conflict is None:
                return floor
            floor = conflict
            retries += 1
            if retries > MAX_REFRESH_RETRIES * pt.ranks:
                raise _too_long(end - int(tt[0]), pt)

    def _pim_ok(self, t: int, k: int, cross: bool = True) -> bool:
        """Whether PIM command ``k`` may issue at ``t`` (order, PIM rules, and with ``cross`` the
        rules against normal commands; without, whether PIM *wants* the cycle)."""
        pt, g, x = self.pt, self.g, self.x
        c, r, bg, _ti = (int(v) for v in self.pcmds[k])
        if t <= self.prev_pim:
            return False
        if c == GWRITE:
            return (
                t >= self.last_rr + pt.rd2wr
                and t >= self.last_gw + pt.gwrite_cycles
                and (not cross or (t >= self.last_rd + x["rd2gw"] and t >= self.last_wr + x["wr2gw"]))
            )
        if c == G_ACT:
            if not self.tile_open:
                if t < self.floor[k] or any(self.pending):
                    return False
            if t < self.last_pim_pre + pt.tRP:
                return False
            for tp, gp in self.gact_rank[r]:
                if t < tp + (pt.gact_gap_l if gp == bg else pt.gact_gap_s):
                    return False
            if (r, bg) in self.gact_bank and t < self.gact_bank[(r, bg)] + pt.tRC:
                return False
            window = self._acts_in_window(t, r) if cross else sum(1 for (tp, gp) in self.gact_rank[r] if t - tp < g.faw)
            if window >= 4:
                return False
            for tp, pc, pr, pg, _pb, _row in self._recent(t):
                if pr != r:
                    continue
                if cross and pc == ACT and t - tp < (g.rrd_l if pg == bg else g.rrd_s):
                    return False
                if pc == REF and t - tp < g.rfc:
                    return False
                if cross and not self.dual and pc == PRE and pg == bg and t - tp < g.rp:
                    return False
            return True
        if c == PIM_HEADER:
            return True
        if c == COMP:
            return (
                t >= max(self.tile_gacts) + pt.tRCD
                and t >= self.last_comp + pt.comp_interval
                and t >= self.buf_ready
                and t >= self.last_rr + pt.comp_interval
            )
        if c == READRES:
            return t >= self.last_comp + pt.comp_interval and (
                not cross or (t >= self.last_rd + x["rd2rr"] and t >= self.last_wr + x["wr2rr"])
            )
        # PIM_PRE
        if t < max(self.tile_gacts) + pt.tRAS:
            return False
        if not self.dual and (t < self.last_comp + pt.tRTP or t < self.last_rr + pt.tRTP):
            return False
        return True

    def _issue_pim(self, t: int, k: int) -> None:
        pt = self.pt
        c, r, bg, ti = (int(v) for v in self.pcmds[k])
        if c == GWRITE:
            self.last_gw = t
            self.buf_ready = t + pt.CWL + pt.gwrite_cycles
            self.pim_end = max(self.pim_end, self.buf_ready)
        elif c == G_ACT:
            self.tile_open = True
            self.tile_gacts.append(t)
            self.gacts.append((t, r, bg))
            self.gact_rank[r].append((t, bg))
            self.gact_bank[(r, bg)] = t
        elif c == COMP:
            self.last_comp = t
        elif c == READRES:
            self.last_rr = t
        elif c == PIM_PRE:
            self.tile_open = False
            self.tile_gacts = []
            self.last_pim_pre = t
            self.pim_end = max(self.pim_end, t + pt.tRP)
        self.pim_mode = c != PIM_PRE
        self.prev_pim = t
        self.trace.append((t, PIM_BASE + c, r, bg, -1, ti))
        self.k += 1

    def _head_floor(self) -> None:
        """Compute the floor of the tile whose first G_ACT is now at the head of the PIM stream."""
        k = self.k
        if k < len(self.pcmds) and self.pcmds[k][0] == G_ACT and not self.tile_open and k not in self.floor:
            j = k
            ti = self.pcmds[k][3]
            while j < len(self.pcmds) and self.pcmds[j][3] == ti:
                j += 1
            self.floor[k] = self._tile_floor(k, j)

    # ---------------------------------------------------------------- loop
    def run(self, req: ChannelRequests, tiles: np.ndarray, max_cycles: int = 1 << 40) -> MixedSchedule:
        org, g = self.org, self.g
        R = org.ranks
        n = len(req)
        self.pcmds = expand_commands(tiles, self.pt)
        npim = len(self.pcmds)
        self.hist: list[tuple[int, int, int, int, int, int]] = []
        self.trace: list[tuple[int, int, int, int, int, int]] = []
        self.gacts: list[tuple[int, int, int]] = []
        self.gact_rank: dict[int, list[tuple[int, int]]] = {r: [] for r in range(R)}
        self.gact_bank: dict[tuple[int, int], int] = {}
        self.tile_gacts = []
        self.floor: dict[int, int] = {}
        self.prev_pim = -1
        self.last_pim_pre = self.last_rr = self.last_comp = self.last_gw = NEG
        self.last_rd = self.last_wr = NEG
        self.buf_ready = 0
        self.pim_end = 0
        self.tile_open = False
        self.pim_mode = False
        self.k = 0
        open_row: dict[tuple[int, int, int], int] = {}
        ref_due = [g.refi * (r + 1) // R for r in range(R)]
        self.pending = [False] * R
        queue: list[int] = []
        done = np.full(n, -1, np.int64)
        nxt = served = 0
        t = 0
        while (served < n or self.k < npim) and t < max_cycles:
            while nxt < n and req.arrival[nxt] <= t and len(queue) < self.dram.controller.queue_depth:
                queue.append(nxt)
                nxt += 1
            for r in range(R):
                if not self.pending[r] and t >= ref_due[r]:
                    self.pending[r] = True
            self._head_floor()
            pim_may = self.k < npim and (self.dual or self.pim_mode or not queue)
            normal_may = self.dual or not self.pim_mode
            # 3a refresh
            row_cmd = refresh_command(t, R, open_row, self.pending, ref_due, g.refi, self._normal_ok)
            # 3b PIM row command
            pim_issued = False
            if row_cmd is None and pim_may and self.pcmds[self.k][0] in PIM_ROW_CMDS:
                c, r, bg = (int(v) for v in self.pcmds[self.k][:3])
                busy = (
                    sorted(kk for kk in open_row if kk[0] == r and kk[1] == bg) if c == G_ACT and not self.dual else []
                )
                if busy:
                    if self._normal_ok(t, PRE, *busy[0]):
                        row_cmd = (PRE, *busy[0], open_row[busy[0]])
                elif self._pim_ok(t, self.k):
                    self._issue_pim(t, self.k)
                    pim_issued = True
            # 3c normal row command (ACTs held while a wanted G_ACT waits on normal ACTs)
            hold_act = (
                row_cmd is None
                and not pim_issued
                and pim_may
                and self.pcmds[self.k][0] == G_ACT
                and self._pim_ok(t, self.k, cross=False)
            )
            if row_cmd is None and not pim_issued and normal_may:
                row_cmd = frfcfs_row_command(
                    t, queue, req, open_row, self.pending, self._normal_ok, act_ok=not hold_act
                )
            if row_cmd is not None:
                apply_row_command(row_cmd, open_row)
                self.hist.append((t, *row_cmd))
                self.trace.append((t, *row_cmd))
            # 4 column bus
            self._head_floor()
            col_done = hold_col = False
            if pim_may and self.k < npim and self.pcmds[self.k][0] not in PIM_ROW_CMDS:
                if self._pim_ok(t, self.k):
                    self._issue_pim(t, self.k)
                    col_done = True
                else:  # PIM wants the cycle but a normal command's gap blocks it: hold normal column commands
                    hold_col = self._pim_ok(t, self.k, cross=False)
            col = (
                frfcfs_column(t, queue, req, open_row, self.pending, self._normal_ok)
                if not col_done and not hold_col and normal_may
                else None
            )
            if col is not None:
                qi, c = col
                i = queue.pop(qi)
                cmd = (t, c, int(req.rank[i]), int(req.bg[i]), int(req.bank[i]), int(req.row[i]))
                self.hist.append(cmd)
                self.trace.append(cmd)
                if c == RD:
                    self.last_rd = t
                else:
                    self.last_wr = t
                done[i] = t + (g.write_latency if c == WR else g.read_latency)
                served += 1
            t += 1
        cmds = np.array(self.trace, dtype=np.int64).reshape(-1, 6)
        return MixedSchedule(cmds, done, int(done.max()) if n else 0, self.pim_end)
