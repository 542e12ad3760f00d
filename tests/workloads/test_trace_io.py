"""Trace files: byte-identical round trips, gzip, atomic writes, and a validator that names every bad field."""

import json
import os

import pytest

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import FP16, INT8
from llmaccel.workloads.requests import sample
from llmaccel.workloads.trace import Request, Trace
from llmaccel.workloads.trace_io import read_trace, validate_trace, write_trace


@pytest.fixture(scope="module")
def trace():
    reqs = sample("sharegpt", 6, seed=4, max_len=4096)
    return build_trace("llama2-7b", "decode", reqs, quant="w4a8-g128", layers=3, include_lm_head=True)


def test_round_trip_equal_and_byte_identical(trace, tmp_path):
    p1, p2 = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_trace(trace, p1)
    back = read_trace(p1)
    assert back.ops == trace.ops and back.requests == trace.requests and back.meta == trace.meta
    assert back.model == trace.model and back.version == 1
    write_trace(back, p2)
    assert p1.read_bytes() == p2.read_bytes()
    assert validate_trace(p1) == []


def test_same_inputs_same_bytes(tmp_path):
    a = build_trace("opt-6.7b", "decode", sample("alpaca", 5, seed=9), layers=2)
    b = build_trace("opt-6.7b", "decode", sample("alpaca", 5, seed=9), layers=2)
    write_trace(a, tmp_path / "a.jsonl")
    write_trace(b, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_gzip_round_trip_byte_identical(trace, tmp_path):
    write_trace(trace, tmp_path / "a.jsonl.gz")
    write_trace(read_trace(tmp_path / "a.jsonl.gz"), tmp_path / "b.jsonl.gz")
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()
    assert (tmp_path / "a.jsonl.gz").read_bytes()[:2] == b"\x1f\x8b"


def test_header_and_op_lines(trace, tmp_path):
    p = write_trace(trace, tmp_path / "t.jsonl")
    lines = p.read_text().splitlines()
    head = json.loads(lines[0])
    assert (head["format"], head["version"], head["model"], head["n_ops"]) == (
        "llmaccel-trace",
        1,
        "llama2-7b",
        len(trace.ops),
    )
    assert len(lines) == len(trace.ops) + 1
    q = json.loads(next(l for l in lines[1:] if '"L0.q_proj"' in l))
    assert q["req"] == "all" and head["specs"][q["b"]]["fmt"] == "int4-group"
    sc = json.loads(next(l for l in lines[1:] if '"L0.attn_score.r2"' in l))
    assert sc["req"] == [2] and sc["kind"] == "attn_score"


def test_per_request_ids_subset_round_trip(tmp_path):
    ops = [
        Op("x", OpKind.GEMM, 0, Phase.DECODE, 2, 3, 4, 1, INT8, FP16, FP16, "weight", (1, 0)),
        Op("y", OpKind.SOFTMAX, 0, Phase.DECODE, 2, 3, 0, 2, FP16, FP16, FP16, "act", ()),
    ]
    t = Trace("m", ops, [Request(0, 1, 1, 1), Request(1, 1, 1, 1)], {"k": [1, 2]})
    back = read_trace(write_trace(t, tmp_path / "s.jsonl"))
    assert back.ops == ops and back.ops[0].request_ids == (1, 0)


def test_atomic_write_keeps_old_file(trace, tmp_path):
    p = write_trace(trace, tmp_path / "t.jsonl")
    before = p.read_bytes()
    bad = Trace("m", trace.ops, trace.requests, {"x": object()})
    with pytest.raises(InputError, match="JSON"):
        write_trace(bad, p)
    assert p.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["t.jsonl"]
    with pytest.raises(InputError, match="folder"):
        write_trace(trace, tmp_path / "nope" / "t.jsonl")


def _corrupt(tmp_path, trace, line_no, mutate):
    p = write_trace(trace, tmp_path / "t.jsonl")
    lines = p.read_text().splitlines()
    rec = json.loads(lines[line_no - 1])
    out = mutate(rec)
    lines[line_no - 1] = out if isinstance(out, str) else json.dumps(out)
    p.write_text("\n".join(lines) + "\n")
    return p


def _set(key, value):
    def f(rec):
        rec[key] = value
        return rec

    return f


def _drop(key):
    def f(rec):
        del rec[key]
        return rec

    return f


OP_CASES = [
    ("name", _set("name", "")),
    ("name", _set("name", "embed")),  # empty / duplicate of line 2
    ("kind", _set("kind", "conv")),
    ("layer", _set("layer", -2)),
    ("phase", _set("phase", "train")),
    ("m", _set("m", 0)),
    ("n", _set("n", "7")),
    ("k", _set("k", 0)),
    ("count", _set("count", 1.5)),
    ("a", _set("a", 99)),
    ("b", _set("b", -1)),
    ("out", _set("out", None)),
    ("b_class", _set("b_class", "disk")),
    ("req", _set("req", [12345])),
    ("detail", _set("detail", 3)),
    ("role", _set("role", None)),
    ("m", _drop("m")),
    ("colour", _set("colour", "red")),
    ("op", lambda r: "{not json"),
    ("op", lambda r: "[1]"),
]


@pytest.mark.parametrize("field, mutate", OP_CASES)
def test_validator_names_line_and_field(trace, tmp_path, field, mutate):
    p = _corrupt(tmp_path, trace, 4, mutate)  # lines: 1 header, 2 embed, 3 L0.norm_attn, 4 L0.q_proj
    problems = validate_trace(p)
    assert problems and problems[0].startswith(f"trace line 4: {field}:"), problems
    with pytest.raises(InputError) as e:
        read_trace(p)
    assert e.value.field == "trace line 4" and e.value.problem.startswith(f"{field}:")


HEADER_CASES = [
    ("format", _set("format", "other")),
    ("version", _set("version", 2)),
    ("model", _set("model", "")),
    ("n_ops", _set("n_ops", -1)),
    ("meta", _set("meta", [])),
    ("requests", _set("requests", 5)),
    ("requests[0]", lambda h: {**h, "requests": [{"id": 0}]}),
    ("specs", _set("specs", {})),
    ("specs[0]", lambda h: {**h, "specs": [{"fmt": "int9", "bits": 4}]}),
    ("header", lambda h: "[]"),
    ("extra", _set("extra", 1)),
]


@pytest.mark.parametrize("field, mutate", HEADER_CASES)
def test_validator_header_fields(trace, tmp_path, field, mutate):
    p = _corrupt(tmp_path, trace, 1, mutate)
    problems = validate_trace(p)
    assert problems and problems[0].startswith(f"trace line 1: {field}:"), problems


def test_truncated_and_blank_lines(trace, tmp_path):
    p = write_trace(trace, tmp_path / "t.jsonl")
    lines = p.read_text().splitlines()
    p.write_text("\n".join(lines[:-2]) + "\n")
    assert any("n_ops" in s and "truncated" in s for s in validate_trace(p))
    p.write_text("\n".join(lines[:3] + [""] + lines[3:]) + "\n")
    assert validate_trace(p)[0].startswith("trace line 4: line: empty line")
    p.write_text("")
    assert validate_trace(p) == ["trace line 1: header: empty file"]
    with pytest.raises(InputError, match="not found"):
        read_trace(tmp_path / "missing.jsonl")


def test_validator_reports_all_problems(trace, tmp_path):
    p = write_trace(trace, tmp_path / "t.jsonl")
    lines = p.read_text().splitlines()
    for i in (3, 6):
        rec = json.loads(lines[i - 1])
        rec["m"] = 0
        lines[i - 1] = json.dumps(rec)
    p.write_text("\n".join(lines) + "\n")
    assert [s.split(":")[0] for s in validate_trace(p)] == ["trace line 3", "trace line 6"]


FUZZ_VALUES = [
    0,
    -1,
    -2,
    1,
    2,
    7,
    1.0,
    True,
    False,
    None,
    "",
    "x",
    "gemm",
    "decode",
    "kv",
    "all",
    [],
    [0],
    [True],
    {},
    10**9,
    "L0.q_proj",
]


def test_fast_reader_agrees_with_line_checker(trace, tmp_path):
    """200 random single-field mutations: the one-pass reader accepts exactly what the
    line-by-line checker accepts, and builds the same ops."""
    from llmaccel.workloads.trace_io import OP_KEYS, _Checker, _fast_ops

    p = write_trace(trace, tmp_path / "t.jsonl")
    lines = p.read_text().splitlines()
    rng = __import__("numpy").random.default_rng(7)
    for _ in range(200):
        texts = list(lines[1:25])  # embed, block 0 and the head of block 1: every op kind
        i = int(rng.integers(len(texts)))
        rec = json.loads(texts[i])
        rec[OP_KEYS[int(rng.integers(len(OP_KEYS)))]] = FUZZ_VALUES[int(rng.integers(len(FUZZ_VALUES)))]
        texts[i] = json.dumps(rec)
        fast_chk, slow_chk = _Checker(False), _Checker(False)
        fast_chk.header(1, lines[0])
        slow_chk.header(1, lines[0])
        fast = _fast_ops(fast_chk, texts)
        slow = [slow_chk.op(n, t) for n, t in enumerate(texts, start=2)]
        if slow_chk.problems:
            assert fast is None, (rec, slow_chk.problems)
        else:
            assert fast == slow, rec
