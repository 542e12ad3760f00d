"""Hypothesis-generated malformed inputs for every file format and for flag values.

Property, for every generated input: the CLI either succeeds or refuses the input
the README's way (exit 2, one stderr line, no traceback), never changes a file it
did not create, and a success never reports a non-finite or negative total.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import yaml
from fuzz_harness import Outcome, place, tree
from fuzz_inputs import HF, PRESET, SPACE, npy, valid_trace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmaccel.cli import main

#: 25 fixed examples per strategy in the suite (fast, reproducible); set LLMACCEL_FUZZ_EXAMPLES=N
#: for a longer, randomised exploration.
_EXPLORE = int(os.environ.get("LLMACCEL_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_EXPLORE or 25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not _EXPLORE,
)

#: Numbers a user might type or a file might hold: edge values first.
numbers = st.one_of(
    st.sampled_from([0, -1, 1, 2**31, 2**63, 10**30, 0.5, -0.0, 1e-300, 1e300]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
)
scalars = st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=12))
json_values = st.recursive(
    scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3), max_leaves=6
)


def cli(argv: list[str], files: dict) -> Outcome:
    """Run the CLI in a fresh folder holding ``files``; the Outcome lists every path changed."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        place(root, files)
        before = tree(root)
        out, err = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(root)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    rc = main(argv)
                except SystemExit as e:
                    rc = e.code if isinstance(e.code, int) else 2
        finally:
            os.chdir(cwd)
        return Outcome(rc, out.getvalue(), err.getvalue(), before, tree(root))


def check(o: Outcome, outputs: tuple[str, ...] = ()) -> None:
    assert "Traceback" not in o.err
    assert o.rc in (0, 2), (o.rc, o.err[-600:])
    if o.rc == 2:
        lines = o.err.strip().splitlines()
        assert len(lines) == 1 and "error:" in lines[0], o.err
        assert o.changed == [], o.changed
    else:
        assert all(any(c == x or c.startswith(x + "/") for x in outputs) for c in o.changed), o.changed


def check_totals(o: Outcome) -> None:
    if o.rc == 0:
        doc = json.loads(o.out)
        for key in ("total_cycles", "time_s", "total_energy_pj"):
            assert isinstance(doc[key], (int, float)) and math.isfinite(doc[key]) and doc[key] >= 0, (key, doc[key])


@FUZZ
@given(key=st.sampled_from(sorted(HF)), value=json_values)
def test_config_json(key, value):
    cfg = {**HF, key: value}
    text = json.dumps(cfg)  # NaN / Infinity are written as JSON extensions, as some tools do
    check_totals(
        o := cli(["run", "--quiet", "--format", "json", "--prompt-len", "8", "--model", "c.json"], {"c.json": text})
    )
    check(o)


def _numeric_leaves() -> list[str]:
    doc = yaml.safe_load(PRESET)
    out = []

    def walk(node, prefix):
        if isinstance(node, dict):
            if "value" in node and isinstance(node["value"], (int, float)):
                out.append(prefix)
                return
            for k, v in node.items():
                walk(v, f"{prefix}.{k}" if prefix else k)

    walk(doc["params"], "")
    return out


LEAVES = _numeric_leaves()


@FUZZ
@given(leaf=st.sampled_from(LEAVES), value=scalars)
def test_preset_yaml_number(leaf, value):
    doc = yaml.safe_load(PRESET)
    node = doc["params"]
    for part in leaf.split(".")[:-1]:
        node = node[part]
    node[leaf.split(".")[-1]]["value"] = value
    o = cli(
        ["run", "--quiet", "--format", "json", "--layers", "1", "--prompt-len", "64", "--hw", "p.yaml"],
        {"p.yaml": yaml.safe_dump(doc)},
    )
    check(o)
    check_totals(o)


@FUZZ
@given(leaf=st.sampled_from(LEAVES), value=st.text(max_size=20) | numbers.map(str))
def test_set_flag_value(leaf, value):
    o = cli(
        ["run", "--quiet", "--format", "json", "--layers", "1", "--prompt-len", "64", "--set", f"{leaf}={value}"], {}
    )
    check(o)
    check_totals(o)


@FUZZ
@given(
    field=st.sampled_from(
        ["batch", "prompt_len", "gen_len", "kv_len", "tp", "layers", "seed", "phase", "quant", "dist", "model"]
    ),
    value=scalars,
)
def test_space_yaml_workload_field(field, value):
    doc = yaml.safe_load(SPACE)
    doc["workloads"][0][field] = value
    doc["parameters"] = {"hw.array.rows": {"choices": [32]}}
    o = cli(["sweep", "s.yaml", "--db", "r.sqlite", "--workers", "1", "--quiet"], {"s.yaml": yaml.safe_dump(doc)})
    check(o, outputs=("r.sqlite", "r.sqlite-wal", "r.sqlite-shm"))


@FUZZ
@given(rows=st.lists(st.lists(st.one_of(numbers.map(str), st.text(max_size=8)), min_size=0, max_size=6), max_size=4))
def test_gemm_csv(rows):
    text = (
        "Layer,M,N,K\n" + "\n".join(",".join(c.replace("\n", " ").replace("\r", " ") for c in r) for r in rows) + "\n"
    )
    o = cli(["trace", "--quiet", "--gemm-csv", "g.csv", "--out", "t.jsonl"], {"g.csv": text})
    check(o, outputs=("t.jsonl",))


TRACE_LINES = valid_trace(tempfile.mkdtemp())


@FUZZ
@given(
    line=st.integers(0, len(TRACE_LINES) - 1),
    key=st.text(max_size=8)
    | st.sampled_from(["m", "n", "k", "count", "kind", "layer", "a", "b", "n_ops", "version", "requests", "specs"]),
    value=json_values,
)
def test_trace_file(line, key, value):
    lines = list(TRACE_LINES)
    d = json.loads(lines[line])
    d[key] = value
    lines[line] = json.dumps(d)
    o = cli(["trace", "--check", "t.jsonl"], {"t.jsonl": "\n".join(lines) + "\n"})
    check(o)


VALID_NPY = npy(np.arange(64, dtype=np.float32).reshape(8, 8))


@FUZZ
@given(cut=st.integers(0, len(VALID_NPY)), junk=st.binary(max_size=32), at=st.integers(0, len(VALID_NPY)))
def test_tensor_file(cut, junk, at):
    data = (VALID_NPY[:at] + junk + VALID_NPY[at:])[:cut] if junk else VALID_NPY[:cut]
    o = cli(["quant-eval", "w.npy", "--methods", "int8"], {"w.npy": data})
    check(o)


@FUZZ
@given(
    flag=st.sampled_from(
        [
            "--batch",
            "--prompt-len",
            "--gen-len",
            "--kv-len",
            "--tp",
            "--layers",
            "--seed",
            "--top",
            "--phase",
            "--dist",
            "--quant",
            "--hw",
            "--model",
            "--gpu",
        ]
    ),
    value=st.text(max_size=12) | numbers.map(str),
)
def test_run_flag_value(flag, value):
    argv = ["run", "--quiet", "--format", "json", flag, value]
    if flag != "--layers":
        argv += ["--layers", "1"]
    if flag not in ("--prompt-len", "--kv-len"):
        argv += ["--prompt-len", "64"]
    o = cli(argv, {})
    check(o)
    check_totals(o)
