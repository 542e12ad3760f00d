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
dram_bytes          B       off-chip bytes read + written
area_mm2            mm^2    the design's area model (null if the design has none)
cost_usd            USD     device price from the preset's ``cost.usd`` (null if absent)
=================== ======= ============================================================
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
)


def step_tokens(trace: Any) -> int:
    """Tokens of a traced step: decode -> one per request; prefill -> prompt tokens."""
    phase = (trace.meta or {}).get("phase")
    if trace.requests:
        if phase == "prefill":
            return int(sum(r.prompt_len for r in trace.requests))
        return len(trace.requests)
    gemms = [op for op in trace.ops if op.kind.value in ("gemm", "gemv")]
    return int(gemms[0].m) if gemms else 1


def metrics_of(result: Any, trace: Any, hw: Any, design: Any) -> dict[str, Any]:
    """All :data:`METRICS` for one simulated step."""
    latency = float(result.time_s)
    tokens = step_tokens(trace)
    energy = float(result.total_energy_pj) * 1e-12
    dram = sum(v for k, v in result.bytes_total().items() if k.startswith("dram") or k.startswith("hbm"))
    area = area_of(result, hw, design)
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
    }


def area_of(result: Any, hw: Any, design: Any) -> float | None:
    """Area in mm^2: ``design.area_mm2(hw)`` if the design has it, else ``result.meta["area_mm2"]``
    (a number, or a breakdown dict that is summed); None if the design models no area."""
    if hasattr(design, "area_mm2"):
        a = design.area_mm2(hw)
    else:
        a = (result.meta or {}).get("area_mm2")
    if isinstance(a, dict):
        return float(sum(float(v) for v in a.values()))
    return None if a is None else float(a)


def breakdowns_of(result: Any) -> dict[str, dict[str, float]]:
    """Energy per component (pJ) and time per op kind (s): stored as JSON beside the metrics."""
    time_by_kind: dict[str, float] = {}
    for o in result.ops:
        time_by_kind[o.kind] = time_by_kind.get(o.kind, 0.0) + o.cycles / (result.clock_mhz * 1e6)
    return {
        "energy_pj": {k: float(v) for k, v in sorted(result.energy_pj.items())},
        "time_s_by_kind": dict(sorted(time_by_kind.items())),
    }
