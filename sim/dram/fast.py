"""Fast FR-FCFS controller: the reference policy in numba, with next-allowed-time registers.

Instead of scanning the history, each bank keeps the earliest cycle at which an
ACT / PRE / RD / WR may issue, each rank the earliest REF and its last four ACT
times (tFAW).  Issuing a command raises those registers by the gaps of
:mod:`sim.dram.timing`; because every constraint is of the form ``t >= x`` the
kernel can skip idle cycles exactly: when a cycle issues nothing, the next cycle
that can change anything is the minimum over candidate commands' earliest times,
the next arrival and the next refresh deadline.  Tests hold the command trace
equal to :mod:`sim.dram.reference` on random streams.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.requests import ChannelRequests, ChannelSchedule
from llmaccel.sim.dram.timing import Gaps

_BIG = np.int64(1) << 62


@nb.njit(cache=True)
def controller_state(R, BG, BA, refi, qdepth):
    """Fresh controller registers: open rows (-1 closed), next-allowed ACT/PRE/RD/WR per bank and
    REF per rank, tFAW ring, refresh dues (``tREFI*(r+1)/R``), pending flags, queue, scan marks."""
    NB = R * BG * BA
    BIG = np.int64(1) << 62
    ref_due = np.zeros(R, np.int64)
    for r in range(R):
        ref_due[r] = refi * (r + 1) // R
    return (
        np.full(NB, -1, np.int64),
        np.zeros(NB, np.int64),
        np.zeros(NB, np.int64),
        np.zeros(NB, np.int64),
        np.zeros(NB, np.int64),
        np.zeros(R, np.int64),
        np.full((R, 4), -BIG, np.int64),
        np.zeros(R, np.int64),
        ref_due,
        np.zeros(R, np.bool_),
        np.empty(qdepth, np.int64),
        np.zeros(NB, np.bool_),
    )


@nb.njit(cache=True)
def start_cycle(t, arrival, nxt, queue, qlen, qdepth, pending, ref_due):
    """Admit arrived requests into the queue and mark ranks whose refresh is due.

    Returns (nxt, qlen, changed)."""
    n = arrival.shape[0]
    changed = False
    while nxt < n and arrival[nxt] <= t and qlen < qdepth:
        queue[qlen] = nxt
        qlen += 1
        nxt += 1
        changed = True
    for r in range(pending.shape[0]):
        if (not pending[r]) and t >= ref_due[r]:
            pending[r] = True
            changed = True
    return nxt, qlen, changed


@nb.njit(cache=True)
def next_cycle(t, changed, tnext, arrival, nxt, qlen, qdepth, pending, ref_due):
    """The next cycle to evaluate: ``t + 1`` after any change, else the earliest of the blocked
    candidates' registers (``tnext``), the next admissible arrival and the next refresh due."""
    if changed:
        return t + 1
    if nxt < arrival.shape[0] and qlen < qdepth and arrival[nxt] < tnext:
        tnext = arrival[nxt]
    for r in range(pending.shape[0]):
        if (not pending[r]) and ref_due[r] < tnext:
            tnext = ref_due[r]
    return tnext if tnext > t + 1 else t + 1


@nb.njit(cache=True)
def refresh_candidate(t, R, BG, BA, pending, open_row, n_pre, n_ref, ref_ok, tnext):
    """Row command for a refresh-pending rank, lowest rank first: PRE of its lowest open bank
    when legal, else REF once all its banks are closed (and ``ref_ok``).

    Returns (kind: 1 PRE / 4 REF / -1, bank, rank, row, tnext lowered to blocked candidates)."""
    for r in range(R):
        if not pending[r]:
            continue
        low = -1
        for b in range(r * BG * BA, (r + 1) * BG * BA):
            if open_row[b] >= 0:
                low = b
                break
        if low >= 0:
            if t >= n_pre[low]:
                return 1, low, r, open_row[low], tnext
            if n_pre[low] < tnext:
                tnext = n_pre[low]
        elif ref_ok:
            if t >= n_ref[r]:
                return 4, -1, r, 0, tnext
            if n_ref[r] < tnext:
                tnext = n_ref[r]
    return -1, -1, -1, -1, tnext


