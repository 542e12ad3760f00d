"""Vectors for the PIM command sequencer (:mod:`rtl.neupims.sequencer`) from the Python models.

Golden models, used as they are:

* PIM-only streams: :func:`sim.neupims.pim.schedule_reference` (``times[k]`` = issue cycle
  of command ``k`` of :func:`sim.neupims.pim.expand_commands`).
* Mixed streams (normal reads/writes + PIM tiles in one channel):
  :class:`sim.neupims.mixed_reference.MixedReference`; its trace gives the PIM issue
  cycles and the normal commands of every cycle.

What the unit gets from outside in cycle ``t`` is reconstructed from the reference run:

* ``start_ok`` (head = first G_ACT of a tile): ``t >= floor`` of the tile (the reference's
  refresh-aware floor) and no rank refresh-pending at ``t``;
* ``pim_may``: dual 1; blocked: PIM mode (a PIM command other than PIM_PRE was the last)
  or the normal queue empty.  Queue empty at ``t`` <=> every request that has arrived by
  ``t`` has been served (its RD/WR issued) before ``t``: the controller admits
  ``min(arrived, served + depth)`` requests, so this holds for any arrival pattern;
* ``row_busy`` (head is G_ACT / PIM_PRE): a refresh command holds the row bus: a REF, or a
  PRE of a rank that is refresh-pending at the start of ``t`` (normal PREs skip pending
  ranks).  Ordinary normal commands are *not* driven as busy: the unit has to find by
  itself that PIM was illegal in those cycles (the reference only lets a normal command
  use a bus PIM did not take);
* ``col_busy``: nothing outranks PIM on the column bus in the reference: 0;
* ``group_closed`` (single row buffer, head G_ACT): no normal row of the head's bank group
  open at the start of ``t`` (ACT/PRE of the trace);
* events ``n_act/n_pre/n_ref`` (+ rank, bank group), ``n_rd``, ``n_wr``: the trace's normal
  commands of cycle ``t``.

Inputs the unit must ignore in a cycle (``start_ok`` unless the head is a first G_ACT,
``row_busy`` for a column head, ``col_busy`` for a row head, ``group_closed`` unless the
head is a G_ACT of a single-row-buffer unit) are driven with seeded random runs of 0s and 1s.

Expected ``want`` = the reference's hold condition with ``pim_may``:
``pim_may and _pim_ok(t, k, cross=False) and not _pim_ok(t, k)`` evaluated on the state at
the start of cycle ``t`` (recorded by :class:`_Recorder`).  Expected ``pim_mode`` /
``tile_open`` after each issue: the reference's own ``pim_mode`` / ``tile_open``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from llmaccel.rtl.neupims.sequencer import SeqTiming
from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.requests import ChannelRequests
from llmaccel.sim.dram.timing import ACT, PRE, RD, REF, WR
from llmaccel.sim.neupims.mixed import PIM_BASE, cross_gaps
from llmaccel.sim.neupims.mixed_reference import MixedReference
from llmaccel.sim.neupims.pim import (
    COMP,
    G_ACT,
    GWRITE,
    PIM_HEADER,
    PIM_PRE,
    READRES,
    PimTiming,
    expand_commands,
    schedule_reference,
)

#: drive columns of the vectors file, in order (one uint8 each per cycle); cmd_* come from the FIFO
PORTS = (
    "start_ok",
    "pim_may",
    "row_busy",
    "col_busy",
    "group_closed",
    "n_act",
    "n_pre",
    "n_ref",
    "n_rank",
    "n_bg",
    "n_rd",
    "n_wr",
)
_COL = {p: i for i, p in enumerate(PORTS)}
#: cycles driven after the last command (the unit must stay quiet with an empty FIFO)
TAIL = 3
ROW_PIM = (G_ACT, PIM_PRE)
#: per-cycle flip probability of the random bits on don't-care inputs (runs of ~16 cycles)
RAND_FLIP = 1 / 16


def seq_timing(dram: DramConfig, pt: PimTiming) -> SeqTiming:
    """The sequencer's gaps for one DRAM configuration (cross rules use the same DRAM timing)."""
    t = dram.timing
    if (t.tRP, t.tRRD_S, t.tRRD_L, t.tFAW, t.tRFC) != (pt.tRP, pt.tRRD_S, pt.tRRD_L, pt.tFAW, pt.tRFC):
        raise ValueError("PimTiming and DramConfig disagree")
    return SeqTiming.of(pt, cross_gaps(dram, pt))


