"""Fast mixed normal + PIM channel: the rules of :mod:`sim.neupims.mixed` in numba.

Like :mod:`sim.dram.fast`, every constraint is kept as a next-allowed-cycle register
(per bank for ACT/PRE/RD/WR, per rank for REF, per (rank, bank group) for G_ACT, scalars
for the PIM column commands, a four-entry ring per rank for tFAW over ACTs and G_ACTs
together).  Issuing a command raises the registers it constrains, so legality is a
comparison and a cycle in which nothing can issue is skipped to the earliest register,
arrival or refresh due.  A tile's refresh-aware floor uses the PIM-only registers and the
tile timing of :mod:`sim.neupims.pim`.  Tests hold the command trace equal to
:mod:`sim.neupims.mixed_reference`.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.fast import (
    col_candidate,
    controller_state,
    issue_act,
    issue_col,
    issue_pre,
    issue_ref,
    next_cycle,
    pop_queue,
    record,
    refresh_candidate,
    row_candidate,
    start_cycle,
)
from llmaccel.sim.dram.requests import ChannelRequests
from llmaccel.sim.dram.timing import Gaps
from llmaccel.sim.neupims.mixed_common import PIM_BASE, MixedSchedule, cross_gaps
from llmaccel.sim.neupims.pim import (
    COMP,
    G_ACT,
    GWRITE,
    PIM_PRE,
    READRES,
    PimTiming,
    _too_long,
    _tp_vector,
    expand_commands,
    tile_floor,
)

_XG = ("rd2gw", "wr2gw", "gw2rd", "gw2wr", "rd2rr", "wr2rr", "rr2wr")


@nb.njit(cache=True)
def _kernel(
    arrival, is_write, bank_of, rank_of, bg_of, row_of, pc, tiles, R, BG, BA, qdepth, gp, tp, xg, dual, max_cycles
):
    rp = gp[3]
    rrd_s, rrd_l, faw, rfc, refi = gp[6], gp[7], gp[8], gp[9], gp[10]
    rlat, wlat = gp[18], gp[19]
    # p_gact_s/l: G_ACT -> G_ACT of one rank (tRRD_S/L, or tFAW under pim.gact_gap: tfaw)
    p_rp, p_ras, p_rc, p_rcd, p_rtp, p_gact_s, p_gact_l = tp[0], tp[1], tp[2], tp[3], tp[4], tp[5], tp[6]
    p_cwl, p_rd2wr, gwc, ci = tp[11], tp[13], tp[14], tp[15]
    rd2gw, wr2gw, gw2rd, gw2wr, rd2rr, wr2rr, rr2wr = xg[0], xg[1], xg[2], xg[3], xg[4], xg[5], xg[6]
    n = arrival.shape[0]
    npim = pc.shape[0]
    NB = R * BG * BA
    BIG = np.int64(1) << 62
    NEG = -(np.int64(1) << 40)
    (open_row, n_act, n_pre, n_rd, n_wr, n_ref, faw_ring, faw_pos, ref_due, pending, queue, seen) = controller_state(
        R, BG, BA, refi, qdepth
    )
    qlen = 0
    done = np.full(n, -1, np.int64)
    cmds = np.empty((4 * n + npim + 64, 6), np.int64)
    nc = 0
    # PIM state
    gact_ready = np.zeros((R, BG), np.int64)
    gact_ready_pim = np.zeros((R, BG), np.int64)  # the same without normal ACT/PRE constraints
    hist_t = np.full((R, 4), NEG, np.int64)  # PIM-only G_ACT registers (tile floor), as sim.neupims.pim
    hist_g = np.full((R, 4), -1, np.int64)
    bank_last = np.full((R, BG), NEG, np.int64)
    h_t = np.empty((R, 4), np.int64)
    h_g = np.empty((R, 4), np.int64)
    b_l = np.empty((R, BG), np.int64)
    k = 0
    floor_k = -1
    floor = np.int64(0)
    prev_pim = np.int64(-1)
    last_pim_pre = NEG
    last_rr = NEG
    last_comp = NEG
    last_gw = NEG
    last_rd = NEG
    last_wr = NEG
    buf_ready = np.int64(0)
    pim_end = np.int64(0)
    tile_open = False
    tile_gmax = NEG
    pim_mode = False
    nxt = 0
    served = 0
    t = np.int64(0)
    while (served < n or k < npim) and t < max_cycles:
        nxt, qlen, changed = start_cycle(t, arrival, nxt, queue, qlen, qdepth, pending, ref_due)
        any_pending = pending.any()
        # tile floor of a tile whose first G_ACT is at the head
        if k < npim and pc[k, 0] == G_ACT and (not tile_open) and floor_k != k:
            ti = pc[k, 3]
            fl, g_first, _lc, _lr, pre, ok = tile_floor(
                tp,
                R,
                BG,
                dual,
                tiles[ti, 1],
                tiles[ti, 2],
                prev_pim,
                last_pim_pre,
                last_comp,
                last_rr,
                buf_ready,
                hist_t,
                hist_g,
                bank_last,
                h_t,
                h_g,
                b_l,
            )
            if not ok:
                return cmds[:0], done, np.int64(-(pre + p_rp - g_first)), np.int64(0), True
            floor = fl
            floor_k = k
        tnext = BIG
        hold_act = False
        pim_may = k < npim and (dual or pim_mode or qlen == 0)
        normal_may = dual or not pim_mode
        # ---------------- row-command bus
        rk, rb, rr_, rrow, tnext = refresh_candidate(
            t, R, BG, BA, pending, open_row, n_pre, n_ref, not tile_open, tnext
        )
        if rk < 0 and pim_may and (pc[k, 0] == G_ACT or pc[k, 0] == PIM_PRE):
            c = pc[k, 0]
            r = pc[k, 1]
            g = pc[k, 2]
            busy = -1
            if c == G_ACT and not dual:
                for b in range((r * BG + g) * BA, (r * BG + g + 1) * BA):
                    if open_row[b] >= 0:
                        busy = b
                        break
            if busy >= 0:
                if t >= n_pre[busy]:
                    rk = 1
                    rb = busy
                    rr_ = r
                    rrow = open_row[busy]
                elif n_pre[busy] < tnext:
                    tnext = n_pre[busy]
            else:
                e = prev_pim + 1
                ok = True
                if c == G_ACT:
                    if not tile_open:
                        if any_pending:
                            ok = False
                        if floor > e:
                            e = floor
                    e_int = max(e, gact_ready_pim[r, g], hist_t[r, 0] + faw)
                    if gact_ready[r, g] > e:
                        e = gact_ready[r, g]
                    if faw_ring[r, faw_pos[r]] + faw > e:
                        e = faw_ring[r, faw_pos[r]] + faw
                    if ok and t >= e_int and t < e:
                        hold_act = True
                else:
                    if tile_gmax + p_ras > e:
                        e = tile_gmax + p_ras
                    if not dual:
                        e = max(e, last_comp + p_rtp, last_rr + p_rtp)
                if ok and t >= e:
                    rk = 10
                elif ok and e < tnext:
                    tnext = e
        if rk < 0 and normal_may:
            rk, rb, rr_, rrow, tnext = row_candidate(
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
                not (hold_act or ((not dual) and tile_open)),
                tnext,
            )
        if rk == 10:
            changed = True
            c = pc[k, 0]
            r = pc[k, 1]
            g = pc[k, 2]
            if c == G_ACT:
                tile_open = True
                if t > tile_gmax:
                    tile_gmax = t
                for g2 in range(BG):
                    v = t + (p_gact_l if g2 == g else p_gact_s)
                    if v > gact_ready[r, g2]:
                        gact_ready[r, g2] = v
                if t + p_rc > gact_ready[r, g]:
                    gact_ready[r, g] = t + p_rc
                for g2 in range(BG):
                    v = t + (p_gact_l if g2 == g else p_gact_s)
                    if v > gact_ready_pim[r, g2]:
                        gact_ready_pim[r, g2] = v
                if t + p_rc > gact_ready_pim[r, g]:
                    gact_ready_pim[r, g] = t + p_rc
                for b2 in range(r * BG * BA, (r + 1) * BG * BA):
                    v = t + (rrd_l if (b2 // BA) % BG == g else rrd_s)
                    if v > n_act[b2]:
                        n_act[b2] = v
                faw_ring[r, faw_pos[r]] = t
                faw_pos[r] = (faw_pos[r] + 1) % 4
                for q in range(3):
                    hist_t[r, q] = hist_t[r, q + 1]
                    hist_g[r, q] = hist_g[r, q + 1]
                hist_t[r, 3] = t
                hist_g[r, 3] = g
                bank_last[r, g] = t
                pim_mode = True
            else:
                tile_open = False
                tile_gmax = NEG
                last_pim_pre = t
                if t + p_rp > pim_end:
                    pim_end = t + p_rp
                for r2 in range(R):
                    for g2 in range(BG):
                        if t + p_rp > gact_ready[r2, g2]:
                            gact_ready[r2, g2] = t + p_rp
                        if t + p_rp > gact_ready_pim[r2, g2]:
                            gact_ready_pim[r2, g2] = t + p_rp
                    if t + rp > n_ref[r2]:
                        n_ref[r2] = t + rp
                if not dual:
                    for b2 in range(NB):
                        if t + rp > n_act[b2]:
                            n_act[b2] = t + rp
                pim_mode = False
            prev_pim = t
            cmds, nc = record(cmds, nc, t, PIM_BASE + c, r, g, -1, pc[k, 3])
            k += 1
        elif rk >= 0:
            changed = True
            r = rr_
            if rk == 0:
                g = (rb // BA) % BG
                issue_act(t, rb, r, rrow, BG, BA, gp, n_act, n_rd, n_wr, n_pre, faw_ring, faw_pos, open_row)
                for g2 in range(BG):
                    v = t + (rrd_l if g2 == g else rrd_s)
                    if v > gact_ready[r, g2]:
                        gact_ready[r, g2] = v
                cmds, nc = record(cmds, nc, t, 0, r, g, rb % BA, rrow)
            elif rk == 1:
                g = (rb // BA) % BG
                issue_pre(t, rb, r, rp, n_act, n_ref, open_row)
                if (not dual) and t + rp > gact_ready[r, g]:
                    gact_ready[r, g] = t + rp
                cmds, nc = record(cmds, nc, t, 1, r, g, rb % BA, rrow)
            else:
                issue_ref(t, r, BG, BA, rfc, refi, n_act, n_ref, pending, ref_due)
                for g2 in range(BG):
                    if t + rfc > gact_ready[r, g2]:
                        gact_ready[r, g2] = t + rfc
                    if t + rfc > gact_ready_pim[r, g2]:
                        gact_ready_pim[r, g2] = t + rfc
                cmds, nc = record(cmds, nc, t, 4, r, 0, 0, 0)
        # ---------------- column-command bus
        col = False
        hold_col = False
        if pim_may and k < npim and pc[k, 0] != G_ACT and pc[k, 0] != PIM_PRE:
            c = pc[k, 0]
            e = prev_pim + 1
            if c == GWRITE:
                e = max(e, last_rr + p_rd2wr, last_gw + gwc)
                e_int = e
                e = max(e, last_rd + rd2gw, last_wr + wr2gw)
            elif c == COMP:
                e = max(e, tile_gmax + p_rcd, last_comp + ci, buf_ready, last_rr + ci)
                e_int = e
            elif c == READRES:
                e = max(e, last_comp + ci)
                e_int = e
                e = max(e, last_rd + rd2rr, last_wr + wr2rr)
            else:
                e_int = e
            if t >= e_int and t < e:
                hold_col = True
            if t >= e:
                col = True
                changed = True
                if c == GWRITE:
                    last_gw = t
                    buf_ready = t + p_cwl + gwc
                    if buf_ready > pim_end:
                        pim_end = buf_ready
                    for b2 in range(NB):
                        if t + gw2rd > n_rd[b2]:
                            n_rd[b2] = t + gw2rd
                        if t + gw2wr > n_wr[b2]:
                            n_wr[b2] = t + gw2wr
                elif c == COMP:
                    last_comp = t
                elif c == READRES:
                    last_rr = t
                    for b2 in range(NB):
                        if t + rd2rr > n_rd[b2]:
                            n_rd[b2] = t + rd2rr
                        if t + rr2wr > n_wr[b2]:
                            n_wr[b2] = t + rr2wr
                pim_mode = True
                prev_pim = t
                cmds, nc = record(cmds, nc, t, PIM_BASE + c, pc[k, 1], pc[k, 2], -1, pc[k, 3])
                k += 1
            elif e < tnext:
                tnext = e
        if (not col) and (not hold_col) and normal_may:
            qi, tnext = col_candidate(
                t, queue, qlen, bank_of, rank_of, row_of, is_write, pending, open_row, n_rd, n_wr, tnext
            )
            if qi >= 0:
                i = queue[qi]
                w = is_write[i] != 0
                b = bank_of[i]
                issue_col(t, b, rank_of[i], bg_of[i], w, BG, BA, gp, n_rd, n_wr, n_pre)
                if w:
                    last_wr = t
                else:
                    last_rd = t
                cmds, nc = record(cmds, nc, t, 3 if w else 2, rank_of[i], bg_of[i], b % BA, row_of[i])
                done[i] = t + (wlat if w else rlat)
                qlen = pop_queue(queue, qlen, qi)
                served += 1
                changed = True
        t = next_cycle(t, changed, tnext, arrival, nxt, qlen, qdepth, pending, ref_due)
    normal_end = np.int64(0)
    for i in range(n):
        if done[i] > normal_end:
            normal_end = done[i]
    return cmds[:nc], done, normal_end, pim_end, False


def run_mixed_fast(
    dram: DramConfig, pt: PimTiming, req: ChannelRequests, tiles: np.ndarray, dual: bool
) -> MixedSchedule:
    """Schedule one channel's normal requests and PIM tiles; same trace as the reference."""
    org = dram.org
    tiles = np.ascontiguousarray(np.asarray(tiles, np.int64).reshape(-1, 4))
    pc = np.ascontiguousarray(expand_commands(tiles, pt))
    bank_of = np.ascontiguousarray((req.rank * org.bankgroups + req.bg) * org.banks_per_group + req.bank)
    x = cross_gaps(dram, pt)
    xg = np.array([x[name] for name in _XG], np.int64)
    cmds, done, normal_end, pim_end, too_long = _kernel(
        req.arrival,
        req.is_write,
        bank_of,
        req.rank,
        req.bg,
        req.row,
        pc,
        tiles,
        org.ranks,
        org.bankgroups,
        org.banks_per_group,
        dram.controller.queue_depth,
        Gaps.of(dram).as_array(),
        _tp_vector(pt),
        xg,
        bool(dual),
        np.int64(1) << 62,
    )
    if too_long:
        raise _too_long(-int(normal_end), pt)
    return MixedSchedule(cmds.copy(), done, int(normal_end), int(pim_end))
