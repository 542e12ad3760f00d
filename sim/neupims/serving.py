"""Multi-iteration decode on NeuPIMs: requests finish and new ones join (continuous batching).

Each iteration every running request produces one token (its KV grows by one).  A request
whose KV reaches ``prompt_len + gen_len`` finishes after that iteration and its slot is
taken by the next request of a waiting pool, which joins with its prompt already in the
KV cache (prefill is not modelled here: NeuPIMs evaluates decode).  Placement (channels,
sub-batches) is recomputed every iteration, as the PIM mapping of a real controller
would place a newly joined request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.neupims.params import NeuPimsParams
from llmaccel.sim.neupims.pipeline import LayerWork, simulate_iteration
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.trace import Request


@dataclass
class ServingResult:
    """Per-iteration cycles and tokens, totals, and how many requests finished."""

    cycles: list[int]
    tokens: list[int]
    finished: int

    @property
    def total_cycles(self) -> int:
        return sum(self.cycles)

    def tokens_per_s(self, clock_mhz: float) -> float:
        return sum(self.tokens) / (self.total_cycles / (clock_mhz * 1e6)) if self.cycles else 0.0


def simulate_serving(
    work: LayerWork,
    layers: int,
    running: list[Request],
    pool: list[Request],
    iterations: int,
    p: NeuPimsParams,
    dram: DramConfig,
) -> ServingResult:
    """Run ``iterations`` decode iterations; ``work`` gives the per-token NPU groups and head shape."""
    if iterations <= 0:
        raise InputError("iterations", f"must be a positive integer, got {iterations}")
    if not running:
        raise InputError("batch", "needs at least one running request")
    state = [[r.kv_len, r.prompt_len + r.gen_len] for r in running]
    waiting = list(pool)
    cycles, tokens = [], []
    finished = 0
    for _ in range(iterations):
        if not state:
            break
        w = replace(work, kv_len=tuple(s[0] for s in state))
        it = simulate_iteration(w, layers, p, dram)
        cycles.append(it.cycles)
        tokens.append(len(state))
        nxt = []
        for kv, limit in state:
            kv += 1
            if kv >= limit:
                finished += 1
                if waiting:
                    r = waiting.pop(0)
                    nxt.append([max(r.prompt_len, 1), r.prompt_len + r.gen_len])
            else:
                nxt.append([kv, limit])
        state = nxt
    return ServingResult(cycles, tokens, finished)
