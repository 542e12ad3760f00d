"""Iteration costs from the cycle models, cached per iteration shape.

An iteration is ``prefill`` chunks (tokens each) and ``decode`` sequences (KV length each).
Its cost (seconds, pJ) is the prefill part plus the decode part, each one ``compile`` +
``simulate`` of a model-step trace built by :func:`llmaccel.workload.model_trace`:

* prefill part: one prefill trace whose requests have the chunk lengths (a chunk attends to its
  own tokens only: attention to KV already cached by earlier chunks is not charged — the trace
  builder's prefill has no cached prefix);
* decode part: one decode trace of the decode sequences;
* the two parts run one after the other (a mixed Sarathi iteration is charged as the sum; the
  weight reads the two parts would share are charged twice).

Shapes are bucketed at ``bucket`` tokens (``None``: exact):

* a chunk of ``c`` tokens: ``c`` itself up to ``bucket``, above that rounded to the nearest
  multiple of ``bucket``; the key is the sorted tuple of bucketed chunks;
* decode: the key is ``(sequences, mean KV rounded to the nearest multiple of bucket)`` and
  the trace has every sequence at that KV length (attention work is linear in the KV length,
  so the mean preserves it up to the rounding; a design whose cost depends on how KV lengths
  spread over channels, NeuPIMs, sees the spread flattened).

With ``seq_bucket`` ``S`` (``None``: exact) and a bucketed KV, a decode of ``n`` sequences is
not simulated at ``n`` itself: ``n`` lies in a segment ``kS < n <= (k+1)S`` (k >= 0) and its cost is
the linear interpolation between the segment's ends ``kS + 1`` and ``(k+1)S`` (the upper end
capped at ``max_seqs``).  Within a segment a decode step's cost is linear in the sequence count
(each sequence adds its KV reads and a row of every GEMM); at a multiple of the array's row
count it jumps (one more pass over the weights: systolic-int8's 32 rows add 0.44 s between 32
and 33 sequences).  Segments never straddle a jump when the row count is a multiple of ``S``, so
the ends are ``kS + 1`` and ``(k+1)S`` rather than the multiples of ``S``.  At most
``2 max_seqs / S`` counts are cached per KV bucket.  With an exact KV (``bucket`` None) the sequence count is
exact too, and so is every count up to ``seq_exact`` (FlightLLM's decode cost is not linear
below 32 sequences).

:func:`bucketing_error` measures what bucketing does against exact runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: An iteration cost function: (prefill chunk tokens, decode KV lengths) -> (seconds, pJ).
CostFn = Callable[[Sequence[int], Sequence[int]], tuple[float, float]]


def bucket_chunk(tokens: int, bucket: int | None) -> int:
    """A prefill chunk's length as simulated (see the module docstring)."""
    if not bucket or tokens <= bucket:
        return tokens
    return max(bucket, bucket * round(tokens / bucket))


def bucket_kv(kv_lens: Sequence[int], bucket: int | None, limit: int) -> tuple[int, ...]:
    """Decode KV lengths as simulated: exact, or all at the bucketed mean (within 1..limit-1)."""
    if not bucket:
        return tuple(sorted(kv_lens))
    mean = sum(kv_lens) / len(kv_lens)
    kv = min(max(1, bucket * round(mean / bucket)), limit - 1)
    return (kv,) * len(kv_lens)


