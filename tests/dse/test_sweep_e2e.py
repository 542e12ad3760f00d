"""End-to-end sweeps through the real pipeline (workloads -> systolic design)."""

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from llmaccel.cli import main
from llmaccel.dse.executors import executor
from llmaccel.dse.pareto import hypervolume, to_minimisation
from llmaccel.dse.runner import run_sweep
from llmaccel.dse.space import load_space
from llmaccel.dse.store import ResultStore
from llmaccel.dse.summary import aggregate

REPO = Path(__file__).resolve().parents[2]


def rows_of(db, drop=("seconds",)):
    s = ResultStore(db)
    try:
        return [{k: v for k, v in r.items() if k not in drop} for r in s.rows()]
    finally:
        s.close()


def test_grid_sweep_fills_every_row_and_metrics_are_consistent(tmp_path, space_file):
    db = tmp_path / "r.sqlite"
    assert main(["sweep", str(space_file), "--db", str(db), "--workers", "1", "--quiet", "--format", "json"]) == 0
    rows = rows_of(db)
    assert len(rows) == 4 and all(r["status"] == "ok" for r in rows)
    # Each row equals a direct simulation of the same configuration, built without the DSE code.
    from llmaccel.sim.designs import run
    from llmaccel.sim.preset import load_preset
    from llmaccel.workloads import graph, requests, zoo

    for r in rows:
        hw = load_preset("systolic-int8").with_overrides({"clock_mhz": r["point"]["hw.clock_mhz"]})
        reqs = requests.fixed(r["point"]["workload.batch"], 128, 128)
        trace = graph.build_trace(zoo.get_model("llama2-7b"), "decode", reqs, quant="w8a8", layers=1)
        direct = run(trace, hw)
        assert r["latency_s"] == pytest.approx(direct.time_s, rel=1e-12)
        assert r["energy_j"] == pytest.approx(direct.total_energy_pj * 1e-12, rel=1e-12)
    by = {(r["point"]["hw.clock_mhz"], r["point"]["workload.batch"]): r for r in rows}
    # A faster clock never slows the step, and cannot more than double its speed.
    assert by[(250, 1)]["latency_s"] / 2 <= by[(500, 1)]["latency_s"] < by[(250, 1)]["latency_s"]
    for r in rows:
        assert r["tokens"] == r["point"]["workload.batch"]
        assert r["tokens_per_s"] == pytest.approx(r["tokens"] / r["latency_s"])
        assert r["energy_per_token_j"] == pytest.approx(r["energy_j"] / r["tokens"])


def test_same_seed_same_rows_and_pool_equals_serial(tmp_path, space_file):
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    main(["sweep", str(space_file), "--db", str(a), "--workers", "1", "--quiet"])
    main(["sweep", str(space_file), "--db", str(b), "--workers", "2", "--quiet"])
    assert rows_of(a) == rows_of(b)


def test_killed_sweep_resumes_without_repeating(tmp_path, make_space):
    space = make_space(tmp_path, "kill", clocks=(100, 200, 300, 400, 500, 600), batches=(1, 2, 3, 4))
    db = tmp_path / "k.sqlite"
    cmd = [sys.executable, "-m", "llmaccel.cli", "sweep", str(space), "--db", str(db), "--workers", "1", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    n_before = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if db.exists():
            try:
                with sqlite3.connect(db) as c:
                    n_before = c.execute("SELECT COUNT(*) FROM results").fetchone()[0]
            except sqlite3.Error:
                continue
            if n_before >= 3:
                break
    assert proc.poll() is None, "sweep finished before it could be killed; enlarge the space"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as c:
        n_before = c.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert 3 <= n_before < 24
    # Without --resume the existing sweep is protected.
    assert main(["sweep", str(space), "--db", str(db), "--workers", "1", "--quiet"]) == 2
    out = tmp_path / "out.json"
    with open(out, "w") as f:
        r = subprocess.run(cmd + ["--resume", "--format", "json"], stdout=f, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, r.stderr
    summary = json.loads(out.read_text())
    assert summary["evaluated_now"] == 24 - n_before  # nothing repeated
    assert summary["points"] == 24
    # And the resumed database equals an uninterrupted sweep's.
    fresh = tmp_path / "fresh.sqlite"
    subprocess.run(cmd[:5] + ["--db", str(fresh), "--workers", "1", "--quiet"], check=True)
    assert rows_of(db) == rows_of(fresh)


def test_dask_local_cluster_equals_serial(tmp_path, space_file):
    from distributed import Client, LocalCluster

    space = load_space(space_file)
    serial_db, dask_db = tmp_path / "s.sqlite", tmp_path / "d.sqlite"
    st = ResultStore(serial_db)
    run_sweep(space, st, executor(1), progress=False)
    st.close()
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster),
    ):
        st = ResultStore(dask_db)
        run_sweep(space, st, executor(None, cluster.scheduler_address), progress=False)
        st.close()
    assert rows_of(serial_db) == rows_of(dask_db)


def test_unreachable_scheduler_is_one_line_error(tmp_path, space_file, capsys):
    rc = main(
        ["sweep", str(space_file), "--db", str(tmp_path / "x.sqlite"), "--scheduler", "tcp://127.0.0.1:9", "--quiet"]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--scheduler" in err[0]


def test_nsga2_finds_most_of_the_grid_front_with_fewer_evaluations(tmp_path):
    """On a throughput-vs-area space with a real trade-off (36 points, several on the front),
    NSGA-II evaluates far fewer points than the grid and covers most of its hypervolume."""
    text = (REPO / "examples" / "spaces" / "array-area-tradeoff.yaml").read_text()
    text = text.replace("hw.sram.weight_kib: {choices: [32, 64, 128, 256]}", "hw.sram.weight_kib: {choices: [128]}")
    (tmp_path / "g.yaml").write_text(text)
    (tmp_path / "ga.yaml").write_text(
        text.replace("name: array-area-tradeoff", "name: ga").replace(
            "search: {method: grid}", "search: {method: nsga2, population: 8, generations: 4}"
        )
    )
    st = ResultStore(tmp_path / "r.sqlite")
    g = load_space(tmp_path / "g.yaml")
    run_sweep(g, st, executor(1), progress=False)
    ga = load_space(tmp_path / "ga.yaml")
    runner = run_sweep(ga, st, executor(1), progress=False)
    objs = [{"metric": o.metric, "goal": o.goal} for o in g.objectives]
    goals = [o["goal"] for o in objs]
    grid_pts = aggregate(st.rows(g.name), objs, [])
    ga_pts = aggregate(st.rows("ga"), objs, [])
    st.close()
    F_all = to_minimisation(np.array([[p[o["metric"]] for o in objs] for p in grid_pts]), goals)
    Fg = F_all[[p["pareto"] for p in grid_pts]]
    Fa = to_minimisation(np.array([[p[o["metric"]] for o in objs] for p in ga_pts if p["pareto"]]), goals)
    assert len(Fg) >= 4  # a real front, not one dominating point
    worst = F_all.max(axis=0)
    ref = worst + 0.1 * np.abs(worst) + 1e-12  # strictly worse than every grid point
    assert runner.evaluated < 0.8 * g.size  # fewer evaluations than the grid
    assert hypervolume(Fa, ref) >= 0.9 * hypervolume(Fg, ref)