@nb.njit(cache=True)
def row_candidate(
    t,
    queue,
    qlen,
    bank_of,
    rank_of,
    row_of,
    pending,
    open_row,
    n_act,
    n_pre,
    faw_ring,
    faw_pos,
    faw,
    seen,
    act_ok,
    tnext,
):
    """FR-FCFS row command: oldest request of each bank, closed bank -> ACT (if ``act_ok``),
    open to another row with no queued hit -> PRE.  Returns (kind 0/1/-1, bank, rank, row, tnext)."""
    for b in range(seen.shape[0]):
        seen[b] = False
    for qi in range(qlen):
        i = queue[qi]
        b = bank_of[i]
        if seen[b]:
            continue
        seen[b] = True
        r = rank_of[i]
        if pending[r]:
            continue
        if open_row[b] < 0:
            if not act_ok:
                continue
            e = n_act[b]
            oldest = faw_ring[r, faw_pos[r]] + faw
            if oldest > e:
                e = oldest
            if t >= e:
                return 0, b, r, row_of[i], tnext
            if e < tnext:
                tnext = e
        elif open_row[b] != row_of[i]:
            hit = False
            for qj in range(qlen):
                j = queue[qj]
                if bank_of[j] == b and row_of[j] == open_row[b]:
                    hit = True
                    break
            if not hit:
                if t >= n_pre[b]:
                    return 1, b, r, open_row[b], tnext
                if n_pre[b] < tnext:
                    tnext = n_pre[b]
    return -1, -1, -1, -1, tnext


@nb.njit(cache=True)
def col_candidate(t, queue, qlen, bank_of, rank_of, row_of, is_write, pending, open_row, n_rd, n_wr, tnext):
    """Oldest queued row hit whose RD/WR is legal: (queue index or -1, tnext)."""
    for qi in range(qlen):
        i = queue[qi]
        b = bank_of[i]
        if pending[rank_of[i]] or open_row[b] != row_of[i]:
            continue
        e = n_wr[b] if is_write[i] != 0 else n_rd[b]
        if t >= e:
            return qi, tnext
        if e < tnext:
            tnext = e
    return -1, tnext