@dataclass
class SeqStream:
    """One stream for the testbench.

    Attributes:
        name: what it is (for messages).
        cmds: int64 (n, 4): cmd code, rank, bank group, first-G_ACT-of-tile flag.
        times: int64 (n,): expected issue cycle of each command.
        drive: uint8 (T, len(PORTS)): per-cycle inputs (T = cycles of the reference run + TAIL).
        want: uint8 (T,): expected ``want`` per cycle.
        mode: uint8 (n, 2): expected (pim_mode, tile_open) in the cycle after each issue.
        cover: corner -> count (see :func:`coverage`).
    """

    name: str
    cmds: np.ndarray
    times: np.ndarray
    drive: np.ndarray
    want: np.ndarray
    mode: np.ndarray
    cover: dict[str, int] = field(default_factory=dict)


class _Recorder(MixedReference):
    """MixedReference that records the state at the start of every cycle.

    ``run`` calls ``_head_floor`` exactly twice per cycle, first after admission and the
    refresh-pending update and before any command of the cycle; that first call records.
    """

    def run(self, req, tiles, max_cycles: int = 1 << 40):
        self._calls = 0
        self.snaps: list[tuple] = []
        self._seen = 0
        self._served = 0
        return super().run(req, tiles, max_cycles)

    def _head_floor(self) -> None:
        super()._head_floor()
        if self._calls % 2 == 0:
            t = self._calls // 2
            for row in self.trace[self._seen :]:
                self._served += row[1] in (RD, WR)
            self._seen = len(self.trace)
            k = self.k
            nc = cr = False
            if k < len(self.pcmds):
                nc = self._pim_ok(t, k, cross=False)
                cr = self._pim_ok(t, k)
            self.snaps.append(
                (t, k, tuple(self.pending), self.floor.get(k), self.tile_open, self.pim_mode, nc, cr, self._served)
            )
        self._calls += 1


