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

from sim.dram.config import DramConfig
from sim.dram.requests import ChannelRequests, ChannelSchedule
from sim.dram.timing import Gaps

_BIG = np.int64(1) << 62


@nb.njit(cache=True)
def _kernel(arrival, is_write, bank_of, rank_of, bg_of, row_of, R, BG, BA, qdepth, gp, max_cycles):
    rc, rcd, ras, rp, rtp, wr2pre = gp[0], gp[1], gp[2], gp[3], gp[4], gp[5]
    rrd_s, rrd_l, faw, rfc, refi = gp[6], gp[7], gp[8], gp[9], gp[10]
    rd2rd_l, rd2rd_s, rd2rd_r, rd2wr = gp[11], gp[12], gp[13], gp[14]
    wr2rd_l, wr2rd_s, wr2rd_r, rlat, wlat = gp[15], gp[16], gp[17], gp[18], gp[19]
    n = arrival.shape[0]
    NB = R * BG * BA
    BIG = np.int64(1) << 62
    open_row = np.full(NB, -1, np.int64)
    n_act = np.zeros(NB, np.int64)
    n_pre = np.zeros(NB, np.int64)
    n_rd = np.zeros(NB, np.int64)
    n_wr = np.zeros(NB, np.int64)
    n_ref = np.zeros(R, np.int64)
    faw_ring = np.full((R, 4), -BIG, np.int64)
    faw_pos = np.zeros(R, np.int64)
    ref_due = np.zeros(R, np.int64)
    for r in range(R):
        ref_due[r] = refi * (r + 1) // R
    pending = np.zeros(R, np.bool_)
    queue = np.empty(qdepth, np.int64)
    qlen = 0
    done = np.full(n, -1, np.int64)
    issue = np.full(n, -1, np.int64)
    cap = 4 * n + 16
    cmds = np.empty((cap, 6), np.int64)
    nc = 0
    seen = np.zeros(NB, np.bool_)
    nxt = 0
    served = 0
    t = np.int64(0)
    while served < n and t < max_cycles:
        changed = False
        while nxt < n and arrival[nxt] <= t and qlen < qdepth:
            queue[qlen] = nxt
            qlen += 1
            nxt += 1
            changed = True
        for r in range(R):
            if (not pending[r]) and t >= ref_due[r]:
                pending[r] = True
                changed = True
        tnext = BIG
        # ---- row-command bus
        rc_kind = -1
        rc_bank = -1
        rc_rank = -1
        rc_row = -1
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
                    rc_kind = 1
                    rc_bank = low
                    rc_rank = r
                    rc_row = open_row[low]
                elif n_pre[low] < tnext:
                    tnext = n_pre[low]
            else:
                if t >= n_ref[r]:
                    rc_kind = 4
                    rc_rank = r
                elif n_ref[r] < tnext:
                    tnext = n_ref[r]
            if rc_kind >= 0:
                break
        if rc_kind < 0:
            for b in range(NB):
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
                    e = n_act[b]
                    oldest = faw_ring[r, faw_pos[r]] + faw
                    if oldest > e:
                        e = oldest
                    if t >= e:
                        rc_kind = 0
                        rc_bank = b
                        rc_rank = r
                        rc_row = row_of[i]
                        break
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
                            rc_kind = 1
                            rc_bank = b
                            rc_rank = r
                            rc_row = open_row[b]
                            break
                        if n_pre[b] < tnext:
                            tnext = n_pre[b]
        if rc_kind >= 0:
            changed = True
            r = rc_rank
            lo = r * BG * BA
            hi = lo + BG * BA
            if rc_kind == 0:
                b = rc_bank
                g = (b // BA) % BG
                for b2 in range(lo, hi):
                    if b2 == b:
                        v = t + rc
                    elif (b2 // BA) % BG == g:
                        v = t + rrd_l
                    else:
                        v = t + rrd_s
                    if v > n_act[b2]:
                        n_act[b2] = v
                if t + rcd > n_rd[b]:
                    n_rd[b] = t + rcd
                if t + rcd > n_wr[b]:
                    n_wr[b] = t + rcd
                if t + ras > n_pre[b]:
                    n_pre[b] = t + ras
                faw_ring[r, faw_pos[r]] = t
                faw_pos[r] = (faw_pos[r] + 1) % 4
                open_row[b] = rc_row
                cmds[nc, 0] = t; cmds[nc, 1] = 0; cmds[nc, 2] = r
                cmds[nc, 3] = g; cmds[nc, 4] = b % BA; cmds[nc, 5] = rc_row
            elif rc_kind == 1:
                b = rc_bank
                if t + rp > n_act[b]:
                    n_act[b] = t + rp
                if t + rp > n_ref[r]:
                    n_ref[r] = t + rp
                open_row[b] = -1
                cmds[nc, 0] = t; cmds[nc, 1] = 1; cmds[nc, 2] = r
                cmds[nc, 3] = (b // BA) % BG; cmds[nc, 4] = b % BA; cmds[nc, 5] = rc_row
            else:
                for b2 in range(lo, hi):
                    if t + rfc > n_act[b2]:
                        n_act[b2] = t + rfc
                if t + rfc > n_ref[r]:
                    n_ref[r] = t + rfc
                pending[r] = False
                ref_due[r] += refi
                cmds[nc, 0] = t; cmds[nc, 1] = 4; cmds[nc, 2] = r
                cmds[nc, 3] = 0; cmds[nc, 4] = 0; cmds[nc, 5] = 0
            nc += 1
        # ---- column-command bus
        for qi in range(qlen):
            i = queue[qi]
            b = bank_of[i]
            r = rank_of[i]
            if pending[r] or open_row[b] != row_of[i]:
                continue
            w = is_write[i] != 0
            e = n_wr[b] if w else n_rd[b]
            if t < e:
                if e < tnext:
                    tnext = e
                continue
            g = bg_of[i]
            for b2 in range(NB):
                r2 = b2 // (BG * BA)
                if r2 == r:
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
            cmds[nc, 0] = t; cmds[nc, 1] = 3 if w else 2; cmds[nc, 2] = r
            cmds[nc, 3] = g; cmds[nc, 4] = b % BA; cmds[nc, 5] = row_of[i]
            nc += 1
            issue[i] = t
            done[i] = t + (wlat if w else rlat)
            for qk in range(qi, qlen - 1):
                queue[qk] = queue[qk + 1]
            qlen -= 1
            served += 1
            changed = True
            break
        if nc + 8 > cap:
            new = np.empty((cap * 2, 6), np.int64)
            new[:nc] = cmds[:nc]
            cmds = new
            cap *= 2
        if changed:
            t += 1
        else:
            if nxt < n and qlen < qdepth and arrival[nxt] < tnext:
                tnext = arrival[nxt]
            for r in range(R):
                if (not pending[r]) and ref_due[r] < tnext:
                    tnext = ref_due[r]
            t = tnext if tnext > t + 1 else t + 1
    return cmds[:nc], done, issue


def run_fast(cfg: DramConfig, req: ChannelRequests, max_cycles: int | None = None) -> ChannelSchedule:
    """Schedule one channel's requests; same result as ``ReferenceController(cfg).run(req)``."""
    org = cfg.org
    bank_of = (req.rank * org.bankgroups + req.bg) * org.banks_per_group + req.bank
    cmds, done, issue = _kernel(req.arrival, req.is_write, np.ascontiguousarray(bank_of), req.rank, req.bg, req.row,
                                org.ranks, org.bankgroups, org.banks_per_group, cfg.controller.queue_depth,
                                Gaps.of(cfg).as_array(), np.int64(max_cycles if max_cycles is not None else _BIG))
    end = int(done.max()) if len(done) else 0
    return ChannelSchedule(cmds.copy(), done, issue, end)
