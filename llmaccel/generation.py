"""``llmaccel run --gen-len N``: the decode steps that generate N tokens per request.

Step ``j`` (``j = 0 .. N-1``) of a request whose KV cache starts at ``kv`` tokens attends to
``kv + j`` keys.  Steps are grouped in buckets of ``bucket`` consecutive ``j``; each bucket is
simulated once, at its middle step ``j_mid = (lo + hi - 1) // 2`` (attention work is linear in
the KV length, so the middle step stands for the bucket's mean up to half a token), and counts
``hi - lo`` times.  Totals: ``time = sum(steps_b * time_b)``, the same for energy; per token =
total / N; throughput = batch * N / time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from llmaccel.workloads.errors import InputError, require_positive_int


def buckets(gen_len: int, bucket: int) -> list[tuple[int, int]]:
    """``[(lo, hi), ...]``: step ranges of at most ``bucket`` steps covering ``0 .. gen_len-1``."""
    return [(lo, min(lo + bucket, gen_len)) for lo in range(0, gen_len, bucket)]


def simulate_generation(trace: Any, args: Any, hw: Any, design: Any) -> dict:
    """Simulate the generation of ``args.gen_len`` tokens after the traced decode step's KV state."""
    from llmaccel.workload import model_trace
    from llmaccel.workloads.zoo import get_model

    n = require_positive_int("--gen-len", args.gen_len)
    size = require_positive_int("--gen-bucket", args.gen_bucket)
    if args.phase != "decode":
        raise InputError("--gen-len", "simulates decode steps; use --phase decode (or leave --gen-len out)")
    model = get_model(args.model)
    reqs = list(trace.requests)
    limit = model.max_position_embeddings
    longest = max(r.kv_len for r in reqs) + n - 1
    if longest >= limit:
        raise InputError(
            "--gen-len",
            f"KV cache would reach {longest} tokens; {model.name} has {limit} positions, so at most "
            f"{limit - max(r.kv_len for r in reqs)} tokens can be generated",
        )
    steps = []
    time_s = energy = 0.0
    for lo, hi in buckets(n, size):
        mid = (lo + hi - 1) // 2
        shifted = [replace(r, kv_len=r.kv_len + mid) for r in reqs]
        tr = model_trace(
            model,
            "decode",
            tp=args.tp,
            quant=args.quant,
            layers=args.layers,
            lm_head=bool(getattr(args, "lm_head", False)),
            requests=shifted,
        )
        r = design.simulate(design.compile(tr, hw), hw)
        steps.append(
            {"steps": hi - lo, "first_step": lo, "kv_offset": mid, "time_s": r.time_s, "energy_pj": r.total_energy_pj}
        )
        time_s += (hi - lo) * r.time_s
        energy += (hi - lo) * r.total_energy_pj
    return {
        "gen_len": n,
        "bucket": size,
        "requests": len(reqs),
        "kv_start": [r.kv_len for r in reqs] if len(reqs) <= 16 else None,
        "method": "decode steps at KV lengths kv..kv+gen_len-1, one simulation per bucket at its middle step",
        "buckets": steps,
        "time_s": time_s,
        "energy_pj": energy,
        "time_per_token_s": time_s / n,
        "energy_per_token_pj": energy / (n * len(reqs)),
        "tokens_per_s": n * len(reqs) / time_s if time_s else None,
    }


def describe(gen: dict) -> str:
    """One line for the table output."""
    per = gen["time_per_token_s"] * 1e3
    return (
        f"generation: {gen['gen_len']} tokens x {gen['requests']} requests in {len(gen['buckets'])} simulated "
        f"buckets of {gen['bucket']} steps: {per:.4g} ms per step, total {gen['time_s']:.4g} s, "
        f"{gen['energy_pj'] / 1e12:.4g} J, {gen['tokens_per_s']:.4g} tokens/s"
    )
