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

#: Typed result fields added to every run summary (and to each reference summary) after the
#: freeze (issue 13 §5, sim/result.py ``Result.typed_dict``).  They are new keys only: a frozen
#: file that lacks one accepts it; a frozen file that has one compares it like any other key.
NEW_SUMMARY_KEYS = ("traffic", "memory_roofs", "area_mm2", "busy_cycles")


def admit_new_fields(want, got):
    """``got`` with what the frozen ``want`` could not hold taken back to the frozen form:

    * the :data:`NEW_SUMMARY_KEYS` that ``want`` lacks, at the top and in each ``references`` entry;
    * an off-chip roof that the freeze did not know (``roofline.dram_bytes_per_cycle`` frozen as
      null, now a positive number from the design's typed roof: the preset-key guess of the old
      roofline found none for named memory systems and NeuPIMs).  A frozen number must stay.
    """
    if not (isinstance(want, dict) and isinstance(got, dict)):
        return got
    got = {k: v for k, v in got.items() if k in want or k not in NEW_SUMMARY_KEYS}
    w_roof, g_roof = want.get("roofline"), got.get("roofline")
    if isinstance(w_roof, dict) and isinstance(g_roof, dict) and w_roof.get("dram_bytes_per_cycle") is None:
        bpc = g_roof.get("dram_bytes_per_cycle")
        if isinstance(bpc, float) and bpc > 0:
            got["roofline"] = {
                **g_roof,
                **{k: w_roof.get(k) for k in ("dram_bytes_per_cycle", "dram_bytes_per_cycle_source")},
            }
    if isinstance(want.get("references"), list) and isinstance(got.get("references"), list):
        got["references"] = [admit_new_fields(w, g) for w, g in zip(want["references"], got["references"])] + got[
            "references"
        ][len(want["references"]) :]
    return got


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


def test_admit_new_fields_takes_back_only_the_documented_additions():
    want = {"a": 1, "roofline": {"dram_bytes_per_cycle": None, "dram_bytes_per_cycle_source": "none"}}
    got = {
        "a": 1,
        "traffic": [],
        "other": 2,
        "roofline": {"dram_bytes_per_cycle": 8.0, "dram_bytes_per_cycle_source": "x"},
    }
    assert admit_new_fields(want, got) == {"a": 1, "other": 2, "roofline": want["roofline"]}
    frozen = {"roofline": {"dram_bytes_per_cycle": 4.0, "dram_bytes_per_cycle_source": "p"}}
    moved = {"roofline": {"dram_bytes_per_cycle": 8.0, "dram_bytes_per_cycle_source": "p"}}
    assert differences(frozen, admit_new_fields(frozen, moved)) == ["$.roofline.dram_bytes_per_cycle: 4.0 -> 8.0"]
    with_refs = {"references": [{"b": 1}]}
    assert admit_new_fields(with_refs, {"references": [{"b": 1, "area_mm2": {}}]}) == with_refs


@pytest.mark.parametrize("name", sorted(RUN_CASES))
def test_run_case_unchanged(name):
    want = json.loads((HERE / "runs" / f"{name}.json").read_text(encoding="utf-8"))
    diffs = differences(want, admit_new_fields(want, json.loads(json.dumps(run_case(name)))))
    assert diffs == [], "\n".join(diffs[:40])


@pytest.mark.slow
def test_reproduce_all_unchanged():
    want = json.loads((HERE / "reproduce_all.json").read_text(encoding="utf-8"))
    diffs = differences(want, json.loads(json.dumps(reproduce_all())))
    assert diffs == [], "\n".join(diffs[:40])