def _stream_from_reference(
    name: str,
    dram: DramConfig,
    pt: PimTiming,
    req: ChannelRequests,
    tiles: np.ndarray,
    dual: bool,
    rng: np.random.Generator,
    pim_only: bool,
) -> SeqStream:
    rec = _Recorder(dram, pt, dual)
    sched = rec.run(req, tiles)
    trace = sched.commands
    pcmds = expand_commands(tiles, pt)
    n = len(pcmds)
    pim_rows = trace[trace[:, 1] >= PIM_BASE]
    times = pim_rows[:, 0].astype(np.int64)
    if len(times) != n or (pim_rows[:, 1] - PIM_BASE != pcmds[:, 0]).any():
        raise AssertionError(f"{name}: reference trace does not hold the PIM stream in order")
    if pim_only:
        golden = schedule_reference(tiles, pt, dual).times
        if not np.array_equal(golden, times):
            raise AssertionError(f"{name}: MixedReference (no normal traffic) != schedule_reference")
    first = np.zeros(n, np.int64)
    for k in range(n):
        first[k] = pcmds[k, 0] == G_ACT and (k == 0 or pcmds[k - 1, 0] != G_ACT)
    cmds = np.column_stack([pcmds[:, 0], pcmds[:, 1], pcmds[:, 2], first]).astype(np.int64)
    snaps = rec.snaps
    if len(snaps) < int(times[-1]) + 1:
        raise AssertionError(f"{name}: recorded {len(snaps)} cycles, last PIM command at {times[-1]}")
    for t, k, *_ in snaps:  # head k at cycle t <=> command k-1 issued before t, command k not before t
        if (k > 0 and times[k - 1] >= t) or (k < n and t > times[k]):
            raise AssertionError(f"{name}: recorder out of step at cycle {t}")

    T = len(snaps) + TAIL
    drive = np.zeros((T, len(PORTS)), np.uint8)
    want = np.zeros(T, np.uint8)
    # don't-care bits: random runs (flip with probability RAND_FLIP per cycle; few port writes)
    rand = (np.cumsum(rng.random((T, 4)) < RAND_FLIP, axis=0) % 2).astype(np.uint8)
    normal = trace[trace[:, 1] < PIM_BASE]
    by_cycle: dict[int, list[np.ndarray]] = {}
    for row in normal:
        by_cycle.setdefault(int(row[0]), []).append(row)
    arrivals = np.sort(np.asarray(req.arrival, np.int64))
    open_rows: dict[tuple[int, int], int] = {}  # (rank, bg) -> open normal banks, before cycle t
    single = not dual
    for t in range(T):
        d = drive[t]
        if t < len(snaps):
            _t, k, pending, floor, _tile_open, pim_mode, nc, cr, served = snaps[t]
        else:
            k, pending, floor, _tile_open, pim_mode, nc, cr = n, (), None, False, False, False, False
            served = len(req)
        head = int(pcmds[k, 0]) if k < n else -1
        is_first = k < n and bool(first[k])
        if is_first:
            d[_COL["start_ok"]] = int(t >= floor and not any(pending))
        else:
            d[_COL["start_ok"]] = rand[t, 0]
        queue_empty = int(np.searchsorted(arrivals, t, side="right")) == served
        may = bool(dual or pim_mode or queue_empty)
        d[_COL["pim_may"]] = int(may)
        rows_now = [r for r in by_cycle.get(t, []) if r[1] in (ACT, PRE, REF)]
        cols_now = [r for r in by_cycle.get(t, []) if r[1] in (RD, WR)]
        if head in ROW_PIM:
            busy = any(r[1] == REF or (r[1] == PRE and pending[int(r[2])]) for r in rows_now)
            d[_COL["row_busy"]] = int(busy)
            d[_COL["col_busy"]] = rand[t, 1]
        elif head >= 0:
            d[_COL["row_busy"]] = rand[t, 1]
            d[_COL["col_busy"]] = 0
        else:
            d[_COL["row_busy"]], d[_COL["col_busy"]] = rand[t, 1], rand[t, 2]
        if single and head == G_ACT:
            d[_COL["group_closed"]] = int(open_rows.get((int(pcmds[k, 1]), int(pcmds[k, 2])), 0) == 0)
        else:
            d[_COL["group_closed"]] = rand[t, 3]
        if len(rows_now) > 1 or len(cols_now) > 1:
            raise AssertionError(f"{name}: two normal commands on one bus at cycle {t}")
        for r in rows_now:
            c, rk, bg = int(r[1]), int(r[2]), int(r[3])
            d[_COL[{ACT: "n_act", PRE: "n_pre", REF: "n_ref"}[c]]] = 1
            d[_COL["n_rank"]], d[_COL["n_bg"]] = rk, bg if c != REF else 0
            if c == ACT:
                open_rows[(rk, bg)] = open_rows.get((rk, bg), 0) + 1
            elif c == PRE:
                open_rows[(rk, bg)] -= 1
        for r in cols_now:
            d[_COL["n_rd" if r[1] == RD else "n_wr"]] = 1
        want[t] = int(k < n and may and nc and not cr)
    if pim_only and (drive[:, [_COL[p] for p in ("n_act", "n_pre", "n_rd", "n_wr")]].any() or want.any()):
        raise AssertionError(f"{name}: PIM-only stream with normal events other than REF, or want")
    mode = np.zeros((n, 2), np.uint8)
    for k in range(n):
        t1 = int(times[k]) + 1
        if t1 < len(snaps):
            mode[k] = (snaps[t1][5], snaps[t1][4])
        else:
            mode[k] = (rec.pim_mode, rec.tile_open)
    s = SeqStream(name, cmds, times, drive, want, mode)
    s.cover = coverage(s, pt, cross_gaps(dram, pt), trace, dual)
    return s


