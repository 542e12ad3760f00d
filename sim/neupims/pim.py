"""Newton-style PIM command scheduling on one HBM-PIM channel.

A PIM stream is a list of *tiles*.  A tile opens every bank of the channel with
``ranks x bankgroups`` G_ACTs, runs ``n_gemv`` GEMVs (PIM_HEADER, ``comps`` COMPs,
READRES each) and closes the banks with one PIM_PRE.  A tile may be preceded by a
GWRITE that loads one row of input (q chunk or logits chunk) into the channel's
global buffer.  Each COMP makes all banks multiply-accumulate ``lanes_per_bank``
elements of their open row (32 banks x 16 lanes = 512 MACs).

Commands issue in stream order, at most one per cycle.  Constraints (tCK cycles):

==============  ===============================================================
GWRITE          >= last READRES + (CL + burst - CWL + tRTRS) (bus turnaround);
                >= previous GWRITE + gwrite_cycles; buffer ready at
                t + CWL + gwrite_cycles (gwrite_cycles = row_bytes / bus bytes per cycle,
                or ``PimParams.gwrite_cycles`` when the preset sets it)
G_ACT (r, g)    >= last PIM_PRE + tRP; >= last G_ACT of rank r + gact_gap_s (gact_gap_l
                same group); >= last G_ACT of (r, g) + tRC; <= 4 G_ACTs of rank r per
                tFAW.  gact_gap_s/l = tRRD_S/L (``gact_gap: trrd``) or tFAW
                (``gact_gap: tfaw``: a G_ACT opens the 4 banks of a group, a whole
                tFAW budget of 4 activations)
PIM_HEADER      bus only
COMP            >= last G_ACT of the tile + tRCD; >= previous COMP + comp_interval;
                >= buffer ready; >= last READRES + comp_interval
READRES         >= last COMP + comp_interval; result after CL + burst
PIM_PRE         >= last G_ACT + tRAS; single row buffer also >= last COMP / READRES
                + tRTP (dual row buffer: "PIM -> precharge is free", spec/neupims.md)
==============  ===============================================================

Refresh-aware issue: a tile is started only if ``[first G_ACT, PIM_PRE + tRP)``
does not overlap a refresh window ``[due, due + tRFC)`` of any rank (dues at
``tREFI*(r+1)/ranks + k*tREFI``, as in :mod:`sim.dram.reference`); otherwise it
starts at the end of that window.

:func:`schedule_reference` walks every command; :func:`schedule_fast` evaluates the
same recurrences per tile with the COMP train in closed form.  Tests hold them equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numba as nb
import numpy as np

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.timing import Gaps
from llmaccel.workloads.errors import InputError

GWRITE, G_ACT, PIM_HEADER, COMP, READRES, PIM_PRE = range(6)
PIM_CMD_NAMES = ("GWRITE", "G_ACT", "PIM_HEADER", "COMP", "READRES", "PIM_PRE")

#: tile array columns: gwrite (0/1), n_gemv, comps per GEMV, useful MACs
TILE_FIELDS = ("gwrite", "n_gemv", "comps", "macs")


@dataclass(frozen=True)
class PimParams:
    """PIM unit parameters (preset section ``pim``).

    Attributes:
        lanes_per_bank: fp16 multipliers per bank (elements per COMP per bank).
        comp_interval: cycles between COMPs (spec: one COMP every 2 cycles).
        elem_bytes: bytes per element in the banks (fp16: 2).
        gact_gap: spacing of two G_ACTs of one rank: ``"trrd"`` (tRRD_S, tRRD_L within a bank
            group, as two ACTs) or ``"tfaw"`` (tFAW: each G_ACT activates 4 banks, the whole
            four-activate window; the authors' NewtonSim, ``timing.cc`` same_rank[G_ACT]).
        gwrite_cycles: cycles one GWRITE occupies (its row transfer); ``None`` = the row's bytes at
            the channel bus rate (1 KB / 32 B = 32 cycles).
        issue: how the NPU hands PIM instructions to the channels.  ``"composite_parallel"``: one
            composite PIM_COMPS_READRES per GEMV and every ready instruction of a tile pushed to its
            channel's queue in the same cycle (NeuPIMs; the authors' artifact, main branch,
            src/NeuPIMSystolicWS.cc:165 ``while``), so only the channels' own schedules count.
            ``"serial_fine_grained"``: Newton's per-dot-product commands (one PIM_COMP per COMP plus a
            PIM_READRES, :func:`newton_instruction_count`) leave one NPU-side FIFO at one instruction
            per NPU core cycle for all channels together (artifact, npu+pim branch = the naive
            NPU+PIM baseline, src/NeuPIMSystolicWS.cc:153 ``if``), so the attention's PIM phase takes
            at least the device's instruction count in NPU cycles.
    """

    lanes_per_bank: int
    comp_interval: int
    elem_bytes: int
    gact_gap: Literal["trrd", "tfaw"] = "trrd"
    gwrite_cycles: int | None = None
    issue: Literal["composite_parallel", "serial_fine_grained"] = "composite_parallel"


@dataclass
class PimTiming:
    """Derived timing used by both schedulers (cycles)."""

    tRP: int
    tRAS: int
    tRC: int
    tRCD: int
    tRTP: int
    tRRD_S: int
    tRRD_L: int
    tFAW: int
    tRFC: int
    tREFI: int
    CL: int
    CWL: int
    burst: int
    rd2wr: int
    gwrite_cycles: int
    comp_interval: int
    ranks: int
    bankgroups: int
    gact_gap_s: int = 0
    gact_gap_l: int = 0

    def __post_init__(self) -> None:
        if self.gact_gap_s <= 0:  # G_ACT -> G_ACT of one rank defaults to the ACT -> ACT gaps
            self.gact_gap_s, self.gact_gap_l = self.tRRD_S, self.tRRD_L

    @classmethod
    def of(cls, dram: DramConfig, pim: PimParams) -> PimTiming:
        t, g = dram.timing, Gaps.of(dram)
        gw = pim.gwrite_cycles or -(-dram.org.row_bytes // int(dram.peak_bytes_per_cycle_channel))
        gap_s, gap_l = (t.tFAW, t.tFAW) if pim.gact_gap == "tfaw" else (t.tRRD_S, t.tRRD_L)
        return cls(
            t.tRP,
            t.tRAS,
            t.tRC,
            t.tRCD,
            t.tRTP,
            t.tRRD_S,
            t.tRRD_L,
            t.tFAW,
            t.tRFC,
            t.tREFI,
            t.CL,
            t.CWL,
            dram.burst_cycles,
            g.rd2wr,
            gw,
            pim.comp_interval,
            dram.org.ranks,
            dram.org.bankgroups,
            gap_s,
            gap_l,
        )

    def gact_order(self) -> list[tuple[int, int]]:
        """G_ACT targets of a tile: bank groups in order, ranks interleaved."""
        return [(r, g) for g in range(self.bankgroups) for r in range(self.ranks)]


@dataclass
class PimSchedule:
    """Outcome of one channel's stream.

    Attributes:
        end_cycle: cycle after the last command's effect (last PRE + tRP, or last result).
        counts: command name -> count.
        macs: useful multiply-accumulates.
        bus_cycles: data-bus cycles used (GWRITE data + READRES data).
        times: per-command issue cycles (reference only; empty for fast).
    """

    end_cycle: int
    counts: dict[str, int]
    macs: int
    bus_cycles: int
    times: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


#: a tile that still overlaps a refresh window after this many moves per rank never fits
MAX_REFRESH_RETRIES = 2


def _too_long(length: int, pt: PimTiming) -> InputError:
    return InputError(
        "pim tile",
        f"a PIM tile of {length} cycles cannot fit between refreshes "
        f"(tREFI {pt.tREFI} over {pt.ranks} ranks, tRFC {pt.tRFC})",
    )


def refresh_windows_until(pt: PimTiming, horizon: int) -> list[tuple[int, int]]:
    """Refresh windows ``(start, end)`` of all ranks starting before ``horizon``, sorted."""
    out = []
    for r in range(pt.ranks):
        w = pt.tREFI * (r + 1) // pt.ranks
        while w < horizon:
            out.append((w, w + pt.tRFC))
            w += pt.tREFI
    return sorted(out)


def _conflict(start: int, end: int, pt: PimTiming) -> int | None:
    """End of the first refresh window overlapping ``[start, end)``, or None."""
    for r in range(pt.ranks):
        first = pt.tREFI * (r + 1) // pt.ranks
        # windows w_k = first + k*tREFI; the latest one starting before `end`
        if end <= first:
            continue
        k = (end - 1 - first) // pt.tREFI
        for kk in range(max(0, k - (pt.tRFC // pt.tREFI) - 1), k + 1):
            w = first + kk * pt.tREFI
            if w < end and start < w + pt.tRFC:
                return w + pt.tRFC
    return None


def expand_commands(tiles: np.ndarray, pt: PimTiming) -> np.ndarray:
    """Explicit command list ``(n, 4)``: cmd, rank, bg, tile index."""
    rows = []
    for i, (gw, n_gemv, comps, _m) in enumerate(np.asarray(tiles, np.int64)):
        if gw:
            rows.append((GWRITE, 0, 0, i))
        for r, g in pt.gact_order():
            rows.append((G_ACT, r, g, i))
        for _ in range(n_gemv):
            rows.append((PIM_HEADER, 0, 0, i))
            rows.extend([(COMP, 0, 0, i)] * int(comps))
            rows.append((READRES, 0, 0, i))
        rows.append((PIM_PRE, 0, 0, i))
    return np.array(rows, np.int64).reshape(-1, 4)


def schedule_reference(tiles: np.ndarray, pt: PimTiming, dual_row_buffer: bool, start: int = 0) -> PimSchedule:
    """Per-command scheduler: each command at the earliest cycle meeting every rule above."""
    cmds = expand_commands(tiles, pt)
    NEG = -(1 << 40)
    times = np.zeros(len(cmds), np.int64)
    t_last = start - 1
    last_pre = NEG
    last_rr = NEG
    last_comp = NEG
    last_gw = NEG
    buf_ready = start
    gact_rank: dict[int, list[tuple[int, int]]] = {r: [] for r in range(pt.ranks)}  # (time, bg)
    gact_bank: dict[tuple[int, int], int] = {}
    i = 0
    n = len(cmds)
    end = start
    while i < n:
        c, r, g, ti = (int(x) for x in cmds[i])
        if c == G_ACT and (i == 0 or cmds[i - 1][0] != G_ACT):
            # first G_ACT of a tile: schedule the tile's commands tentatively, retry after refresh
            j = i
            while j < n and cmds[j][3] == ti:
                j += 1
            floor = t_last + 1
            retries = 0
            while True:
                snap = (t_last, last_rr, last_comp, {k: list(v) for k, v in gact_rank.items()}, dict(gact_bank))
                tt = _ref_tile(
                    cmds[i:j],
                    pt,
                    dual_row_buffer,
                    floor,
                    t_last,
                    last_pre,
                    last_rr,
                    last_comp,
                    buf_ready,
                    gact_rank,
                    gact_bank,
                )
                tile_end = int(tt[-1]) + pt.tRP
                conflict = _conflict(int(tt[0]), tile_end, pt)
                if conflict is None:
                    break
                t_last, last_rr, last_comp, gact_rank, gact_bank = snap[0], snap[1], snap[2], snap[3], snap[4]
                floor = conflict
                retries += 1
                if retries > MAX_REFRESH_RETRIES * pt.ranks:
                    raise _too_long(tile_end - int(tt[0]), pt)
            times[i:j] = tt
            # commit state
            for k in range(i, j):
                ck = int(cmds[k][0])
                if ck == COMP:
                    last_comp = int(times[k])
                elif ck == READRES:
                    last_rr = int(times[k])
            last_pre = int(times[j - 1])
            t_last = last_pre
            end = max(end, last_pre + pt.tRP)
            i = j
            continue
        # GWRITE (the only command outside tiles)
        t = max(t_last + 1, last_rr + pt.rd2wr, last_gw + pt.gwrite_cycles)
        times[i] = t
        last_gw = t
        buf_ready = t + pt.CWL + pt.gwrite_cycles
        t_last = t
        end = max(end, buf_ready)
        i += 1
    counts = {name: int(np.count_nonzero(cmds[:, 0] == k)) for k, name in enumerate(PIM_CMD_NAMES)}
    macs = int(np.asarray(tiles, np.int64)[:, 3].sum()) if len(tiles) else 0
    bus = counts["GWRITE"] * pt.gwrite_cycles + counts["READRES"] * pt.burst
    return PimSchedule(end, counts, macs, bus, times)


def _ref_tile(cmds, pt, dual, floor, t_last, last_pre, last_rr, last_comp, buf_ready, gact_rank, gact_bank):
    """Issue times of one tile's commands (mutates gact_rank/gact_bank)."""
    out = np.zeros(len(cmds), np.int64)
    t_prev = max(t_last, floor - 1)
    tile_gacts: list[int] = []
    for k, (c, r, g, _ti) in enumerate(cmds):
        c, r, g = int(c), int(r), int(g)
        t = t_prev + 1
        if c == G_ACT:
            t = max(t, last_pre + pt.tRP)
            hist = gact_rank[r]
            for tp, gp in hist:
                t = max(t, tp + (pt.gact_gap_l if gp == g else pt.gact_gap_s))
            if len(hist) >= 4:
                t = max(t, hist[-4][0] + pt.tFAW)
            if (r, g) in gact_bank:
                t = max(t, gact_bank[(r, g)] + pt.tRC)
            hist.append((t, g))
            gact_bank[(r, g)] = t
            tile_gacts.append(t)
        elif c == COMP:
            t = max(t, max(tile_gacts) + pt.tRCD, last_comp + pt.comp_interval, buf_ready, last_rr + pt.comp_interval)
            last_comp = t
        elif c == READRES:
            t = max(t, last_comp + pt.comp_interval)
            last_rr = t
        elif c == PIM_PRE:
            t = max(t, max(tile_gacts) + pt.tRAS)
            if not dual:
                t = max(t, last_comp + pt.tRTP, last_rr + pt.tRTP)
        out[k] = t
        t_prev = t
    return out


