"""Serving metrics from a simulated run (seconds, tokens, pJ).

Per request: TTFT = first token - arrival (the first token is emitted by the prefill
iteration); TPOT = (finish - first token) / (output tokens - 1) (None for one output token);
E2E = finish - arrival.  Per run: mean and p50/p90/p99 (numpy's linear interpolation) of each,
throughput over the makespan (first arrival to last finish), goodput (requests per second
meeting every SLO given), energy per output token, KV occupancy and batch size over time, and
the time-averaged number of requests in the system (for Little's law, L = lambda x W).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from llmaccel.serve.engine import RunResult
from llmaccel.workloads.errors import InputError

PERCENTILES = (50, 90, 99)


def parse_slo(flag: str, text: str | None) -> float | None:
    """An SLO in seconds from ``"0.5"``, ``"500ms"`` or ``"0.5s"``; InputError when unparsable."""
    if text is None:
        return None
    raw = str(text).strip().lower()
    scale = 1.0
    if raw.endswith("ms"):
        raw, scale = raw[:-2], 1e-3
    elif raw.endswith("s"):
        raw = raw[:-1]
    try:
        v = float(raw) * scale
    except ValueError:
        raise InputError(flag, f"must be a positive time like 0.5, 0.5s or 500ms, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(flag, f"must be a positive time like 0.5, 0.5s or 500ms, got {text!r}")
    return v


def request_rows(run: RunResult) -> list[dict[str, Any]]:
    """One row per request (arrival order)."""
    rows = []
    for s in run.states:
        r = s.req
        assert s.first_token_s is not None and s.finish_s is not None, "run not finished"
        tpot = (s.finish_s - s.first_token_s) / (r.output_tokens - 1) if r.output_tokens > 1 else None
        rows.append(
            {
                "id": r.id,
                "arrival_s": r.arrival_s,
                "prompt_tokens": r.prompt_tokens,
                "output_tokens": r.output_tokens,
                "first_token_s": s.first_token_s,
                "finish_s": s.finish_s,
                "ttft_s": s.first_token_s - r.arrival_s,
                "tpot_s": tpot,
                "e2e_s": s.finish_s - r.arrival_s,
                "preemptions": s.preemptions,
            }
        )
    return rows


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, **{f"p{p}": None for p in PERCENTILES}}
    a = np.asarray(values, dtype=float)
    return {"mean": float(a.mean()), **{f"p{p}": float(np.percentile(a, p)) for p in PERCENTILES}}


def little(run: RunResult, rows: list[dict[str, Any]]) -> dict[str, float]:
    """Little's law from the timeline: L = time-average of requests in the system over the
    makespan (from the iterations; idle gaps count 0), against lambda x W from the requests."""
    start = min(r["arrival_s"] for r in rows)
    end = max(r["finish_s"] for r in rows)
    span = end - start
    area = sum(it.in_system * it.time_s for it in run.iterations)
    lam = len(rows) / span
    w = sum(r["e2e_s"] for r in rows) / len(rows)
    return {"mean_in_system": area / span, "throughput_x_mean_time": lam * w}


def summarize(run: RunResult, slo_ttft: float | None = None, slo_tpot: float | None = None) -> dict[str, Any]:
    """Per-run summary (see the module docstring)."""
    rows = request_rows(run)
    start = min(r["arrival_s"] for r in rows)
    end = max(r["finish_s"] for r in rows)
    span = end - start
    out_tokens = sum(r["output_tokens"] for r in rows)
    energy = sum(it.energy_pj for it in run.iterations)

    def good(r: dict) -> bool:
        ok_ttft = slo_ttft is None or r["ttft_s"] <= slo_ttft
        ok_tpot = slo_tpot is None or r["tpot_s"] is None or r["tpot_s"] <= slo_tpot
        return ok_ttft and ok_tpot

    n_good = sum(1 for r in rows if good(r))
    busy = sum(it.time_s for it in run.iterations)
    batch = [it.prefill_seqs + it.decode_seqs for it in run.iterations]
    return {
        "requests": len(rows),
        "makespan_s": span,
        "busy_s": busy,
        "iterations": len(run.iterations),
        "latency": {k: _stats([r[k] for r in rows if r[k] is not None]) for k in ("ttft_s", "tpot_s", "e2e_s")},
        "throughput_req_s": len(rows) / span,
        "throughput_tok_s": out_tokens / span,
        "slo": {"ttft_s": slo_ttft, "tpot_s": slo_tpot},
        "slo_attained": n_good / len(rows),
        "goodput_req_s": n_good / span,
        "energy_pj": energy,
        "energy_per_token_pj": energy / out_tokens,
        "preemptions": sum(r["preemptions"] for r in rows),
        "kv_blocks": run.kv_blocks,
        "block_size": run.block_size,
        "kv_occupancy_peak": max(it.kv_blocks_used for it in run.iterations) / run.kv_blocks,
        "kv_occupancy_mean": sum(it.kv_blocks_used * it.time_s for it in run.iterations) / busy / run.kv_blocks,
        "batch_size_mean": sum(b * it.time_s for b, it in zip(batch, run.iterations)) / busy,
        "batch_size_max": max(batch),
        "little": little(run, rows),
    }
