"""Huge sizes finish or are refused in bounded time (issue 12 §5), each in a subprocess with a timeout.

Only these cases use a subprocess: a regression here would hang, and a hang must fail
the test instead of the suite.  Each is refused up front naming the limit.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from fuzz_inputs import SPACE, hf

#: Generous: a refusal takes about a second (interpreter start and imports); a hang takes forever.
TIMEOUT_S = 60

CASES = [
    ("run --batch 10^12", ["run", "--quiet", "--batch", "1000000000000"], {}, "--batch"),
    (
        "config.json with 10^6 layers",
        ["run", "--quiet", "--model", "config.json"],
        {"config.json": hf(num_hidden_layers=10**6)},
        "num_hidden_layers",
    ),
    (
        "GEMM M=N=K=10^9",
        ["run", "--quiet", "--gemm-csv", "g.csv"],
        {"g.csv": "Layer,M,N,K\nfc,1000000000,1000000000,1000000000\n"},
        "line 2",
    ),
    (
        "GEMM M=10^30",
        ["trace", "--quiet", "--gemm-csv", "g.csv", "--out", "t.jsonl"],
        {"g.csv": "Layer,M,N,K\nfc,1" + "0" * 30 + ",8,8\n"},
        "M",
    ),
    (
        "sweep range [1, 1e9]",
        ["sweep", "s.yaml", "--db", "r.sqlite", "--quiet"],
        {"s.yaml": SPACE.replace("{choices: [16, 32]}", "{range: [1, 1000000000]}")},
        "range",
    ),
    ("quant-eval --synthetic 1x10^6x10^6", ["quant-eval", "--synthetic", "1x1000000x1000000"], {}, "--synthetic"),
]

pytestmark = pytest.mark.slow  # subprocesses: real interpreters, real signals


@pytest.mark.parametrize("argv, files, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_huge_size_is_refused_quickly(tmp_path, argv, files, field):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    before = sorted(p.name for p in tmp_path.iterdir())
    r = subprocess.run(
        [sys.executable, "-m", "llmaccel.cli", *argv], cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and field in lines[0], r.stderr[-1000:]
    assert "limit" in lines[0] or "in [" in lines[0]  # names the limit or the allowed range
    assert sorted(p.name for p in tmp_path.iterdir()) == before