@nb.njit(cache=True)
def _tile_times(
    tp, ranks, bankgroups, dual, n_gemv, comps, floor, t_last, last_pre, last_comp, last_rr, buf_ready, h_t, h_g, b_l
):
    """Issue times of one tile from PIM-only state (updates the G_ACT registers ``h_t, h_g, b_l``).

    Returns (first G_ACT, last G_ACT, last COMP, last READRES, PIM_PRE)."""
    tRP, tRAS, tRC, tRCD, tRTP, gap_s, gap_l, tFAW, ci = (
        tp[0],
        tp[1],
        tp[2],
        tp[3],
        tp[4],
        tp[5],
        tp[6],
        tp[7],
        tp[15],
    )
    NEG = -(np.int64(1) << 40)
    t = max(t_last, floor - 1)
    g_first = NEG
    for g in range(bankgroups):
        for r in range(ranks):
            t = max(t + 1, last_pre + tRP)
            for q in range(4):
                if h_g[r, q] >= 0:
                    t = max(t, h_t[r, q] + (gap_l if h_g[r, q] == g else gap_s))
            t = max(t, h_t[r, 0] + tFAW)
            t = max(t, b_l[r, g] + tRC)
            for q in range(3):
                h_t[r, q] = h_t[r, q + 1]
                h_g[r, q] = h_g[r, q + 1]
            h_t[r, 3] = t
            h_g[r, 3] = g
            b_l[r, g] = t
            if g_first == NEG:
                g_first = t
    g_last = t
    lc = last_comp
    lr = last_rr
    for _ in range(n_gemv):
        hdr = t + 1
        c0 = max(hdr + 1, g_last + tRCD, lc + ci, buf_ready, lr + ci)
        lc = c0 + (comps - 1) * ci
        lr = max(lc + 1, lc + ci)
        t = lr
    pre = max(t + 1, g_last + tRAS)
    if not dual:
        pre = max(pre, lc + tRTP, lr + tRTP)
    return g_first, g_last, lc, lr, pre