@nb.njit(cache=True)
def issue_act(t, b, r, row, BG, BA, gp, n_act, n_rd, n_wr, n_pre, faw_ring, faw_pos, open_row):
    """Raise the registers an ACT at ``t`` to bank ``b`` constrains (tRC, tRRD_S/L, tRCD, tRAS, tFAW)."""
    g = (b // BA) % BG
    for b2 in range(r * BG * BA, (r + 1) * BG * BA):
        if b2 == b:
            v = t + gp[0]
        elif (b2 // BA) % BG == g:
            v = t + gp[7]
        else:
            v = t + gp[6]
        if v > n_act[b2]:
            n_act[b2] = v
    if t + gp[1] > n_rd[b]:
        n_rd[b] = t + gp[1]
    if t + gp[1] > n_wr[b]:
        n_wr[b] = t + gp[1]
    if t + gp[2] > n_pre[b]:
        n_pre[b] = t + gp[2]
    faw_ring[r, faw_pos[r]] = t
    faw_pos[r] = (faw_pos[r] + 1) % 4
    open_row[b] = row


@nb.njit(cache=True)
def issue_pre(t, b, r, rp, n_act, n_ref, open_row):
    """A PRE at ``t`` closes bank ``b``: its next ACT and the rank's REF wait tRP."""
    if t + rp > n_act[b]:
        n_act[b] = t + rp
    if t + rp > n_ref[r]:
        n_ref[r] = t + rp
    open_row[b] = -1


@nb.njit(cache=True)
def issue_ref(t, r, BG, BA, rfc, refi, n_act, n_ref, pending, ref_due):
    """A REF at ``t`` to rank ``r``: ACT and REF wait tRFC; the next refresh is due tREFI later."""
    for b2 in range(r * BG * BA, (r + 1) * BG * BA):
        if t + rfc > n_act[b2]:
            n_act[b2] = t + rfc
    if t + rfc > n_ref[r]:
        n_ref[r] = t + rfc
    pending[r] = False
    ref_due[r] += refi


@nb.njit(cache=True)
def issue_col(t, b, r, g, w, BG, BA, gp, n_rd, n_wr, n_pre):
    """Raise the column-command registers of every bank after a RD (``w`` False) or WR at ``t``."""
    rtp, wr2pre = gp[4], gp[5]
    rd2rd_l, rd2rd_s, rd2rd_r, rd2wr = gp[11], gp[12], gp[13], gp[14]
    wr2rd_l, wr2rd_s, wr2rd_r = gp[15], gp[16], gp[17]
    for b2 in range(n_rd.shape[0]):
        if b2 // (BG * BA) == r:
            if (b2 // BA) % BG == g:
                vr = t + (wr2rd_l if w else rd2rd_l)
                vw = t + (rd2rd_l if w else rd2wr)
            else:
                vr = t + (wr2rd_s if w else rd2rd_s)
                vw = t + (rd2rd_s if w else rd2wr)
        else:
            vr = t + (wr2rd_r if w else rd2rd_r)
            vw = t + (rd2rd_r if w else rd2wr)
        if vr > n_rd[b2]:
            n_rd[b2] = vr
        if vw > n_wr[b2]:
            n_wr[b2] = vw
    vp = t + (wr2pre if w else rtp)
    if vp > n_pre[b]:
        n_pre[b] = vp


@nb.njit(cache=True)
def record(cmds, nc, t, code, r, g, ba, row):
    """Append one command row (growing the array when full); returns (cmds, nc + 1)."""
    if nc >= cmds.shape[0]:
        new = np.empty((cmds.shape[0] * 2, 6), np.int64)
        new[:nc] = cmds[:nc]
        cmds = new
    cmds[nc, 0] = t
    cmds[nc, 1] = code
    cmds[nc, 2] = r
    cmds[nc, 3] = g
    cmds[nc, 4] = ba
    cmds[nc, 5] = row
    return cmds, nc + 1


@nb.njit(cache=True)
def pop_queue(queue, qlen, qi):
    """Remove entry ``qi`` keeping order; returns the new length."""
    for qk in range(qi, qlen - 1):
        queue[qk] = queue[qk + 1]
    return qlen - 1


@nb.njit(cache=True)
def _kernel(arrival, is_write, bank_of, rank_of, bg_of, row_of, R, BG, BA, qdepth, gp, max_cycles):
    rp, rfc, refi, faw, rlat, wlat = gp[3], gp[9], gp[10], gp[8], gp[18], gp[19]
    n = arrival.shape[0]
    BIG = np.int64(1) << 62
    (open_row, n_act, n_pre, n_rd, n_wr, n_ref, faw_ring, faw_pos, ref_due, pending, queue, seen) = controller_state(
        R, BG, BA, refi, qdepth
    )
    qlen = 0
    done = np.full(n, -1, np.int64)
    issue = np.full(n, -1, np.int64)
    cmds = np.empty((4 * n + 16, 6), np.int64)
    nc = 0
    nxt = 0
    served = 0
    t = np.int64(0)
    while served < n and t < max_cycles:
        nxt, qlen, changed = start_cycle(t, arrival, nxt, queue, qlen, qdepth, pending, ref_due)
        tnext = BIG
        # ---- row-command bus
        kind, b, r, row, tnext = refresh_candidate(t, R, BG, BA, pending, open_row, n_pre, n_ref, True, tnext)
        if kind < 0:
            kind, b, r, row, tnext = row_candidate(
                t,
                queue,
                qlen,
                bank_of,
                rank_of,
                row_of,
                pending,
                open_row,
                n_act,
                n_pre,
                faw_ring,
                faw_pos,
                faw,
                seen,
                True,
                tnext,
            )
        if kind >= 0:
            changed = True
            if kind == 0:
                issue_act(t, b, r, row, BG, BA, gp, n_act, n_rd, n_wr, n_pre, faw_ring, faw_pos, open_row)
                cmds, nc = record(cmds, nc, t, 0, r, (b // BA) % BG, b % BA, row)
            elif kind == 1:
                issue_pre(t, b, r, rp, n_act, n_ref, open_row)
                cmds, nc = record(cmds, nc, t, 1, r, (b // BA) % BG, b % BA, row)
            else:
                issue_ref(t, r, BG, BA, rfc, refi, n_act, n_ref, pending, ref_due)
                cmds, nc = record(cmds, nc, t, 4, r, 0, 0, 0)
        # ---- column-command bus
        qi, tnext = col_candidate(
            t, queue, qlen, bank_of, rank_of, row_of, is_write, pending, open_row, n_rd, n_wr, tnext
        )
        if qi >= 0:
            i = queue[qi]
            w = is_write[i] != 0
            b = bank_of[i]
            issue_col(t, b, rank_of[i], bg_of[i], w, BG, BA, gp, n_rd, n_wr, n_pre)
            cmds, nc = record(cmds, nc, t, 3 if w else 2, rank_of[i], bg_of[i], b % BA, row_of[i])
            issue[i] = t
            done[i] = t + (wlat if w else rlat)
            qlen = pop_queue(queue, qlen, qi)
            served += 1
            changed = True
        t = next_cycle(t, changed, tnext, arrival, nxt, qlen, qdepth, pending, ref_due)
    return cmds[:nc], done, issue


def run_fast(cfg: DramConfig, req: ChannelRequests, max_cycles: int | None = None) -> ChannelSchedule:
    """Schedule one channel's requests; same result as ``ReferenceController(cfg).run(req)``."""
    org = cfg.org
    bank_of = (req.rank * org.bankgroups + req.bg) * org.banks_per_group + req.bank
    cmds, done, issue = _kernel(
        req.arrival,
        req.is_write,
        np.ascontiguousarray(bank_of),
        req.rank,
        req.bg,
        req.row,
        org.ranks,
        org.bankgroups,
        org.banks_per_group,
        cfg.controller.queue_depth,
        Gaps.of(cfg).as_array(),
        np.int64(max_cycles if max_cycles is not None else _BIG),
    )
    end = int(done.max()) if len(done) else 0
    return ChannelSchedule(cmds.copy(), done, issue, end)