def pim_only_stream(
    name: str, tiles: np.ndarray, dram: DramConfig, pt: PimTiming, dual: bool, rng: np.random.Generator
) -> SeqStream:
    """A PIM-only stream: expected times from :func:`schedule_reference` (asserted equal to the
    PIM commands of a MixedReference run without requests, which supplies the tile floors,
    refresh-pending intervals and the REF commands driven as ``n_ref`` / ``row_busy``)."""
    none = ChannelRequests.build([], [], [], [], [], [])
    return _stream_from_reference(name, dram, pt, none, np.asarray(tiles, np.int64), dual, rng, pim_only=True)


def mixed_stream(
    name: str,
    req: ChannelRequests,
    tiles: np.ndarray,
    dram: DramConfig,
    pt: PimTiming,
    dual: bool,
    rng: np.random.Generator,
) -> SeqStream:
    """A mixed normal + PIM stream: expected times and inputs from :class:`MixedReference`."""
    return _stream_from_reference(name, dram, pt, req, np.asarray(tiles, np.int64), dual, rng, pim_only=False)


def coverage(s: SeqStream, pt: PimTiming, x: dict[str, int], trace: np.ndarray, dual: bool) -> dict[str, int]:
    """How often a corner rule is met with equality by an issued PIM command (a sign it binds).

    Counted from the reference trace: G_ACT exactly tFAW after the 4th-latest activation
    (ACT or G_ACT) of its rank; exactly tRC after the last G_ACT of its group; exactly tRRD_L
    after a normal ACT of its group; READRES exactly rd2rr after a normal RD; GWRITE exactly
    rd2gw / wr2gw after a normal RD / WR; first G_ACTs issued in the cycle ``start_ok`` rose;
    cycles with ``want``; refresh commands; and (single) G_ACT exactly tRP after a normal PRE
    of its group, cycles a head G_ACT saw ``group_closed`` low.
    """
    c = {
        k: 0
        for k in (
            "gact_at_tfaw",
            "gact_at_trc",
            "gact_at_act_trrd_l",
            "readres_after_rd",
            "gwrite_after_rd",
            "gwrite_after_wr",
            "start_held",
            "want_cycles",
            "refreshes",
            "gact_after_pre_trp",
            "group_open_cycles",
        )
    }
    acts: dict[int, list[int]] = {}
    last_gact: dict[tuple[int, int], int] = {}
    last_act: dict[tuple[int, int], int] = {}
    last_pre: dict[tuple[int, int], int] = {}
    last_rd = last_wr = -(1 << 40)
    for row in trace:
        t, code, r, g = (int(v) for v in row[:4])
        if code >= PIM_BASE:
            pc = code - PIM_BASE
            if pc == G_ACT:
                h = acts.get(r, [])
                c["gact_at_tfaw"] += len(h) >= 4 and h[-4] + pt.tFAW == t
                c["gact_at_trc"] += last_gact.get((r, g), -(1 << 40)) + pt.tRC == t
                c["gact_at_act_trrd_l"] += last_act.get((r, g), -(1 << 40)) + pt.tRRD_L == t
                c["gact_after_pre_trp"] += last_pre.get((r, g), -(1 << 40)) + pt.tRP == t
                acts.setdefault(r, []).append(t)
                last_gact[(r, g)] = t
            elif pc == READRES:
                c["readres_after_rd"] += last_rd + x["rd2rr"] == t
            elif pc == GWRITE:
                c["gwrite_after_rd"] += last_rd + x["rd2gw"] == t
                c["gwrite_after_wr"] += last_wr + x["wr2gw"] == t
        elif code == ACT:
            acts.setdefault(r, []).append(t)
            last_act[(r, g)] = t
        elif code == PRE:
            last_pre[(r, g)] = t
        elif code == RD:
            last_rd = t
        elif code == WR:
            last_wr = t
        elif code == REF:
            c["refreshes"] += 1
    firsts = np.flatnonzero(s.cmds[:, 3])
    for k in firsts:
        t = int(s.times[k])
        c["start_held"] += t > 0 and s.drive[t - 1, _COL["start_ok"]] == 0 and s.drive[t, _COL["start_ok"]] == 1
    c["want_cycles"] = int(s.want.sum())
    gact_head = np.zeros(len(s.want), bool)
    prev = 0
    for i in range(len(s.times)):
        if s.cmds[i, 0] == G_ACT:
            gact_head[prev : int(s.times[i]) + 1] = True
        prev = int(s.times[i]) + 1
    if not dual:
        c["group_open_cycles"] = int((gact_head & (s.drive[:, _COL["group_closed"]] == 0)).sum())
    return {k: int(v) for k, v in c.items()}


