"""A whole request (prefill + every decode step) on FlightLLM, with length-bucket caching.

Length-adaptive compilation (spec [A]): one program per length bucket — prefill
lengths rounded up to a multiple of ``isa.prefill_bucket`` (128), decode KV lengths to
``isa.decode_bucket`` (16), up to ``isa.max_len``.  A bucket's program runs at the
bucket's length (the padded rows/keys are computed; this is what a shared program
does), so its simulated step is computed once and reused for every length in the
bucket: a [512, 1536] request simulates 1 prefill + 96 decode buckets, not 1537 steps.

Decode step ``i`` (0-based) of a request with prompt ``P`` attends to ``P + i`` cached
tokens plus itself: its KV length is ``P + i + 1``.

Two fidelities of a step:

* ``full`` — the whole program (all blocks + LM head) through the scheduler;
* ``steady`` — steady-state layer extrapolation: programs of ``K`` and ``K+1`` blocks
  (first and last block keep their precision) are scheduled and the step is
  ``T(K) + (L - K) * (T(K+1) - T(K))``; the same for bytes, energy and program size.
  Tests hold it within 0.5 % of ``full``; ``llmaccel reproduce flightllm`` uses it to
  stay within its time budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from llmaccel.mapping.flightllm.compiler import CompilerParams, bucket_of, compile_trace
from llmaccel.sim.flightllm.design import DESIGN, _hw_key
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import Result
from llmaccel.workloads.errors import InputError, require_positive_int
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.model_config import ModelConfig
from llmaccel.workloads.requests import fixed

#: blocks simulated by the steady-state extrapolation (first, K-2 middle, last)
STEADY_BLOCKS = 3


@dataclass(frozen=True)
class StepSummary:
    """One step program's totals: cycles, seconds, pJ, HBM bytes, program bytes."""

    cycles: float
    time_s: float
    energy_pj: float
    hbm_bytes: float
    program_bytes: float

    @staticmethod
    def of(r: Result) -> StepSummary:
        return StepSummary(
            float(r.total_cycles),
            r.time_s,
            r.total_energy_pj,
            float(r.meta["hbm_bytes"]),
            float(r.meta["program_bytes"]),
        )

    def extrapolate(self, nxt: StepSummary, extra: int) -> StepSummary:
        f = lambda a, b: a + extra * (b - a)  # noqa: E731
        return StepSummary(
            f(self.cycles, nxt.cycles),
            f(self.time_s, nxt.time_s),
            f(self.energy_pj, nxt.energy_pj),
            f(self.hbm_bytes, nxt.hbm_bytes),
            f(self.program_bytes, nxt.program_bytes),
        )


@dataclass
class BucketCache:
    """Simulated step summaries keyed by (preset, model, quant, phase, bucket length, fidelity)."""

    results: dict[tuple, StepSummary] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def get(self, key: tuple, make) -> StepSummary:
        r = self.results.get(key)
        if r is None:
            self.misses += 1
            r = make()
            self.results[key] = r
        else:
            self.hits += 1
        return r


@dataclass
class RequestResult:
    """One request. Times in seconds, energy in joules, bytes in bytes."""

    prefill_s: float
    decode_s: float
    gen_tokens: int
    energy_j: float
    decode_energy_j: float
    decode_hbm_bytes: float
    decode_bw_utilisation: float
    buckets: dict[str, list[int]]
    program_bytes_bucketed: float

    @property
    def latency_s(self) -> float:
        return self.prefill_s + self.decode_s

    @property
    def decode_tokens_per_s(self) -> float:
        return self.gen_tokens / self.decode_s

    @property
    def tokens_per_j(self) -> float:
        return self.gen_tokens / self.energy_j


def _requests(phase: str, length: int):
    if phase == "prefill":
        return fixed(1, length, 1, phase="prefill")
    return fixed(1, max(1, length - 1), 1, kv_len=length)


def _run(model: ModelConfig, phase: str, length: int, hw: HardwareConfig, quant: str, layers: int | None) -> Result:
    # workloads.graph requires kv_len < max positions: a bucket ending exactly at the model's
    # limit (OPT-6.7B: 2048) is traced one key shorter.
    length = min(length, model.max_position_embeddings - (1 if phase == "decode" else 0))
    tr = build_trace(model, phase, _requests(phase, length), quant=quant, layers=layers, include_lm_head=True)
    prog = compile_trace(tr, CompilerParams.of(hw), n_layers=layers)
    return DESIGN.simulate(prog, hw)


def step_summary(
    model: ModelConfig,
    phase: str,
    length: int,
    hw: HardwareConfig,
    quant: str,
    cache: BucketCache,
    fidelity: Literal["full", "steady"] = "full",
) -> StepSummary:
    """Totals of one step program at bucket ``length`` (cached)."""
    if fidelity not in ("full", "steady"):
        raise InputError("fidelity", f"allowed: full, steady; got {fidelity!r}")
    key = (_hw_key(hw), model.name, quant, phase, length, fidelity)
    L = model.num_hidden_layers

    def make() -> StepSummary:
        if fidelity == "full" or L <= STEADY_BLOCKS + 1:
            return StepSummary.of(_run(model, phase, length, hw, quant, None))
        a = StepSummary.of(_run(model, phase, length, hw, quant, STEADY_BLOCKS))
        b = StepSummary.of(_run(model, phase, length, hw, quant, STEADY_BLOCKS + 1))
        return a.extrapolate(b, L - STEADY_BLOCKS)

    return cache.get(key, make)


def simulate_request(
    model: ModelConfig,
    prompt_len: int,
    gen_len: int,
    hw: HardwareConfig,
    quant: str = "flightllm-paper",
    cache: BucketCache | None = None,
    fidelity: Literal["full", "steady"] = "full",
) -> RequestResult:
    """Prefill ``prompt_len`` tokens then generate ``gen_len`` tokens at batch 1."""
    prompt_len = require_positive_int("prompt_len", prompt_len)
    gen_len = require_positive_int("gen_len", gen_len)
    cache = cache if cache is not None else BucketCache()
    cp = CompilerParams.of(hw)
    pb = bucket_of(prompt_len, "prefill", cp)
    bucket_of(prompt_len + gen_len, "decode", cp)  # validates the final length
    pre = step_summary(model, "prefill", pb, hw, quant, cache, fidelity)
    used: dict[int, int] = {}
    for i in range(gen_len):
        b = bucket_of(prompt_len + i + 1, "decode", cp)
        used[b] = used.get(b, 0) + 1
    decode_s = decode_pj = dec_bytes = 0.0
    prog_bytes = pre.program_bytes
    for b, count in sorted(used.items()):
        r = step_summary(model, "decode", b, hw, quant, cache, fidelity)
        decode_s += count * r.time_s
        decode_pj += count * r.energy_pj
        dec_bytes += count * r.hbm_bytes
        prog_bytes += r.program_bytes
    peak = hw.get("hbm.peak_gbps") * 1e9
    return RequestResult(
        pre.time_s,
        decode_s,
        gen_len,
        (pre.energy_pj + decode_pj) * 1e-12,
        decode_pj * 1e-12,
        dec_bytes,
        dec_bytes / (decode_s * peak),
        {"prefill": [pb], "decode": sorted(used)},
        prog_bytes,
    )
