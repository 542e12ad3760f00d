"""Instruction-level scheduler of FlightLLM's decoupled queues (event level).

Each unit (LD, ST, MPE, SFU, SYS) executes its instructions in program order; an
instruction starts when its unit is free and every token it waits for has been
released (one FIFO of release times per ordered unit pair, preloaded with the
program's initial credits).  Among the units whose head instruction is ready, the one
that can start earliest goes next (ties: unit order), so shared resources (the HBM
model) see requests in time order.  Durations come from a callback
``duration(instr, start) -> cycles`` (the timing models of sim/flightllm), so the same
scheduler runs with fixed durations in tests.

Two speeds: :func:`schedule` (above, any duration callback) is the reference;
:func:`schedule_hbm` is the same machine compiled with numba for the simulator's case,
where every instruction but LD/ST has a duration known before scheduling and LD/ST are
timed by the HBM model's closed form at their start cycle.  Tests hold the two equal.

:func:`double_buffer_closed_form` is the closed form of the simple stream
``LD_i -> MV_i`` with ``credits`` buffers, used to check the scheduler.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from llmaccel.sim.flightllm.hbm import HbmModel, striped_closed_form
from llmaccel.workloads.errors import InputError

UNITS = ("ld", "st", "mpe", "sfu", "sys")
UNIT_INDEX = {u: i for i, u in enumerate(UNITS)}
#: instruction kinds of :class:`ProgramArrays` (``kind``)
FIXED, HBM_READ, HBM_WRITE = 0, 1, 2


@dataclass
class Scheduled:
    """Start/end (cycles) of every instruction, in program order."""

    start: list[int]
    end: list[int]

    @property
    def makespan(self) -> int:
        return max(self.end, default=0)


def schedule(
    instrs: Sequence, init_tokens: dict[tuple[str, str], int], duration: Callable[[object, int], int]
) -> Scheduled:
    """Run the decoupled-queue machine over ``instrs`` (objects with ``unit``, ``wait``, ``release``)."""
    queues: dict[str, list[int]] = {u: [] for u in UNITS}
    needs: list[tuple[tuple[str, int], ...]] = []
    for idx, ins in enumerate(instrs):
        queues[ins.unit].append(idx)
        waits: dict[str, int] = {}
        for w in ins.wait:
            waits[w] = waits.get(w, 0) + 1
        needs.append(tuple(waits.items()))
    head = {u: 0 for u in UNITS}
    free = {u: 0 for u in UNITS}
    tokens: dict[tuple[str, str], deque] = {}
    for (src, dst), n in init_tokens.items():
        tokens[(src, dst)] = deque([0] * n)
    start = [0] * len(instrs)
    end = [0] * len(instrs)
    active = [u for u in UNITS if queues[u]]
    remaining = len(instrs)
    while remaining:
        best_t = -1
        best_u = ""
        for u in active:
            q = queues[u]
            h = head[u]
            if h >= len(q):
                continue
            t = free[u]
            ok = True
            for src, cnt in needs[q[h]]:
                fifo = tokens.get((src, u))
                if fifo is None or len(fifo) < cnt:
                    ok = False
                    break
                if fifo[cnt - 1] > t:
                    t = fifo[cnt - 1]
            if ok and (best_t < 0 or t < best_t):
                best_t, best_u = t, u
        if best_t < 0:
            stuck = {u: instrs[queues[u][head[u]]].opcode for u in UNITS if head[u] < len(queues[u])}
            raise InputError("program", f"deadlock: no unit can proceed (heads waiting: {stuck})")
        t, u = best_t, best_u
        idx = queues[u][head[u]]
        ins = instrs[idx]
        for src, cnt in needs[idx]:
            fifo = tokens[(src, u)]
            for _ in range(cnt):
                fifo.popleft()
        d = int(duration(ins, t))
        start[idx] = t
        end[idx] = t + d
        free[u] = t + d
        for r in ins.release:
            out = tokens.get((u, r))
            if out is None:
                out = tokens[(u, r)] = deque()
            out.append(t + d)
        head[u] += 1
        remaining -= 1
    return Scheduled(start, end)


@dataclass(frozen=True)
class ProgramArrays:
    """An instruction stream as arrays (one row per instruction, program order).

    Attributes:
        unit: index into :data:`UNITS` of the executing unit.
        need: ``(n, len(UNITS))`` tokens consumed from each source unit's FIFO.
        release: ``(n, len(UNITS))`` tokens pushed to each destination unit's FIFO.
        kind: :data:`FIXED` (duration given), :data:`HBM_READ` (LD) or :data:`HBM_WRITE` (ST).
        nbytes: bytes moved by LD/ST (0 otherwise).
        op: index of the trace op each instruction implements (-1: none).
    """

    unit: np.ndarray
    need: np.ndarray
    release: np.ndarray
    kind: np.ndarray
    nbytes: np.ndarray
    op: np.ndarray

    @staticmethod
    def of(instrs: Sequence) -> ProgramArrays:
        n = len(instrs)
        width = len(UNITS)
        unit = np.empty(n, np.int64)
        need = np.zeros((n, width), np.int64)
        release = np.zeros((n, width), np.int64)
        kind = np.zeros(n, np.int64)
        nbytes = np.zeros(n, np.int64)
        op = np.empty(n, np.int64)
        index = UNIT_INDEX
        for i, ins in enumerate(instrs):
            unit[i] = index[ins.unit]
            op[i] = ins.op
            for w in ins.wait:
                need[i, index[w]] += 1
            for r in ins.release:
                release[i, index[r]] += 1
            if ins.opcode == "LD":
                kind[i] = HBM_READ
                nbytes[i] = ins.args["bytes"]
            elif ins.opcode == "ST":
                kind[i] = HBM_WRITE
                nbytes[i] = ins.args["bytes"]
        return ProgramArrays(unit, need, release, kind, nbytes, op)


def schedule_hbm(
    instrs: Sequence,
    arrays: ProgramArrays,
    init_tokens: dict[tuple[str, str], int],
    fixed: np.ndarray,
    hbm: HbmModel,
    hbm_per_core_cycle: float,
) -> Scheduled:
    """:func:`schedule` with durations ``fixed[i]`` (cycles) for FIXED instructions and LD/ST
    timed by ``hbm`` (its state advances as in :meth:`HbmModel.transfer`).

    ``hbm_per_core_cycle`` is HBM clock cycles per core cycle: an LD/ST starting at core cycle
    ``t`` reaches the HBM at ``ceil(t * ratio)`` and lasts ``max(1, ceil(end_h / ratio) - t)``.
    """
    width = len(UNITS)
    init = np.zeros((width, width), np.int64)
    for (src, dst), cnt in init_tokens.items():
        init[UNIT_INDEX[src], UNIT_INDEX[dst]] = cnt
    start, end, head, status = _schedule_kernel(
        arrays.unit,
        arrays.need,
        arrays.release,
        arrays.kind,
        np.asarray(fixed, np.int64),
        arrays.nbytes,
        init,
        float(hbm_per_core_cycle),
        hbm.bus_free,
        hbm.last_write,
        hbm.served,
        hbm.busy_cycles,
        hbm.next_pc,
        hbm.tv,
    )
    if status:
        queues: dict[str, list[int]] = {u: [] for u in UNITS}
        for idx, ins in enumerate(instrs):
            queues[ins.unit].append(idx)
        stuck = {u: instrs[queues[u][head[j]]].opcode for j, u in enumerate(UNITS) if head[j] < len(queues[u])}
        raise InputError("program", f"deadlock: no unit can proceed (heads waiting: {stuck})")
    moved = arrays.nbytes[arrays.nbytes > 0]
    kinds = arrays.kind[arrays.nbytes > 0]
    hbm.bytes_read += float(int(moved[kinds == HBM_READ].sum()))
    hbm.bytes_written += float(int(moved[kinds == HBM_WRITE].sum()))
    return Scheduled(start.tolist(), end.tolist())


@njit(cache=True)
def _schedule_kernel(
    unit,
    need,
    release,
    kind,
    fixed,
    nbytes,
    init,
    ratio,
    bus,
    lw,
    served,
    busy,
    nxt,
    tv,
):  # pragma: no cover - numba
    """The decoupled-queue machine of :func:`schedule` over arrays (see :func:`schedule_hbm`)."""
    n = unit.shape[0]
    width = init.shape[0]
    qcount = np.zeros(width, np.int64)
    for i in range(n):
        qcount[unit[i]] += 1
    qoff = np.zeros(width + 1, np.int64)
    for u in range(width):
        qoff[u + 1] = qoff[u] + qcount[u]
    queue = np.empty(n, np.int64)
    fill = qoff[:width].copy()
    for i in range(n):
        queue[fill[unit[i]]] = i
        fill[unit[i]] += 1
    # one FIFO of release times per ordered (src, dst) pair, in one flat buffer
    cap = np.zeros(width * width, np.int64)
    for s in range(width):
        for d in range(width):
            cap[s * width + d] = init[s, d]
    for i in range(n):
        for d in range(width):
            cap[unit[i] * width + d] += release[i, d]
    foff = np.zeros(width * width + 1, np.int64)
    for p in range(width * width):
        foff[p + 1] = foff[p] + cap[p]
    buf = np.zeros(max(1, foff[width * width]), np.int64)
    fhead = foff[: width * width].copy()
    ftail = foff[: width * width].copy()
    for s in range(width):
        for d in range(width):
            ftail[s * width + d] += init[s, d]  # initial credits, released at cycle 0
    head = np.zeros(width, np.int64)
    free = np.zeros(width, np.int64)
    start = np.zeros(n, np.int64)
    end = np.zeros(n, np.int64)
    remaining = n
    while remaining > 0:
        best_t = -1
        best_u = -1
        for u in range(width):
            if head[u] >= qcount[u]:
                continue
            idx = queue[qoff[u] + head[u]]
            t = free[u]
            ok = True
            for s in range(width):
                c = need[idx, s]
                if c == 0:
                    continue
                p = s * width + u
                if ftail[p] - fhead[p] < c:
                    ok = False
                    break
                v = buf[fhead[p] + c - 1]
                if v > t:
                    t = v
            if ok and (best_t < 0 or t < best_t):
                best_t = t
                best_u = u
        if best_t < 0:
            return start, end, head, 1
        t = best_t
        u = best_u
        idx = queue[qoff[u] + head[u]]
        for s in range(width):
            fhead[s * width + u] += need[idx, s]
        if kind[idx] == 0:
            d = fixed[idx]
        else:
            th = np.int64(math.ceil(t * ratio))
            end_h = th
            if nbytes[idx] > 0:
                end_h = striped_closed_form(bus, lw, served, busy, nxt, nbytes[idx], th, 1 if kind[idx] == 2 else 0, tv)
            d = np.int64(math.ceil(end_h / ratio)) - t
            if d < 1:
                d = 1
        start[idx] = t
        end[idx] = t + d
        free[u] = t + d
        for r in range(width):
            p = u * width + r
            for _ in range(release[idx, r]):
                buf[ftail[p]] = t + d
                ftail[p] += 1
        head[u] += 1
        remaining -= 1
    return start, end, head, 0


def double_buffer_closed_form(t_ld: int, t_mv: int, tiles: int, credits: int = 2) -> int:
    """Makespan of ``tiles`` x (LD then MV) with ``credits`` >= 2 buffers and constant durations.

    LD is never throttled by buffers when ``credits >= 2`` and ``t_ld >= t_mv``; when
    compute is slower the MV chain dominates after the first load::

        t_ld >= t_mv:  tiles * t_ld + t_mv
        t_ld <  t_mv:  t_ld + tiles * t_mv
    """
    if tiles <= 0:
        return 0
    if credits < 2:
        return tiles * (t_ld + t_mv)
    return tiles * t_ld + t_mv if t_ld >= t_mv else t_ld + tiles * t_mv