# ------------------------------------------------------------------ configurations and stream sets


def configs() -> dict[str, tuple[DramConfig, PimTiming]]:
    """DRAM/PIM timing sets the checks use (each a separate sequencer build except where noted).

    * ``spec``: hbm2-neupims with the neupims preset's PIM parameters.
    * ``refresh``: ``spec`` with tREFI 1,400 (assumed for tests: refresh every 1.4k cycles so
      short streams meet many refreshes; tRFC kept, so the RTL build is the same as ``spec``).
    * ``long_trc``: tRC 90 (assumed for tests: above tRAS + tRP + 13, the shortest G_ACT-to-G_ACT
      distance of one group across tiles, so tRC binds; spec tRC never does).
    * ``long_tfaw``: tFAW 80 (assumed for tests: above that distance, so four G_ACTs of a rank
      fill the window and the G_ACT-only ring decides).
    """
    from llmaccel.sim.dram import load_dram
    from llmaccel.sim.neupims.params import neupims_params
    from llmaccel.sim.preset import load_preset

    params, _ = neupims_params(load_preset("neupims"))
    base = load_dram(params.dram_preset)
    # the sequencer implements the spec's G_ACT (tRRD) and GWRITE (bus rate) gaps, not the
    # preset's NewtonSim readings (pim.gact_gap / pim.gwrite_cycles, docs/neupims.md)
    pim = replace(params.pim, gact_gap="trrd", gwrite_cycles=None)

    def mk(**timing) -> tuple[DramConfig, PimTiming]:
        d = replace(base, timing=replace(base.timing, **timing)) if timing else base
        return d, PimTiming.of(d, pim)

    return {"spec": mk(), "refresh": mk(tREFI=1400), "long_trc": mk(tRC=90), "long_tfaw": mk(tFAW=80)}


def random_tiles(rng: np.random.Generator, n: int, max_gemv: int = 4, max_comps: int = 32) -> np.ndarray:
    """``n`` tiles: GWRITE on/off, 1..max_gemv GEMVs, 1..max_comps COMPs (macs column unused: 0)."""
    return np.column_stack(
        [
            rng.integers(0, 2, n),
            rng.integers(1, max_gemv + 1, n),
            rng.integers(1, max_comps + 1, n),
            np.zeros(n, np.int64),
        ]
    ).astype(np.int64)


def random_requests(
    rng: np.random.Generator, n: int, org, horizon: int, write_frac: float = 0.3, rows: int = 6
) -> ChannelRequests:
    """``n`` random reads/writes arriving over ``[0, horizon)`` to any bank of the channel."""
    return ChannelRequests.build(
        np.sort(rng.integers(0, horizon, n)),
        (rng.random(n) < write_frac).astype(int),
        rng.integers(0, org.ranks, n),
        rng.integers(0, org.bankgroups, n),
        rng.integers(0, org.banks_per_group, n),
        rng.integers(0, rows, n),
    )