def seq_points(
    n: int, seq_bucket: int | None, max_seqs: int | None = None, exact_upto: int = 0
) -> tuple[tuple[int, float], ...]:
    """Sequence counts simulated for a decode of ``n`` sequences and their weights (summing to 1).

    ``n`` itself when ``seq_bucket`` S is None/0 or ``n <= exact_upto``; else ``n`` lies in the segment
    ``kS < n <= (k+1)S`` (k >= 0) and is linearly interpolated between its ends ``a = kS + 1`` and
    ``b = (k+1)S`` (``b`` capped at ``max_seqs``): ``(a, (b - n) / (b - a)), (b, (n - a) / (b - a))``,
    or ``n`` alone when it is an end.
    """
    if not seq_bucket or n <= exact_upto:
        return ((n, 1.0),)
    a = seq_bucket * ((n - 1) // seq_bucket) + 1
    b = a - 1 + seq_bucket if max_seqs is None else min(a - 1 + seq_bucket, max_seqs)
    if n in (a, b) or b <= a:
        return ((n, 1.0),)
    w = (n - a) / (b - a)
    return ((a, 1.0 - w), (b, w))


@dataclass
class ModelCosts:
    """Cached iteration costs of one model on one preset (a :data:`CostFn`)."""

    model: Any
    hw: Any
    quant: Any
    bucket: int | None = 64
    tp: int = 1
    prefill_hw: Any = None
    seq_bucket: int | None = None
    max_seqs: int | None = None
    seq_exact: int = 0
    cache: dict = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def _step(self, phase: str, key: tuple[int, ...]) -> tuple[float, float]:
        from llmaccel.sim.designs import get_design
        from llmaccel.workload import model_trace
        from llmaccel.workloads.trace import Request

        ck = (phase, key)
        if ck in self.cache:
            self.hits += 1
            return self.cache[ck]
        self.misses += 1
        hw = self.prefill_hw if phase == "prefill" and self.prefill_hw is not None else self.hw
        if phase == "prefill":
            reqs = [Request(i, n, 1, 0) for i, n in enumerate(key)]
        else:
            reqs = [Request(i, kv, 1, kv) for i, kv in enumerate(key)]
        design = get_design(hw.design)
        trace = model_trace(self.model, phase, tp=self.tp, quant=self.quant, lm_head=True, requests=reqs)
        r = design.simulate(design.compile(trace, hw), hw)
        self.cache[ck] = (float(r.time_s), float(r.total_energy_pj))
        return self.cache[ck]

    def __call__(self, prefill: Sequence[int], decode: Sequence[int]) -> tuple[float, float]:
        t = e = 0.0
        if prefill:
            limit = self.model.max_position_embeddings
            pt, pe = self._step("prefill", tuple(sorted(min(bucket_chunk(c, self.bucket), limit) for c in prefill)))
            t, e = t + pt, e + pe
        if decode:
            dt, de = self._decode(decode)
            t, e = t + dt, e + de
        return t, e

    def _decode(self, kv_lens: Sequence[int]) -> tuple[float, float]:
        """The decode part (seconds, pJ): bucketed KV, sequence count interpolated (module docstring)."""
        key = bucket_kv(kv_lens, self.bucket, self.model.max_position_embeddings)
        if not self.bucket:
            return self._step("decode", key)
        t = e = 0.0
        for n, w in seq_points(len(key), self.seq_bucket, self.max_seqs, self.seq_exact):
            st, se = self._step("decode", key[:1] * n)
            t, e = t + w * st, e + w * se
        return t, e

    @property
    def hit_rate(self) -> float | None:
        """Share of step lookups served from the cache (None before any lookup)."""
        n = self.hits + self.misses
        return self.hits / n if n else None


def bucketing_error(run: Callable[[CostFn], dict], exact: ModelCosts, bucketed: ModelCosts) -> dict:
    """Relative error of bucketed against exact costs on the same run: per-metric means of
    TTFT, TPOT and E2E, and the makespan.  ``run(cost_fn)`` returns a summary (metrics.summarize)."""
    a, b = run(exact), run(bucketed)
    out = {}
    for key in ("ttft_s", "tpot_s", "e2e_s"):
        x, y = a["latency"][key]["mean"], b["latency"][key]["mean"]
        out[f"{key}_mean_rel_error"] = (y - x) / x if x else None
    out["makespan_rel_error"] = (b["makespan_s"] - a["makespan_s"]) / a["makespan_s"]
    out["exact_simulations"] = exact.misses
    out["bucketed_simulations"] = bucketed.misses
    return out
