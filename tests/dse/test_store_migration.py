"""A results database written before a metric existed still opens, keeps its rows and takes new ones."""

from __future__ import annotations

import json
import sqlite3

from llmaccel.dse.metrics import METRICS
from llmaccel.dse.store import ResultStore


def test_old_database_gains_the_new_metric_column(tmp_path):
    db = tmp_path / "old.sqlite"
    old = [m for m in METRICS if m != "bits_per_weight"]
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE sweeps (name TEXT PRIMARY KEY, space_json TEXT, host TEXT)")
    con.execute(
        "CREATE TABLE results (sweep TEXT, point_key TEXT, workload_key TEXT, point_json TEXT, workload_json TEXT, "
        f"host TEXT, status TEXT, error TEXT, seconds REAL, {', '.join(f'{m} REAL' for m in old)}, metrics_json TEXT, "
        "PRIMARY KEY (sweep, point_key, workload_key))"
    )
    con.execute(
        f"INSERT INTO results VALUES ({','.join('?' * (10 + len(old)))})",
        ("s", '{"a": 1}', '{"w": 1}', '{"a": 1}', '{"w": 1}', "h", "ok", None, 0.5, *[1.0] * len(old), "{}"),
    )
    con.commit()
    con.close()
    store = ResultStore(db)
    try:
        store.add(
            "s", '{"a": 2}', '{"w": 1}', "h", {"status": "ok", "metrics": {"latency_s": 2.0, "bits_per_weight": 4.0}}
        )
        rows = store.rows("s")
    finally:
        store.close()
    assert [r["point"] for r in rows] == [{"a": 1}, {"a": 2}]
    assert rows[0]["bits_per_weight"] is None and rows[0]["latency_s"] == 1.0
    assert rows[1]["bits_per_weight"] == 4.0 and rows[1]["latency_s"] == 2.0
    assert json.loads(rows[1]["metrics_json"])["bits_per_weight"] == 4.0