HAND_TILE = np.array([[1, 4, 8, 32 * 512]], np.int64)
"""The K.q tile of tests/neupims/test_neupims_pim.py::test_one_tile_by_hand (GWRITE, 8 G_ACTs,
4 x (header, 8 COMPs, READRES), PIM_PRE): G_ACTs at 1, 2, 5, 6, 9, 10, 13, 14."""


def stream_set(kind: str, seed: int = 0) -> list[SeqStream]:
    """The streams of one check build.

    ``kind``: ``dual`` / ``single`` (spec timing: hand tile, random PIM-only streams at spec
    and short refresh, random mixed streams, directed cross corners) or ``long_trc`` (dual)
    / ``long_tfaw`` (single) (stretched timing: PIM-only and mixed streams where tRC / tFAW bind).
    """
    cfg = configs()
    rng = np.random.default_rng({"dual": 101, "single": 202, "long_trc": 303, "long_tfaw": 404}[kind] + seed)
    out: list[SeqStream] = []
    if kind in ("dual", "single"):
        dual = kind == "dual"
        dram, pt = cfg["spec"]
        out.extend(hand_streams(dual))
        out.append(
            pim_only_stream(
                "back-to-back short tiles", np.array([[0, 1, 1, 0]] * 6 + [[1, 1, 1, 0]] * 3), dram, pt, dual, rng
            )
        )
        for i in range(2):
            out.append(pim_only_stream(f"random PIM-only {i} (spec)", random_tiles(rng, 25), dram, pt, dual, rng))
        dram_r, pt_r = cfg["refresh"]
        for i in range(2):
            out.append(
                pim_only_stream(f"random PIM-only {i} (tREFI 1400)", random_tiles(rng, 25), dram_r, pt_r, dual, rng)
            )
        for i in range(10):
            tiles = random_tiles(rng, int(rng.integers(3, 12)), max_comps=16)
            req = random_requests(rng, int(rng.integers(20, 60)), dram_r.org, 600)
            out.append(mixed_stream(f"random mixed {i} (tREFI 1400)", req, tiles, dram_r, pt_r, dual, rng))
        out.extend(directed_streams(dram, pt, dual, rng))
    else:
        dual = kind == "long_trc"
        dram, pt = cfg[kind]
        for i in range(3):
            out.append(
                pim_only_stream(
                    f"random PIM-only {i} ({kind})", random_tiles(rng, 20, max_comps=8), dram, pt, dual, rng
                )
            )
        for i in range(3):
            tiles = random_tiles(rng, int(rng.integers(3, 10)), max_comps=8)
            req = random_requests(rng, int(rng.integers(10, 30)), dram.org, 300)
            out.append(mixed_stream(f"random mixed {i} ({kind})", req, tiles, dram, pt, dual, rng))
    return out


def hand_streams(dual: bool) -> list[SeqStream]:
    """The hand tile, the hand tile with both buses taken once, and the GWRITE hand stream."""
    dram, pt = configs()["spec"]
    hand = pim_only_stream("hand tile", HAND_TILE, dram, pt, dual, np.random.default_rng(7))
    return [hand, busy_hand_stream(hand), gwrite_hand_stream()]


