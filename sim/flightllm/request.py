"""A whole request (prefill + every decode step) on FlightLLM, with length-bucket caching.

Length-adaptive compilation (spec [A]): one program per length bucket — prefill
lengths rounded up to a multiple of ``isa.prefill_bucket`` (128), decode KV lengths to
``isa.decode_bucket`` (16), up to ``isa.max_len``.  A bucket's program runs at the
bucket's length (the padded rows/keys are computed; this is what a shared program
does), so its simulated Result is computed once and reused for every length in the
bucket: a [512, 1536] request simulates 1 prefill + 96 decode buckets, not 1537 steps.

Decode step ``i`` (0-based) of a request with prompt ``P`` attends to ``P + i`` cached
tokens plus itself: its KV length is ``P + i + 1``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from mapping.flightllm.compiler import CompilerParams, bucket_of
from sim.flightllm.design import DESIGN, _hw_key
from sim.preset import HardwareConfig
from sim.result import Result
from workloads.errors import require_positive_int
from workloads.graph import build_trace
from workloads.model_config import ModelConfig
from workloads.requests import fixed


@dataclass
class BucketCache:
    """Simulated step Results keyed by (preset, model, quant, phase, bucket length)."""

    results: dict[tuple, Result] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def get(self, key: tuple, make) -> Result:
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
    program_bytes_bucketed: int

    @property
    def latency_s(self) -> float:
        return self.prefill_s + self.decode_s

    @property
    def decode_tokens_per_s(self) -> float:
        return self.gen_tokens / self.decode_s

    @property
    def tokens_per_j(self) -> float:
        return self.gen_tokens / self.energy_j


def step_result(model: ModelConfig, phase: str, length: int, hw: HardwareConfig, quant: str,
                cache: BucketCache, layers: int | None = None) -> Result:
    """Result of one step program at bucket ``length`` (cached)."""
    key = (_hw_key(hw), model.name, quant, phase, length, layers)

    def make() -> Result:
        if phase == "prefill":
            reqs = fixed(1, length, 1, phase="prefill")
        else:
            reqs = fixed(1, max(1, length - 1), 1, kv_len=length)
        tr = build_trace(model, phase, reqs, quant=quant, layers=layers, include_lm_head=True)
        return DESIGN.simulate(DESIGN.compile(tr, hw), hw)

    return cache.get(key, make)


def simulate_request(model: ModelConfig, prompt_len: int, gen_len: int, hw: HardwareConfig,
                     quant: str = "flightllm-paper", cache: BucketCache | None = None,
                     layers: int | None = None) -> RequestResult:
    """Prefill ``prompt_len`` tokens then generate ``gen_len`` tokens at batch 1."""
    prompt_len = require_positive_int("prompt_len", prompt_len)
    gen_len = require_positive_int("gen_len", gen_len)
    cache = cache if cache is not None else BucketCache()
    cp = CompilerParams.of(hw)
    pb = bucket_of(prompt_len, "prefill", cp)
    bucket_of(prompt_len + gen_len, "decode", cp)  # validates the final length
    pre = step_result(model, "prefill", pb, hw, quant, cache, layers)
    decode_s = 0.0
    decode_e = 0.0
    dec_bytes = 0.0
    used: dict[int, int] = {}
    for i in range(gen_len):
        b = bucket_of(prompt_len + i + 1, "decode", cp)
        used[b] = used.get(b, 0) + 1
    prog_bytes = int(pre.meta["program_bytes"])
    for b, count in sorted(used.items()):
        r = step_result(model, "decode", b, hw, quant, cache, layers)
        decode_s += count * r.time_s
        decode_e += count * r.total_energy_pj * 1e-12
        dec_bytes += count * r.meta["hbm_bytes"]
        prog_bytes += int(r.meta["program_bytes"])
    peak = hw.get("hbm.peak_gbps") * 1e9
    return RequestResult(pre.time_s, decode_s, gen_len, pre.total_energy_pj * 1e-12 + decode_e, decode_e, dec_bytes,
                         dec_bytes / (decode_s * peak), {"prefill": [pb], "decode": sorted(used)}, prog_bytes)
