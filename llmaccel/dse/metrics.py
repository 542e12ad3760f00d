"""Metrics of one (design point, workload) evaluation, derived from a Result.

=================== ======= ============================================================
metric              unit    meaning
=================== ======= ============================================================
latency_s           s       end-to-end time of the simulated step
tokens              tokens  tokens the step produces (decode: one per request) or
                            consumes (prefill: sum of prompt lengths)
tokens_per_s        1/s     tokens / latency_s
energy_j            J       total energy of the step (all components)
energy_per_token_j  J       energy_j / tokens
tokens_per_j        1/J     tokens / energy_j
power_w             W       energy_j / latency_s
utilisation         0..1    MACs / (cycles x peak MACs per cycle)
dram_bytes          B       off-chip bytes read + written (``Result.offchip_bytes()``)
area_mm2            mm^2    the design's area model, ``Result.area_mm2`` summed (null if none)
cost_usd            USD     device price from the preset's ``cost.usd`` (null if absent)
bits_per_weight     bit     stored bits per logical weight of the workload's weight matmuls
                            (codes x density + group scales; sparse indices excluded):
                            the compression axis, fewer bits = more accuracy risk (null
                            without weight matmuls)
ttft_p50_s          s       serving (space with ``serve:``): median time to first token
ttft_p99_s          s       serving: 99th percentile time to first token
tpot_p50_s          s       serving: median time per output token after the first
tpot_p99_s          s       serving: 99th percentile time per output token
throughput_tok_s    1/s     serving: output tokens / makespan (first arrival to last finish)
goodput_req_s       1/s     serving: requests meeting every SLO given / makespan
=================== ======= ============================================================

The serving metrics are ``llmaccel serve``'s for one rate (``llmaccel.dse.serving``); they
are null in a space without a ``serve:`` section.
"""

from __future__ import annotations

from typing import Any

METRICS = (
    "latency_s",
    "tokens",
    "tokens_per_s",
    "energy_j",
    "energy_per_token_j",
    "tokens_per_j",
    "power_w",
    "utilisation",
    "dram_bytes",
    "area_mm2",
    "cost_usd",
    "bits_per_weight",
    "ttft_p50_s",
    "ttft_p99_s",
    "tpot_p50_s",
    "tpot_p99_s",
    "throughput_tok_s",
    "goodput_req_s",
)


def step_tokens(trace: Any) -> int:
    """Tokens of a traced step: decode -> one per request; prefill -> prompt tokens
    (:func:`llmaccel.workload.step_tokens`); a trace without requests -> rows of its first GEMM."""
    from llmaccel.workload import step_tokens as request_tokens

    n = request_tokens(trace)
    if n is not None:
        return n
    gemms = [op for op in trace.ops if op.kind.value in ("gemm", "gemv")]
    return int(gemms[0].m) if gemms else 1


def metrics_of(result: Any, trace: Any, hw: Any) -> dict[str, Any]:
    """All :data:`METRICS` for one simulated step, read from the Result's typed fields
    (tokens: ``Result.tokens``, else :func:`step_tokens` of the trace)."""
    latency = float(result.time_s)
    tokens = result.tokens if result.tokens is not None else step_tokens(trace)
    energy = float(result.total_energy_pj) * 1e-12
    dram = result.offchip_bytes()
    area = result.total_area_mm2
    cost = hw.get("cost.usd", None)
    return {
        "latency_s": latency,
        "tokens": tokens,
        "tokens_per_s": tokens / latency if latency > 0 else None,
        "energy_j": energy,
        "energy_per_token_j": energy / tokens if tokens else None,
        "tokens_per_j": tokens / energy if energy > 0 else None,
        "power_w": energy / latency if latency > 0 else None,
        "utilisation": float(result.utilisation),
        "dram_bytes": float(dram),
        "area_mm2": area,
        "cost_usd": float(cost) if cost is not None else None,
        "bits_per_weight": bits_per_weight(trace),
    }


def bits_per_weight(trace: Any) -> float | None:
    """Stored bits per logical weight over the trace's weight matmuls, weighted by weight count
    (``QuantSpec.storage_bits_per_value``); None without weight matmuls.  It is the format the
    workload asks for: a design's own overrides (FlightLLM's INT8 first/last blocks) are not seen."""
    bits = count = 0.0
    for op in trace.ops:
        if op.kind.is_matmul and op.b_class == "weight":
            n = op.k * op.n * op.count
            bits += n * op.b_spec.storage_bits_per_value()
            count += n
    return bits / count if count else None


def breakdowns_of(result: Any) -> dict[str, dict[str, float]]:
    """Energy per component (pJ) and time per op kind (s): stored as JSON beside the metrics."""
    time_by_kind: dict[str, float] = {}
    for o in result.ops:
        time_by_kind[o.kind] = time_by_kind.get(o.kind, 0.0) + o.cycles / (result.clock_mhz * 1e6)
    return {
        "energy_pj": {k: float(v) for k, v in sorted(result.energy_pj.items())},
        "time_s_by_kind": dict(sorted(time_by_kind.items())),
    }
