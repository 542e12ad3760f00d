"""Frozen outputs stay put: every golden run case and every reproduction row equal the
files frozen in tests/golden (floats to 1e-9 relative, everything else exactly).

A commit that is meant to move a number re-freezes (``python tests/golden/golden_freeze.py``)
and names the change; any other difference is a regression this test reports by path.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from golden_cases import RUN_CASES
from golden_freeze import reproduce_all, run_case

HERE = Path(__file__).resolve().parent
REL_TOL = 1e-9


def differences(want, got, path: str = "$") -> list[str]:
    """Paths where ``got`` differs from ``want`` (dict keys, list lengths, values)."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{path}.{k}: missing" for k in want if k not in got]
        out += [f"{path}.{k}: unexpected" for k in got if k not in want]
        for k in want:
            if k in got:
                out += differences(want[k], got[k], f"{path}.{k}")
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{path}: length {len(want)} -> {len(got)}"]
        return [d for i, (a, b) in enumerate(zip(want, got)) for d in differences(a, b, f"{path}[{i}]")]
    if type(want) is type(got):
        if isinstance(want, float) and (
            math.isclose(want, got, rel_tol=REL_TOL, abs_tol=0.0) or math.isnan(want) and math.isnan(got)
        ):
            return []
        if not isinstance(want, float) and want == got:
            return []
    return [f"{path}: {want!r} -> {got!r}"]


def test_differences_catches_a_moved_number():
    assert differences({"a": [1.0, 2]}, {"a": [1.0 + 1e-12, 2]}) == []
    assert differences({"a": [1.0, 2]}, {"a": [1.001, 2]}) == ["$.a[0]: 1.0 -> 1.001"]
    assert differences({"a": 1}, {"a": 1.0, "b": 0}) == ["$.b: unexpected", "$.a: 1 -> 1.0"]


@pytest.mark.parametrize("name", sorted(RUN_CASES))
def test_run_case_unchanged(name):
    want = json.loads((HERE / "runs" / f"{name}.json").read_text(encoding="utf-8"))
    diffs = differences(want, json.loads(json.dumps(run_case(name))))
    assert diffs == [], "\n".join(diffs[:40])


@pytest.mark.slow
def test_reproduce_all_unchanged():
    want = json.loads((HERE / "reproduce_all.json").read_text(encoding="utf-8"))
    diffs = differences(want, json.loads(json.dumps(reproduce_all())))
    assert diffs == [], "\n".join(diffs[:40])
