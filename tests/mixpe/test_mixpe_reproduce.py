"""``llmaccel reproduce mixpe`` rows: complete, self-consistent, deterministic."""

from __future__ import annotations

import math

from llmaccel.reproduce import mixpe


def test_rows_complete_and_geomeans_consistent():
    rows = mixpe.reproduce()
    per = {}
    for r in rows:
        d = r.to_dict()
        assert set(d) == {"design", "workload", "metric", "baseline", "paper", "model", "rel_err", "assumptions"}
        assert d["design"] == "mixpe" and math.isfinite(d["model"]) and d["model"] > 0 and d["assumptions"]
        if r.workload.split()[0] in ("OPT-6.7B", "LLaMA-2-13B", "ViT-B", "ViT-H") and r.metric == "speedup":
            per.setdefault((r.workload.split()[-1], r.baseline), []).append(r.model)
    assert len(per) == 2 * 5 + 1 and all(len(v) == 4 for v in per.values())  # + ANT (sim/olive), W4A8
    geo = {
        (r.workload.split()[-1], r.baseline): r.model
        for r in rows
        if r.workload.startswith("geomean W") and r.metric == "speedup"
    }
    for key, vals in per.items():
        assert math.isclose(geo[key], math.prod(vals) ** 0.25, rel_tol=1e-12)
    (head,) = [r for r in rows if r.metric == "speedup vs strongest baseline"]
    assert head.paper == 2.6 and head.baseline in ("ANT", "BitFusion", "INT8", "FP16")
    # the strongest baseline is the one MixPE beats by the least (geomean over both configs)
    both = {bl: (geo[("W4A8", bl)] * geo[("W4A16", bl)]) ** 0.5 for bl in ("ANT", "BitFusion", "INT8", "FP16")}
    assert head.baseline == min(both, key=both.get)
    assert math.isclose(head.model, both[head.baseline], rel_tol=1e-9)


def test_runs_are_deterministic():
    args = ("vit-b", "w4a16-g128", "mixpe-w4a16")
    assert mixpe.run.__wrapped__(*args) == mixpe.run.__wrapped__(*args)
