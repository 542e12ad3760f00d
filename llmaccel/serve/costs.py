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

Shapes are bucketed (``bucket`` None: every shape exact, the reference):

* decode: the key is ``(sequences, mean KV rounded to the nearest multiple of bucket)`` and
  the trace has every sequence at that KV length (attention work is linear in the KV length,
  so the mean preserves it up to the rounding; a design whose cost depends on how KV lengths
  spread over channels, NeuPIMs, sees the spread flattened);
* prefill: a chunk of ``c`` tokens is priced at ``c`` up to ``prefill_bucket`` P, above that at
  the nearest multiple of P (``prefill_bucket`` None: ``c`` itself).  With ``prefill_split``
  (the default) a prefill over chunks ``L1..Ln`` (``T`` tokens) is priced from cached parts::

      P(L1..Ln) = G(T) + H(n) + sum_i [F(Li) - G(Li) - H(1)]

  - ``F(L)``: the full prefill of one prompt of ``L`` tokens (bucketed);
  - ``G(T)``: the same step with its per-prompt ops (:data:`PER_PROMPT_ROLES`: attention
    scores, softmax, context) and the LM head removed -- the ops that run over all ``T``
    tokens at once (projections, FFN, norms, embedding), at ``T`` bucketed;
  - ``H(n)``: the LM head alone over ``n`` rows (one per prompt);

  so ``F(L) - G(L) - H(1)`` is the marginal cost of one prompt's attention, a difference of two
  simulated shapes.  Every part is one ``compile`` + ``simulate`` of a (filtered) model-step
  trace.  With one prompt the formula is ``F(L)`` itself.  On designs whose time and energy
  are sums over ops (the systolic host, the GPU roofline) it equals the joint simulation of the
  same bucketed lengths up to float rounding; where ops overlap (FlightLLM) it is within 2e-4
  (``tests/serve/test_prefill_split.py``).  Prefill simulations are bounded by
  ``2 (P + ceil(M / P) + 1) + max_seqs`` whatever the traffic (``M`` the token limit of an
  iteration: ``F`` and ``G`` at lengths 1..P, multiples of P up to about M and the context
  clip; ``H`` at 1..max_seqs).
  Without ``prefill_split`` the key is the sorted tuple of bucketed chunks (one joint
  simulation per distinct tuple, unbounded in practice).

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


def bucket_mean_kv(kv_lens: Sequence[int], bucket: int, limit: int) -> int:
    """The one KV length (tokens) a bucketed decode is simulated at: the mean rounded to the
    nearest multiple of ``bucket``, within 1..limit-1."""
    mean = sum(kv_lens) / len(kv_lens)
    return min(max(1, bucket * round(mean / bucket)), limit - 1)


def bucket_kv(kv_lens: Sequence[int], bucket: int | None, limit: int) -> tuple[int, ...]:
    """Decode KV lengths as simulated: exact, or all at the bucketed mean (:func:`bucket_mean_kv`)."""
    if not bucket:
        return tuple(sorted(kv_lens))
    return (bucket_mean_kv(kv_lens, bucket, limit),) * len(kv_lens)


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


#: Roles of a prefill trace's per-prompt ops (each prompt attends to its own tokens;
#: workloads/graph.py emits them once per request): every other op runs over all the tokens.
PER_PROMPT_ROLES = frozenset({"attn_score", "softmax", "attn_context"})
#: Role of the LM head (one row per prompt in a prefill, per sequence in a decode).
LM_HEAD_ROLE = "lm_head"
#: Cached parts (first element of a cache key): a full prefill or decode step (key: the lengths),
#: a decode with every sequence at one KV length (key: sequences, KV), a prefill's token-parallel
#: ops (key: tokens), the LM head (key: rows).
PARTS = ("prefill", "decode", "decode_uniform", "prefill_tokens", "lm_head")