def directed_streams(dram: DramConfig, pt: PimTiming, dual: bool, rng: np.random.Generator) -> list[SeqStream]:
    """Hand-made cross corners (spec timing)."""
    org = dram.org
    out = []
    # tFAW burst: eight reads to eight banks of rank 0 (four groups x two banks), with a
    # tile queued behind a GWRITE: normal ACTs fill rank 0's window when the tile's G_ACTs want it
    req = ChannelRequests.build(
        [0] * 8,
        0,
        0,
        [g for g in range(org.bankgroups) for _ in range(2)],
        [b for _ in range(org.bankgroups) for b in range(2)],
        1,
    )
    out.append(mixed_stream("tFAW burst", req, np.array([[1, 1, 4, 0], [0, 1, 2, 0]]), dram, pt, dual, rng))
    # READRES right after normal RDs; GWRITE right after RDs and WRs: write-heavy requests to
    # two rows beside short tiles that all load a new input row
    # (own seeds, so the streams do not depend on what was drawn before them)
    for seed in (0, 7):
        r = np.random.default_rng(seed)
        tiles = np.column_stack([np.ones(6, np.int64), r.integers(1, 3, 6), r.integers(1, 4, 6), np.zeros(6, np.int64)])
        req = random_requests(r, 20, org, 200, write_frac=0.8, rows=2)
        out.append(mixed_stream(f"GWRITE-heavy tiles beside writes (seed {seed})", req, tiles, dram, pt, dual, r))
    return out


def busy_hand_stream(hand: SeqStream) -> SeqStream:
    """The hand tile with the row bus taken in cycle 1 and the column bus in cycle 36.

    By hand: the GWRITE stays at 0; the first G_ACT (rank 0) moves from 1 to 2, so each
    later G_ACT moves by one as well (tRRD_S chains within a rank, ranks alternate:
    2, 3, 6, 7, 10, 11, 14, 15); the first COMP still waits for the buffer (36 > 15 + tRCD)
    but the column bus is taken in 36, so it issues at 37 and the COMP/READRES chain (each
    waiting comp_interval after the previous) moves by one too, as does PIM_PRE (after the
    last READRES + 1 dual, + tRTP single).  Every command after the GWRITE is one cycle
    later than in ``hand``.  Don't-care inputs are driven with their true values here
    (``start_ok`` = 1: floor 1, no refresh; ``group_closed`` = 1: no normal rows) so the
    shifted heads see no random bits.
    """
    drive = np.zeros((len(hand.want) + 1, len(PORTS)), np.uint8)
    drive[:, _COL["start_ok"]] = 1
    drive[:, _COL["pim_may"]] = 1
    drive[:, _COL["group_closed"]] = 1
    drive[1, _COL["row_busy"]] = 1
    drive[36, _COL["col_busy"]] = 1
    times = hand.times.copy()
    times[1:] += 1
    return SeqStream(
        "hand tile, row bus busy at 1, column bus busy at 36",
        hand.cmds,
        times,
        drive,
        np.zeros(len(drive), np.uint8),
        hand.mode,
    )


def gwrite_hand_stream() -> SeqStream:
    """GWRITE, GWRITE, PIM_HEADER, COMP, READRES, GWRITE: a command order tiles never make
    (a tile always separates two GWRITEs), so GWRITE -> GWRITE spacing is checked here.

    By hand (spec timing): GWRITE 0; GWRITE 0 + gwrite_cycles 32 = 32; header 33; COMP at the
    buffer-ready cycle 32 + CWL 4 + 32 = 68 (no G_ACT yet: nothing else binds); READRES 68 + 2
    = 70; GWRITE 70 + (CL + burst - CWL + tRTRS = 14 + 2 - 4 + 1 = 13) = 83 (> 32 + 32).
    """
    cmds = np.array(
        [
            [GWRITE, 0, 0, 0],
            [GWRITE, 0, 0, 0],
            [PIM_HEADER, 0, 0, 0],
            [COMP, 0, 0, 0],
            [READRES, 0, 0, 0],
            [GWRITE, 0, 0, 0],
        ],
        np.int64,
    )
    times = np.array([0, 32, 33, 68, 70, 83], np.int64)
    drive = np.zeros((84 + TAIL, len(PORTS)), np.uint8)
    for p in ("start_ok", "pim_may", "group_closed"):
        drive[:, _COL[p]] = 1
    mode = np.array([[1, 0]] * 6, np.uint8)
    return SeqStream(
        "hand: GWRITE, GWRITE, header, COMP, READRES, GWRITE", cmds, times, drive, np.zeros(len(drive), np.uint8), mode
    )
