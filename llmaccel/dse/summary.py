"""Front extraction from a stored sweep: the rows a table, JSON or HTML report shows."""

from __future__ import annotations

from typing import Any

import numpy as np

from llmaccel.dse.pareto import pareto_mask


def aggregate(
    rows: list[dict[str, Any]], objectives: list[dict[str, str]], constraints: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per design point: mean metrics over workloads, feasibility, Pareto flag."""
    by_point: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_point.setdefault(r["point_key"], []).append(r)
    out = []
    for pk in sorted(by_point):
        rs = by_point[pk]
        ok = all(r["status"] == "ok" for r in rs)
        entry: dict[str, Any] = {
            "point": rs[0]["point"],
            "status": "ok" if ok else "error",
            "error": next((r["error"] for r in rs if r["error"]), None),
        }
        metrics = [
            k
            for k in rs[0]
            if k
            not in (
                "sweep",
                "point_key",
                "workload_key",
                "point",
                "workload",
                "host",
                "status",
                "error",
                "seconds",
                "metrics_json",
            )
        ]
        for m in metrics:
            vals = [r[m] for r in rs]
            entry[m] = float(np.mean(vals)) if ok and all(v is not None for v in vals) else None
        feasible = ok
        for c in constraints:
            v = entry.get(c["metric"])
            if v is None or (c.get("min") is not None and v < c["min"]) or (c.get("max") is not None and v > c["max"]):
                feasible = False
        entry["feasible"] = feasible
        out.append(entry)
    cand = [i for i, e in enumerate(out) if e["feasible"] and all(e.get(o["metric"]) is not None for o in objectives)]
    for e in out:
        e["pareto"] = False
    if cand:
        F = np.array([[out[i][o["metric"]] * (1 if o["goal"] == "min" else -1) for o in objectives] for i in cand])
        for i, keep in zip(cand, pareto_mask(F)):
            out[i]["pareto"] = bool(keep)
    return out
