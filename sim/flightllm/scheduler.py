"""Instruction-level scheduler of FlightLLM's decoupled queues (event level).

Each unit (LD, ST, MPE, SFU, SYS) executes its instructions in program order; an
instruction starts when its unit is free and every token it waits for has been
released (one FIFO of release times per ordered unit pair, preloaded with the
program's initial credits).  Among the units whose head instruction is ready, the one
that can start earliest goes next (ties: unit order), so shared resources (the HBM
model) see requests in time order.  Durations come from a callback
``duration(instr, start) -> cycles`` (the timing models of sim/flightllm), so the same
scheduler runs with fixed durations in tests.

:func:`double_buffer_closed_form` is the closed form of the simple stream
``LD_i -> MV_i`` with ``credits`` buffers, used to check the scheduler.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from llmaccel.workloads.errors import InputError

UNITS = ("ld", "st", "mpe", "sfu", "sys")


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
