"""The event loop: iterations one after another in simulated time.

At each iteration boundary ``t``: requests with ``arrival_s <= t`` join the waiting queue, the
scheduler forms a batch, the cost function gives its duration and energy (plus the host-link
time of swapped KV, ``tokens x kv_bytes_per_token / swap bandwidth``), and the batch's requests
advance at ``t + duration``.  When nothing runs or waits, time jumps to the next arrival.
A prefill that completes emits the request's first token at the end of its iteration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from llmaccel.serve.arrivals import ServeRequest
from llmaccel.serve.costs import CostFn
from llmaccel.serve.kv_cache import PagedKVCache, blocks_for
from llmaccel.serve.scheduler import RequestState, Scheduler, SchedulerConfig
from llmaccel.workloads.errors import InputError


@dataclass
class Iteration:
    """One simulated iteration (times in s, energy in pJ)."""

    start_s: float
    time_s: float
    energy_pj: float
    prefill_tokens: int
    prefill_seqs: int
    decode_seqs: int
    kv_blocks_used: int
    in_system: int
    waiting: int
    swap_tokens: int


@dataclass
class RunResult:
    """Requests (final states, arrival order), iterations, KV capacity and block size."""

    states: list[RequestState]
    iterations: list[Iteration] = field(default_factory=list)
    kv_blocks: int = 0
    block_size: int = 0


def check_fits(reqs: list[ServeRequest], cfg: SchedulerConfig, kv_blocks: int, block_size: int) -> None:
    """InputError for a request that could never run (more KV than the cache, or a prompt over
    the token limit without chunked prefill)."""
    for r in reqs:
        need = blocks_for(r.prompt_tokens + r.output_tokens, block_size)
        if need > kv_blocks:
            raise InputError(
                f"request {r.id}",
                f"needs {need} KV blocks of {block_size} tokens; the cache holds {kv_blocks} "
                "(give a larger --memory-gb or shorter requests)",
            )
        if cfg.chunk is None and r.prompt_tokens + r.output_tokens - 1 > cfg.max_batched_tokens:
            raise InputError(
                "--max-batched-tokens",
                f"request {r.id} may need a prefill of {r.prompt_tokens + r.output_tokens - 1} tokens, "
                f"above {cfg.max_batched_tokens}; raise it or use --chunked-prefill",
            )


def simulate(
    reqs: list[ServeRequest],
    cost: CostFn,
    cfg: SchedulerConfig,
    kv_blocks: int,
    block_size: int,
    swap_s_per_token: float = 0.0,
) -> RunResult:
    """Serve ``reqs`` (ordered by arrival) to completion; see the module docstring."""
    check_fits(reqs, cfg, kv_blocks, block_size)
    cache = PagedKVCache(kv_blocks, block_size)
    sched = Scheduler(cfg, cache)
    states = [RequestState(r) for r in reqs]
    out = RunResult(states, kv_blocks=kv_blocks, block_size=block_size)
    t, nxt, finished, n = 0.0, 0, 0, len(states)
    while finished < n:
        while nxt < n and states[nxt].req.arrival_s <= t:
            sched.add(states[nxt])
            nxt += 1
        if not sched.running and not sched.waiting:
            t = states[nxt].req.arrival_s
            continue
        batch = sched.schedule()
        if batch.empty:
            raise RuntimeError("scheduler formed an empty batch with requests in the system")
        dt, energy = cost([c for _, c, _ in batch.prefill], [s.kv for s in batch.decode])
        swap = batch.swap_in_tokens + batch.swap_out_tokens
        dt += swap * swap_s_per_token
        in_system, used = nxt - finished, cache.used
        done = sched.complete(batch, t + dt)
        out.iterations.append(
            Iteration(
                start_s=t,
                time_s=dt,
                energy_pj=energy,
                prefill_tokens=sum(c for _, c, _ in batch.prefill),
                prefill_seqs=len(batch.prefill),
                decode_seqs=len(batch.decode),
                kv_blocks_used=used,
                in_system=in_system,
                waiting=len(sched.waiting),
                swap_tokens=swap,
            )
        )
        finished += len(done)
        t += dt
    return out