@nb.njit(cache=True)
def _refresh_conflict(tp, ranks, start, end):
    """End of the first refresh window (any rank) overlapping ``[start, end)``, or -1."""
    tRFC, tREFI = tp[8], tp[9]
    for r in range(ranks):
        first = tREFI * (r + 1) // ranks
        if end <= first:
            continue
        k = (end - 1 - first) // tREFI
        kk = max(0, k - tRFC // tREFI - 1)
        while kk <= k:
            w = first + kk * tREFI
            if w < end and start < w + tRFC:
                return w + tRFC
            kk += 1
    return -1


@nb.njit(cache=True)
def tile_floor(
    tp,
    ranks,
    bankgroups,
    dual,
    n_gemv,
    comps,
    t_last,
    last_pre,
    last_comp,
    last_rr,
    buf_ready,
    hist_t,
    hist_g,
    bank_last,
    h_t,
    h_g,
    b_l,
):
    """Refresh-aware start of the next tile: from ``t_last + 1``, move past every refresh
    window the tentative tile would overlap.

    Returns (floor, first G_ACT, last COMP, last READRES, PIM_PRE, ok); ``h_t, h_g, b_l``
    hold the G_ACT registers after the tentative tile.  ``ok`` is False when the tile cannot
    fit between refreshes."""
    tRP = tp[0]
    floor = t_last + 1
    retries = 0
    while True:
        h_t[:, :] = hist_t
        h_g[:, :] = hist_g
        b_l[:, :] = bank_last
        g_first, _gl, lc, lr, pre = _tile_times(
            tp,
            ranks,
            bankgroups,
            dual,
            n_gemv,
            comps,
            floor,
            t_last,
            last_pre,
            last_comp,
            last_rr,
            buf_ready,
            h_t,
            h_g,
            b_l,
        )
        conflict = _refresh_conflict(tp, ranks, g_first, pre + tRP)
        if conflict < 0:
            return floor, g_first, lc, lr, pre, True
        floor = conflict
        retries += 1
        if retries > 2 * ranks:
            return floor, g_first, lc, lr, pre, False


@nb.njit(cache=True)
def _fast_kernel(tiles, tp, ranks, bankgroups, dual, start):
    tRP, rd2wr, gwc, CWL = tp[0], tp[13], tp[14], tp[11]
    NEG = -(np.int64(1) << 40)
    t_last = start - 1
    last_pre = NEG
    last_rr = NEG
    last_comp = NEG
    last_gw = NEG
    buf_ready = start
    end = start
    hist_t = np.full((ranks, 4), NEG, np.int64)  # last 4 G_ACTs per rank, oldest first
    hist_g = np.full((ranks, 4), -1, np.int64)
    bank_last = np.full((ranks, bankgroups), NEG, np.int64)
    h_t = np.empty((ranks, 4), np.int64)
    h_g = np.empty((ranks, 4), np.int64)
    b_l = np.empty((ranks, bankgroups), np.int64)
    n_gw = 0
    n_gemv_tot = 0
    n_comp = 0
    for i in range(tiles.shape[0]):
        gw, n_gemv, comps = tiles[i, 0], tiles[i, 1], tiles[i, 2]
        if gw:
            t = max(t_last + 1, last_rr + rd2wr, last_gw + gwc)
            last_gw = t
            buf_ready = t + CWL + gwc
            t_last = t
            end = max(end, buf_ready)
            n_gw += 1
        _floor, g_first, lc, lr, pre, ok = tile_floor(
            tp,
            ranks,
            bankgroups,
            dual,
            n_gemv,
            comps,
            t_last,
            last_pre,
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
            return -(pre + tRP - g_first), 0, 0, 0
        hist_t[:, :] = h_t
        hist_g[:, :] = h_g
        bank_last[:, :] = b_l
        last_comp = lc
        last_rr = lr
        last_pre = pre
        t_last = pre
        end = max(end, pre + tRP)
        n_gemv_tot += n_gemv
        n_comp += n_gemv * comps
    return end, n_gw, n_gemv_tot, n_comp


def _tp_vector(pt: PimTiming) -> np.ndarray:
    return np.array(
        [
            pt.tRP,
            pt.tRAS,
            pt.tRC,
            pt.tRCD,
            pt.tRTP,
            pt.gact_gap_s,  # slots 5, 6: G_ACT -> G_ACT of one rank (also mixed_fast)
            pt.gact_gap_l,
            pt.tFAW,
            pt.tRFC,
            pt.tREFI,
            pt.CL,
            pt.CWL,
            pt.burst,
            pt.rd2wr,
            pt.gwrite_cycles,
            pt.comp_interval,
        ],
        np.int64,
    )


def schedule_fast(tiles: np.ndarray, pt: PimTiming, dual_row_buffer: bool, start: int = 0) -> PimSchedule:
    """Tile-level scheduler (numba): same result as :func:`schedule_reference`.

    Across tiles only the last four G_ACTs of each rank, the last G_ACT of each
    (rank, bank group), the last PRE / COMP / READRES / GWRITE and the buffer-ready
    time matter; a GEMV's COMP train is evaluated in closed form
    (``first + (comps - 1) * comp_interval``).
    """
    tiles = np.ascontiguousarray(np.asarray(tiles, np.int64).reshape(-1, 4))
    end, n_gw, n_gemv, n_comp = _fast_kernel(
        tiles, _tp_vector(pt), pt.ranks, pt.bankgroups, bool(dual_row_buffer), np.int64(start)
    )
    if end < 0:
        raise _too_long(-int(end), pt)
    n_tiles = len(tiles)
    counts = {
        "GWRITE": int(n_gw),
        "G_ACT": n_tiles * pt.ranks * pt.bankgroups,
        "PIM_HEADER": int(n_gemv),
        "COMP": int(n_comp),
        "READRES": int(n_gemv),
        "PIM_PRE": n_tiles,
    }
    macs = int(tiles[:, 3].sum()) if n_tiles else 0
    return PimSchedule(int(end), counts, macs, int(n_gw) * pt.gwrite_cycles + int(n_gemv) * pt.burst)


def newton_instruction_count(
    kv_len: np.ndarray, heads: int, head_dim: int, row_elems: int, banks: int, lanes: int
) -> np.ndarray:
    """PIM instructions the authors' naive NPU+PIM artifact emits for one layer's decode MHA of
    each request (``kv_len`` tokens in its KV cache), branch ``npu+pim`` with ``dram_type newton``.

    K.q (src/operations/NeuPIMSLogitSoftmax.cc:176-262, loop sizes :310-323): per chunk of
    ``row_elems`` of the device's ``E = heads x head_dim`` one PIM_GWRITE, then per key tile of
    ``banks`` tokens (``get_allocated_seq_len() / banks``, src/tensor/PIMTensor.cc:43-47) one
    PIM_HEADER and, per head in the chunk (``ceil(row_elems / head_dim)``; the last chunk
    ``ceil((E % row_elems) / head_dim)``), ``ceil(head_dim / lanes)`` PIM_COMP + one PIM_READRES
    (NEWTON branch :231-252).

    logits.V (src/operations/NeuPIMSAttend.cc:152-240, :204-225, loop sizes :250-262): per head and
    per chunk of ``row_elems`` tokens one PIM_GWRITE, then ``ceil(head_dim / banks)`` tiles of one
    PIM_HEADER + ``num_comps`` PIM_COMP + one PIM_READRES, ``num_comps = row_elems / lanes`` (the
    last, partial chunk ``ceil((kv_len % row_elems) / lanes)``).

    Row size, banks and lanes come from the artifact's configs/memory_configs/newton.json
    (``dram_page_size`` 1024 B at ``precision`` 2, ``dram_banks_per_ch`` 32, ``pim_comp_coverage`` 16).
    """
    kv = np.asarray(kv_len, dtype=np.int64)
    e = heads * head_dim
    chunks = -(-e // row_elems)
    per_tile = -(-row_elems // head_dim)
    last = per_tile if e % row_elems == 0 else -(-(e % row_elems) // head_dim)
    heads_in_chunks = (chunks - 1) * per_tile + last
    comps_per_head = -(-head_dim // lanes)
    key_tiles = -(-kv // banks)
    kq = chunks + chunks * key_tiles + key_tiles * heads_in_chunks * (comps_per_head + 1)
    full, rem = kv // row_elems, kv % row_elems
    v_tiles = -(-head_dim // banks)
    chunk_cost = lambda comps: 1 + v_tiles * (2 + comps)  # noqa: E731
    lv = heads * (full * chunk_cost(row_elems // lanes) + np.where(rem > 0, chunk_cost(-(-rem // lanes)), 0))
    return kq + lv
