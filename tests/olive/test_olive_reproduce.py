"""``llmaccel reproduce olive``: row structure, paper values, JSON output."""

from __future__ import annotations

import json

from llmaccel.cli import main
from llmaccel.reproduce import olive


def test_rows_and_paper_values(capsys):
    rows = olive.reproduce()
    geo = {(r.metric): r for r in rows if r.workload == "geomean of 5 models"}
    assert geo["speedup vs GOBO"].paper == 4.5 and geo["energy reduction vs GOBO"].paper == 4.0
    for key in ("speedup vs INT8", "speedup vs ANT-8", "speedup vs OLAccel", "speedup vs AdaFloat"):
        assert geo[key].paper is None and geo[key].rel_err is None and geo[key].model > 1.0
    # ANT-4 runs on OliVe's slot: same speed (the difference is accuracy, not throughput)
    assert abs(geo["speedup vs ANT-4"].model - 1.0) < 1e-9
    # every per-model row is a positive ratio and has an assumption text
    assert all(r.model > 0 and r.assumptions for r in rows)
    models = {r.workload for r in rows} - {
        "geomean of 5 models",
        "geomean of 5 models, RTX 2080 Ti",
        "32x32 array, 28 nm",
    }
    # the paper's 4.5x / 4.0x over GOBO is its GPU result: it sits on the GPU rows
    gpu = {r.metric: r for r in rows if r.workload == "geomean of 5 models, RTX 2080 Ti"}
    assert gpu["speedup vs GOBO (GPU)"].paper == 4.5 and gpu["energy reduction vs GOBO (GPU)"].paper == 4.0
    assert gpu["speedup vs GOBO (GPU)"].assumptions.startswith("model input")
    area = [r for r in rows if r.metric.startswith("decoder area overhead")]
    assert [r.paper for r in area] == [0.022, 0.015] and all(0 < r.model < 0.05 for r in area)
    assert len(models) == 5
    assert main(["reproduce", "olive", "--format", "json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data[0]) == {"design", "workload", "metric", "baseline", "paper", "model", "rel_err", "assumptions"}
    assert len(data) == len(rows)