def split_tokens(total: int, limit: int) -> list[int]:
    """``total`` tokens as prompts of at most ``limit`` tokens (only the token-parallel ops of
    such a trace are kept, and they see ``total`` rows whatever the split)."""
    return [limit] * (total // limit) + ([total % limit] if total % limit else [])


@dataclass
class ModelCosts:
    """Cached iteration costs of one model on one preset (a :data:`CostFn`).

    ``bucket`` (tokens; None: every shape exact) buckets decode KV lengths, ``prefill_bucket``
    (tokens; None: exact) prefill chunk lengths, ``prefill_split`` prices a prefill from
    cached parts (module docstring); ``misses`` counts simulations (per part in ``by_part``).
    """

    model: Any
    hw: Any
    quant: Any
    bucket: int | None = 64
    tp: int = 1
    prefill_hw: Any = None
    seq_bucket: int | None = None
    max_seqs: int | None = None
    seq_exact: int = 0
    prefill_bucket: int | None = 64
    prefill_split: bool = True
    cache: dict = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    by_part: dict = field(default_factory=dict)

    def _step(self, part: str, key: tuple[int, ...]) -> tuple[float, float]:
        """(seconds, pJ) of one cached part: simulated on the first lookup of ``(part, key)``."""
        ck = (part, key)
        hit = self.cache.get(ck)
        if hit is not None:
            self.hits += 1
            return hit
        self.misses += 1
        self.by_part[part] = self.by_part.get(part, 0) + 1
        self.cache[ck] = self._simulate(part, key)
        return self.cache[ck]

    def _simulate(self, part: str, key: tuple[int, ...]) -> tuple[float, float]:
        """One ``compile`` + ``simulate`` of the part's trace (see the module docstring)."""
        from dataclasses import replace

        from llmaccel.sim.designs import get_design
        from llmaccel.workload import model_trace
        from llmaccel.workloads.trace import Request

        decode = part in ("decode", "decode_uniform")
        hw = self.prefill_hw if not decode and self.prefill_hw is not None else self.hw
        if part == "decode_uniform":  # key (sequences, KV length of each)
            reqs = [Request(i, key[1], 1, key[1]) for i in range(key[0])]
        elif decode:
            reqs = [Request(i, kv, 1, kv) for i, kv in enumerate(key)]
        elif part == "prefill_tokens":
            reqs = [Request(i, n, 1, 0) for i, n in enumerate(split_tokens(key[0], self.model.max_position_embeddings))]
        elif part == "lm_head":
            reqs = [Request(i, 1, 1, 0) for i in range(key[0])]
        else:
            reqs = [Request(i, n, 1, 0) for i, n in enumerate(key)]
        trace = model_trace(
            self.model, "decode" if decode else "prefill", tp=self.tp, quant=self.quant, lm_head=True, requests=reqs
        )
        if part == "prefill_tokens":
            keep = [op for op in trace.ops if op.role not in PER_PROMPT_ROLES and op.role != LM_HEAD_ROLE]
            trace = replace(trace, ops=keep)
        elif part == "lm_head":
            trace = replace(trace, ops=[op for op in trace.ops if op.role == LM_HEAD_ROLE])
        design = get_design(hw.design)
        r = design.simulate(design.compile(trace, hw), hw)
        return float(r.time_s), float(r.total_energy_pj)

    def __call__(self, prefill: Sequence[int], decode: Sequence[int]) -> tuple[float, float]:
        t = e = 0.0
        if prefill:
            t, e = self._prefill(prefill)
        if decode:
            dt, de = self._decode(decode)
            t, e = t + dt, e + de
        return t, e

    def _prefill(self, chunks: Sequence[int]) -> tuple[float, float]:
        """The prefill part (seconds, pJ): exact, joint over bucketed chunks, or split (module docstring)."""
        if not self.bucket:
            return self._step("prefill", tuple(sorted(chunks)))
        limit = self.model.max_position_embeddings
        lens = tuple(sorted(min(bucket_chunk(c, self.prefill_bucket), limit) for c in chunks))
        if not self.prefill_split or len(lens) == 1:
            return self._step("prefill", lens)
        t, e = self._step("prefill_tokens", (bucket_chunk(sum(chunks), self.prefill_bucket),))
        ht, he = self._step("lm_head", (len(lens),))
        h1t, h1e = self._step("lm_head", (1,))
        t, e = t + ht, e + he
        for n in lens:
            ft, fe = self._step("prefill", (n,))
            gt, ge = self._step("prefill_tokens", (n,))
            t += ft - gt - h1t
            e += fe - ge - h1e
        return t, e

    def _decode(self, kv_lens: Sequence[int]) -> tuple[float, float]:
        """The decode part (seconds, pJ): bucketed KV, sequence count interpolated (module docstring)."""
        if not self.bucket:
            return self._step("decode", bucket_kv(kv_lens, None, self.model.max_position_embeddings))
        kv = bucket_mean_kv(kv_lens, self.bucket, self.model.max_position_embeddings)
        t = e = 0.0
        for n, w in seq_points(len(kv_lens), self.seq_bucket, self.max_seqs, self.seq_exact):
            st, se = self._step("decode_uniform", (n, kv))
            t, e = t + w * st, e + w * se
        return t, e

    @property
    def hit_rate(self) -> float | None:
        """Share of part lookups served from the cache (None before any lookup)."""
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
