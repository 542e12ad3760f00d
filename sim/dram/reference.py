"""Per-cycle reference FR-FCFS open-page controller for one channel (slow, obviously right).

Every candidate command is checked against the *whole* history of issued commands
with :func:`sim.dram.timing.pair_gap` and against the tFAW window by counting.
Use for small streams (hundreds of requests); :mod:`sim.dram.fast` must equal it.

Policy, each cycle ``t`` (the fast path implements exactly this):

1. Admit arrived requests into the transaction queue (FIFO, ``queue_depth`` entries).
2. A rank whose refresh is due (first due ``tREFI*(r+1)/ranks``, then every tREFI)
   becomes *refresh-pending*: no ACT or column command to it until its REF.
3. Row-command bus (one ACT/PRE/REF per cycle):
   a. for each pending rank, lowest first: PRE its lowest-numbered open bank if legal,
      else, all banks closed, REF if legal;
   b. otherwise scan the queue oldest first, looking only at the oldest request of each
      bank: closed bank -> ACT its row if legal; bank open to another row and no queued
      request hits that open row -> PRE if legal.  First legal command wins.
4. Column-command bus (one RD/WR per cycle): the oldest queued request whose row is
   open in its bank (row hit) and whose RD/WR is legal.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.requests import ChannelRequests, ChannelSchedule
from llmaccel.sim.dram.timing import ACT, PRE, RD, REF, WR, Gaps, pair_gap

Bank = tuple[int, int, int]
LegalFn = Callable[[int, int, int, int, int], bool]


def refresh_command(
    t: int, R: int, open_row: dict[Bank, int], pending: list[bool], ref_due: list[int], refi: int, legal: LegalFn
) -> tuple | None:
    """Step 3a: for each refresh-pending rank, lowest first, PRE its lowest open bank if legal,
    else REF once its banks are closed (clears ``pending`` and advances ``ref_due``)."""
    for r in range(R):
        if not pending[r]:
            continue
        opened = sorted(k for k in open_row if k[0] == r)
        if opened:
            if legal(t, PRE, *opened[0]):
                return (PRE, *opened[0], open_row[opened[0]])
        elif legal(t, REF, r, 0, 0):
            pending[r] = False
            ref_due[r] += refi
            return (REF, r, 0, 0, 0)
    return None


def _bank(req: ChannelRequests, i: int) -> Bank:
    return (int(req.rank[i]), int(req.bg[i]), int(req.bank[i]))


def frfcfs_row_command(
    t: int,
    queue: list[int],
    req: ChannelRequests,
    open_row: dict[Bank, int],
    pending: list[bool],
    legal: LegalFn,
    act_ok: bool = True,
) -> tuple | None:
    """Step 3b: the oldest request of each bank, oldest first: closed bank -> ACT (if
    ``act_ok``), open to another row with no queued hit -> PRE; the first legal one."""
    seen: set[Bank] = set()
    for i in queue:
        k = _bank(req, i)
        if k in seen:
            continue
        seen.add(k)
        if pending[k[0]]:
            continue
        row = int(req.row[i])
        if k not in open_row:
            if act_ok and legal(t, ACT, *k):
                return (ACT, *k, row)
        elif open_row[k] != row:
            hit = any(_bank(req, j) == k and int(req.row[j]) == open_row[k] for j in queue)
            if not hit and legal(t, PRE, *k):
                return (PRE, *k, open_row[k])
    return None


def apply_row_command(cmd: tuple, open_row: dict[Bank, int]) -> None:
    """Open or close the bank an ACT / PRE names."""
    c, r, bg, ba, row = cmd
    if c == ACT:
        open_row[(r, bg, ba)] = row
    elif c == PRE:
        del open_row[(r, bg, ba)]


def frfcfs_column(
    t: int, queue: list[int], req: ChannelRequests, open_row: dict[Bank, int], pending: list[bool], legal: LegalFn
) -> tuple[int, int] | None:
    """Step 4: the oldest queued row hit whose RD/WR is legal: (queue index, command) or None."""
    for qi, i in enumerate(queue):
        k = _bank(req, i)
        if pending[k[0]] or open_row.get(k) != int(req.row[i]):
            continue
        c = WR if req.is_write[i] else RD
        if legal(t, c, *k):
            return qi, c
    return None


class ReferenceController:
    def __init__(self, cfg: DramConfig) -> None:
        self.cfg = cfg
        self.g = Gaps.of(cfg)
        self.org = cfg.org
        # no gap is longer than this, so older history cannot constrain a command
        self.max_gap = max(v for k, v in vars(self.g).items() if k not in ("refi", "read_latency", "write_latency"))

    def _legal(self, t: int, cmd: int, rank: int, bg: int, bank: int) -> bool:
        for tp, pc, pr, pg, pb, _row in reversed(self.history):
            if t - tp >= self.max_gap:
                break
            same_rank = pr == rank
            same_bg = same_rank and pg == bg
            same_bank = same_bg and pb == bank
            gap = pair_gap(self.g, pc, cmd, same_rank, same_bg, same_bank)
            if gap is not None and t - tp < gap:
                return False
        if cmd == ACT:
            recent = sum(
                1
                for (tp, pc, pr, *_r) in self.history[-4 * self.max_gap :]
                if pc == ACT and pr == rank and t - tp < self.g.faw
            )
            if recent >= 4:
                return False
        return True

    def run(self, req: ChannelRequests, max_cycles: int | None = None) -> ChannelSchedule:
        org, g = self.org, self.g
        n = len(req)
        R = org.ranks
        open_row: dict[tuple[int, int, int], int] = {}
        ref_due = [g.refi * (r + 1) // R for r in range(R)]
        pending = [False] * R
        self.history: list[tuple[int, int, int, int, int, int]] = []
        queue: list[int] = []
        done = np.full(n, -1, np.int64)
        issue = np.full(n, -1, np.int64)
        nxt = 0
        served = 0
        t = 0
        limit = max_cycles if max_cycles is not None else 1 << 62
        while served < n and t < limit:
            while nxt < n and req.arrival[nxt] <= t and len(queue) < self.cfg.controller.queue_depth:
                queue.append(nxt)
                nxt += 1
            for r in range(R):
                if not pending[r] and t >= ref_due[r]:
                    pending[r] = True
            row_cmd = refresh_command(t, R, open_row, pending, ref_due, g.refi, self._legal)
            if row_cmd is None:
                row_cmd = frfcfs_row_command(t, queue, req, open_row, pending, self._legal)
            if row_cmd is not None:
                apply_row_command(row_cmd, open_row)
                self.history.append((t, *row_cmd))
            col = frfcfs_column(t, queue, req, open_row, pending, self._legal)
            if col is not None:
                qi, c = col
                i = queue.pop(qi)
                self.history.append((t, c, *_bank(req, i), int(req.row[i])))
                issue[i] = t
                done[i] = t + (g.write_latency if c == WR else g.read_latency)
                served += 1
            t += 1
        cmds = np.array(self.history, dtype=np.int64).reshape(-1, 6)
        end = int(done.max()) if n else 0
        return ChannelSchedule(cmds, done, issue, end)
