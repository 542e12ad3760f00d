"""The ``serve:`` section of a sweep space: serving simulation per (design point, workload).

Schema (every key optional except one of ``rate`` / ``rates``; names and defaults are those of
the ``llmaccel serve`` flags, with ``-`` written ``_``)::

    serve:
      rate: 2                  # requests/s; or rates: [1, 2, 4] (one evaluation per rate)
      requests: 200            # requests simulated per evaluation
      arrivals: poisson        # poisson | gamma (with cv)
      cv: 1.0
      dist: sharegpt           # request lengths: sharegpt | alpaca
      seed: 0
      max_batch: 256           # scheduler: sequences per iteration
      max_batched_tokens: 4096 # scheduler: tokens per iteration
      chunked_prefill: null    # Sarathi chunk (tokens) or null
      block_size: 16           # KV block (tokens)
      kv_bucket: 64            # KV-length bucket of cached iteration costs; 0: exact
      seq_bucket: 32           # decode sequence counts above it interpolated per segment; 0: exact
      seq_exact: 32            # decode sequence counts up to it simulated exactly
      prefill_bucket: 64       # prompt (chunk) lengths above it at its nearest multiple; 0: exact
      prefill_split: true      # token-parallel ops at the total tokens + per-prompt attention
      memory_gb: null          # device memory; null: sim/tables/serving_memory.yaml
      preemption: recompute    # recompute | swap
      slo_ttft: 1s             # SLOs for goodput (s, "0.5s" or "500ms")
      slo_tpot: 100ms

Each workload entry is evaluated once per rate: the entry carries its run settings under the
key ``serve`` (with the one ``rate``), so the rate is part of the workload's identity in the store.
The workload's ``model``, ``quant`` (default: the host's) and ``tp`` are served; its step fields
(phase, batch, lengths) only shape the step metrics.
"""

from __future__ import annotations

import math
from typing import Any

from llmaccel.workload import DEFAULT_SEED
from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError

#: Metrics filled only by a serving run (null without a ``serve:`` section).
SERVE_METRICS = ("ttft_p50_s", "ttft_p99_s", "tpot_p50_s", "tpot_p99_s", "throughput_tok_s", "goodput_req_s")

DEFAULTS: dict[str, Any] = {
    "requests": 100,
    "arrivals": "poisson",
    "cv": 1.0,
    "dist": "sharegpt",
    "seed": DEFAULT_SEED,
    "max_batch": 256,
    "max_batched_tokens": 4096,
    "chunked_prefill": None,
    "block_size": 16,
    "kv_bucket": 64,
    "seq_bucket": 32,
    "seq_exact": 32,
    "prefill_bucket": 64,
    "prefill_split": True,
    "memory_gb": None,
    "preemption": "recompute",
    "slo_ttft": None,
    "slo_tpot": None,
}
FIELDS = ("rate", "rates", *DEFAULTS)


