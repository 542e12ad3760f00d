"""vLLM-style continuous batching: which requests run in the next iteration.

Rules (docs/serving.md, "Scheduler"):

* Requests join and leave only at iteration boundaries; the waiting queue is FCFS (a preempted
  request goes back to its front) and admission stops at the first request that does not fit
  (no skipping).
* Limits per iteration: ``max_seqs`` running sequences and ``max_batched_tokens`` tokens
  (a decode sequence counts one token, a prefill chunk its tokens).
* Without chunked prefill (vLLM v0): when a waiting request can be admitted, the iteration is
  prefill only (whole prompts); otherwise it is one decode step of every running request.
* With chunked prefill (Sarathi-Serve, ``chunk`` tokens): every iteration first takes one
  decode step of every running decoder, then fills up to ``chunk`` prefill tokens (and the
  token limit) from partially prefilled requests, then from the waiting queue.
* KV cache: a prefill chunk needs blocks for the tokens it adds, a decode step for one more
  token.  When a running decoder cannot grow, the most recently admitted running request is
  preempted (repeatedly, possibly the decoder itself): ``recompute`` frees its blocks and it
  later re-runs prefill over its prompt and generated tokens, which emits its next token
  (vLLM's recompute); ``swap`` moves its blocks to host memory (``swap_out_tokens``) and back
  when it is re-admitted (``swap_in_tokens``), charged at the host link bandwidth.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from llmaccel.serve.arrivals import ServeRequest
from llmaccel.serve.kv_cache import PagedKVCache
from llmaccel.workloads.errors import InputError

PREEMPTION = ("recompute", "swap")


@dataclass(frozen=True)
class SchedulerConfig:
    """Limits and policies (tokens, sequences)."""

    max_seqs: int = 256
    max_batched_tokens: int = 4096
    chunk: int | None = None
    preemption: str = "recompute"

    def __post_init__(self) -> None:
        if self.preemption not in PREEMPTION:
            raise InputError("--preemption", f"unknown policy {self.preemption!r}; allowed: {', '.join(PREEMPTION)}")


@dataclass(eq=False)
class RequestState:
    """Progress of one request: ``kv`` tokens cached, ``generated`` output tokens emitted,
    ``prefilled`` of ``target`` tokens of the current (re)prefill.  Compared by identity (the
    scheduler's list membership tests; two states are never the same request)."""

    req: ServeRequest
    kv: int = 0
    generated: int = 0
    prefilled: int = 0
    target: int = 0
    swapped: bool = False
    preemptions: int = 0
    first_token_s: float | None = None
    finish_s: float | None = None

    @property
    def decoding(self) -> bool:
        """Prefill done: the next step is a decode step."""
        return self.prefilled >= self.target and self.generated > 0


@dataclass
class Batch:
    """One iteration: prefill chunks (request, tokens, tokens already cached) and decode requests."""

    prefill: list[tuple[RequestState, int, int]] = field(default_factory=list)
    decode: list[RequestState] = field(default_factory=list)
    swap_in_tokens: int = 0
    swap_out_tokens: int = 0

    @property
    def empty(self) -> bool:
        return not self.prefill and not self.decode


class Scheduler:
    """Continuous batching over a :class:`PagedKVCache` (see the module docstring)."""

    def __init__(self, cfg: SchedulerConfig, cache: PagedKVCache) -> None:
        self.cfg = cfg
        self.cache = cache
        self.waiting: deque[RequestState] = deque()
        self.running: list[RequestState] = []

    def add(self, state: RequestState) -> None:
        """A request arrived: it waits at the back of the queue."""
        state.target = state.req.prompt_tokens
        self.waiting.append(state)

    def _preempt(self, victim: RequestState, batch: Batch) -> None:
        self.running.remove(victim)
        self.cache.release(victim.req.id)
        victim.preemptions += 1
        if self.cfg.preemption == "swap" and victim.decoding:
            victim.swapped = True
            batch.swap_out_tokens += victim.kv
        else:
            victim.kv = 0
            victim.prefilled = 0
            victim.target = victim.req.prompt_tokens + victim.generated
        self.waiting.appendleft(victim)

    def _decodes(self, batch: Batch) -> None:
        """One decode step of every running decoder, preempting from the back when KV is full."""
        decoders = [s for s in self.running if s.decoding]
        if self.cache.grow_each([(s.req.id, s.kv + 1) for s in decoders]):
            # every decoder grew without a preemption: the loop below would take exactly these
            # steps, in this order, in quadratic instead of linear time
            batch.decode.extend(decoders)
            return
        for s in list(self.running):
            if s not in self.running or not s.decoding:
                continue
            while not self.cache.fits(s.req.id, s.kv + 1):
                self._preempt(self.running[-1], batch)
                if s not in self.running:
                    break
            if s in self.running:
                self.cache.grow(s.req.id, s.kv + 1)
                batch.decode.append(s)
        batch.decode = [s for s in batch.decode if s in self.running]

    def _admit_swapped(self, s: RequestState, batch: Batch) -> bool:
        if len(self.running) >= self.cfg.max_seqs or not self.cache.fits(s.req.id, s.kv):
            return False
        self.waiting.popleft()
        self.cache.grow(s.req.id, s.kv)
        s.swapped = False
        batch.swap_in_tokens += s.kv
        self.running.append(s)
        return True

    def _prefill_from(self, s: RequestState, batch: Batch, tokens_left: int, whole: bool) -> int:
        """Schedule a chunk of ``s``'s prefill; the tokens taken (0: it does not fit)."""
        rest = s.target - s.prefilled
        take = rest if whole else min(rest, tokens_left)
        if take <= 0 or take > tokens_left or not self.cache.fits(s.req.id, s.prefilled + take):
            return 0
        self.cache.grow(s.req.id, s.prefilled + take)
        batch.prefill.append((s, take, s.prefilled))
        return take

    def _admit(self, batch: Batch, tokens_left: int, whole: bool) -> None:
        """Admit from the front of the waiting queue (FCFS, stop at the first that does not fit):
        swapped requests come back, others start a prefill (``whole`` prompts or chunks)."""
        while self.waiting and tokens_left > 0:
            s = self.waiting[0]
            if s.swapped:
                if not self._admit_swapped(s, batch):
                    break
                continue
            if len(self.running) >= self.cfg.max_seqs:
                break
            took = self._prefill_from(s, batch, tokens_left, whole)
            if not took:
                break
            tokens_left -= took
            self.waiting.popleft()
            self.running.append(s)

    def schedule(self) -> Batch:
        """The next iteration's batch (the KV blocks it needs are taken)."""
        batch = Batch()
        cfg = self.cfg
        if cfg.chunk is None:
            self._admit(batch, cfg.max_batched_tokens, whole=True)
            if batch.prefill:
                return batch
            self._decodes(batch)
            return batch
        self._decodes(batch)
        tokens_left = min(cfg.chunk, cfg.max_batched_tokens - len(batch.decode))
        for s in self.running:
            if tokens_left <= 0:
                break
            if not s.decoding and s.prefilled < s.target:
                tokens_left -= self._prefill_from(s, batch, tokens_left, whole=False)
        self._admit(batch, tokens_left, whole=False)
        return batch

    def complete(self, batch: Batch, end_s: float) -> list[RequestState]:
        """Apply an iteration that ended at ``end_s``; the requests that finished (blocks freed)."""
        done = []
        for s, take, _ in batch.prefill:
            s.prefilled += take
            s.kv += take
            if s.prefilled >= s.target:
                s.generated += 1
                if s.first_token_s is None:
                    s.first_token_s = end_s
                if s.generated >= s.req.output_tokens:
                    done.append(s)
        for s in batch.decode:
            s.kv += 1
            s.generated += 1
            if s.generated >= s.req.output_tokens:
                done.append(s)
        for s in done:
            s.finish_s = end_s
            self.running.remove(s)
            self.cache.release(s.req.id)
        return done
