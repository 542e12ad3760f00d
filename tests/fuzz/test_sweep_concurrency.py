"""Concurrency of sweeps (issue 12 §6): two ``--resume`` runs split the work; a SIGKILLed parent's
pool workers exit.  Both run the real CLI in subprocesses."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmaccel.dse.executors import executor
from llmaccel.dse.runner import run_sweep
from llmaccel.dse.space import load_space
from llmaccel.dse.store import ResultStore

GRID = """schema: 1
name: conc
host: systolic-int8
parameters:
  hw.array.rows: {choices: [8, 16, 24, 32, 40, 48, 56, 64]}
  hw.array.cols: {choices: [8, 16, 32, 64]}
  hw.clock_mhz: {choices: [250, 500]}
workloads:
  - {model: llama2-7b, phase: decode, batch: 1, prompt_len: 64, layers: 1, quant: w8a8}
objectives:
  - {metric: tokens_per_s, goal: max}
"""
N_POINTS = 8 * 4 * 2

#: Both resumes import llmaccel, then wait for this file, so they start evaluating together.
STARTER = """
import json, os, sys, time
from llmaccel.cli import main
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.01)
sys.exit(main(sys.argv[2:]))
"""

pytestmark = pytest.mark.slow  # subprocesses: real interpreters, real signals


def test_two_resumes_split_the_remaining_points(tmp_path):
    space_file = tmp_path / "s.yaml"
    space_file.write_text(GRID)
    db = tmp_path / "r.sqlite"
    store = ResultStore(db)
    run_sweep(load_space(space_file), store, executor(1), progress=False, limit=4)  # a sweep that was stopped
    store.close()
    go = tmp_path / "go"
    argv = ["sweep", str(space_file), "--db", str(db), "--resume", "--workers", "1", "--quiet", "--format", "json"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, str(go), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    time.sleep(1.0)
    go.write_text("")
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    evaluated = [json.loads(o)["evaluated_now"] for o, _ in outs]
    assert sum(evaluated) == N_POINTS - 4  # every remaining point exactly once
    assert min(evaluated) > 0  # and both did part of it
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM results WHERE status='ok'").fetchone()[0] == N_POINTS


def _children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (from /proc)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_pool_workers_exit_when_the_parent_is_killed(tmp_path):
    space_file = tmp_path / "s.yaml"
    space_file.write_text(GRID.replace("layers: 1}", "layers: 4}"))
    db = tmp_path / "r.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmaccel.cli", "sweep", str(space_file), "--db", str(db), "--workers", "2", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and len(workers) < 2:
        time.sleep(0.1)
        workers = _children(proc.pid)
    assert proc.poll() is None and len(workers) >= 2, "the sweep ended before its pool started; enlarge the space"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20  # workers poll their parent every 0.5 s
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert [w for w in workers if _alive(w)] == []