def _positive_int(field: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
        raise InputError(field, f"must be a positive integer, got {v!r}")
    return v


def _positive_number(field: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        raise InputError(field, f"must be a positive number, got {v!r}")
    return float(v)


def check_serve(doc: Any, models: list[str], host: str) -> list[dict[str, Any]]:
    """Validate a ``serve:`` section; one resolved settings dict per rate (SLOs in seconds).

    ``models``: the workloads' model names, each must be a decoder (serving needs a KV cache);
    ``host``: the preset name, which needs a device memory size (or ``memory_gb``) and, for swap
    preemption, a host link in ``sim/tables/serving_memory.yaml``.
    """
    from llmaccel.serve.arrivals import check_rate
    from llmaccel.serve.metrics import parse_slo
    from llmaccel.serve.scheduler import PREEMPTION
    from llmaccel.workloads.requests import dist_names
    from llmaccel.workloads.zoo import get_model

    if not isinstance(doc, dict):
        raise InputError("serve", "must be a mapping of llmaccel serve settings (rate, requests, ...)")
    unknown = sorted((k for k in doc if k not in FIELDS), key=str)
    if unknown:
        raise InputError(f"serve.{unknown[0]}", f"unknown field; allowed: {', '.join(FIELDS)}")
    if ("rate" in doc) == ("rates" in doc):
        raise InputError("serve.rate", "give exactly one of rate (requests/s) or rates (a list)")
    if "rates" in doc:
        if not isinstance(doc["rates"], list) or not doc["rates"]:
            raise InputError("serve.rates", "must be a non-empty list of positive rates (requests/s)")
        rates = [check_rate("serve.rates", r) for r in doc["rates"]]
        if len(set(rates)) != len(rates):
            raise InputError("serve.rates", "has duplicate values")
    else:
        rates = [check_rate("serve.rate", doc["rate"])]
    s = {**DEFAULTS, **{k: v for k, v in doc.items() if k not in ("rate", "rates")}}
    limits.check_count("serve.requests", s["requests"], limits.MAX_REQUESTS)
    limits.check_count("serve.seed", s["seed"], limits.MAX_SEED, lo=0)
    for k in ("max_batch", "max_batched_tokens", "block_size"):
        _positive_int(f"serve.{k}", s[k])
    if s["chunked_prefill"] is not None:
        _positive_int("serve.chunked_prefill", s["chunked_prefill"])
    for k, what, most in (
        ("kv_bucket", "0 (exact) or a positive number of tokens", limits.MAX_TOKENS),
        ("seq_bucket", "0 (exact) or a positive sequence count", limits.MAX_REQUESTS),
        ("seq_exact", "a non-negative sequence count", limits.MAX_REQUESTS),
        ("prefill_bucket", "0 (exact) or a positive number of tokens", limits.MAX_TOKENS),
    ):
        v = s[k]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > most:
            raise InputError(f"serve.{k}", f"must be {what} (at most {most}), got {v!r}")
    if not isinstance(s["prefill_split"], bool):
        raise InputError("serve.prefill_split", f"must be true or false, got {s['prefill_split']!r}")
    if s["memory_gb"] is not None:
        s["memory_gb"] = _positive_number("serve.memory_gb", s["memory_gb"])
    s["cv"] = _positive_number("serve.cv", s["cv"])
    if s["arrivals"] not in ("poisson", "gamma"):
        raise InputError("serve.arrivals", f"unknown process {s['arrivals']!r}; allowed: poisson, gamma")
    if s["dist"] not in dist_names():
        raise InputError("serve.dist", f"unknown distribution {s['dist']!r}; allowed: {', '.join(dist_names())}")
    if s["preemption"] not in PREEMPTION:
        raise InputError("serve.preemption", f"unknown policy {s['preemption']!r}; allowed: {', '.join(PREEMPTION)}")
    for k in ("slo_ttft", "slo_tpot"):
        s[k] = parse_slo(f"serve.{k}", None if s[k] is None else str(s[k]))
    _check_host(host, s)
    for i, name in enumerate(models):
        model = get_model(name)
        if model.arch != "decoder":
            raise InputError(f"workloads[{i}].model", f"{model.name} is an {model.arch}; serving needs a decoder")
    return [{**s, "rate": r} for r in rates]


def _check_host(host: str, s: dict[str, Any]) -> None:
    """The host's serving memory entry as ``llmaccel serve`` needs it (fields named ``serve.*``)."""
    from llmaccel.serve.kv_cache import serving_entry

    try:
        entry = serving_entry(host)
    except InputError as e:
        if s["memory_gb"] is None:
            raise InputError("serve.memory_gb", e.problem.replace("--memory-gb", "serve.memory_gb")) from None
        entry = {}
    if s["preemption"] == "swap" and not entry.get("swap_gbps"):
        raise InputError(
            "serve.preemption", f"swap needs a host link bandwidth; {host} has none in serving_memory.yaml"
        )


def serve_metrics(hw: Any, workload: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """:data:`SERVE_METRICS` of one serving run of ``workload``'s model on ``hw`` (through
    :func:`llmaccel.serve.session.serve_summary`, as ``llmaccel serve`` runs one rate)."""
    from llmaccel import config
    from llmaccel.serve.scheduler import SchedulerConfig
    from llmaccel.serve.session import serve_summary

    s = settings
    quant = workload.get("quant") or getattr(hw, "default_quant", None) or config.DEFAULT_QUANT
    sched = SchedulerConfig(s["max_batch"], s["max_batched_tokens"], s["chunked_prefill"], s["preemption"])
    summary = serve_summary(
        hw,
        workload["model"],
        quant,
        s["rate"],
        s["requests"],
        s["seed"],
        s["dist"],
        sched,
        process=s["arrivals"],
        cv=s["cv"],
        block_size=s["block_size"],
        kv_bucket=s["kv_bucket"],
        seq_bucket=s["seq_bucket"],
        seq_exact=s["seq_exact"],
        prefill_bucket=s["prefill_bucket"],
        prefill_split=s["prefill_split"],
        memory_gb=s["memory_gb"],
        tp=int(workload.get("tp", 1)),
        slo_ttft=s["slo_ttft"],
        slo_tpot=s["slo_tpot"],
    )
    out = {}
    for name in SERVE_METRICS:  # "<latency>_p<q>_s" from the latency percentiles, else a summary entry
        latency, _, q = name.removesuffix("_s").partition("_p")
        out[name] = summary["latency"][f"{latency}_s"][f"p{q}"] if q else summary[name]
    return out
