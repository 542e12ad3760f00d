"""A hand-written corpus of malformed inputs, one per case, through the real CLI entry point.

Every case must be refused the way the README promises: exit status 2, exactly one
line on stderr naming the offending field, no traceback, and no file created,
changed or removed in the working folder (see ``conftest.assert_refused``).
Cases are grouped by command; each is cheap (one block, tiny models).
"""

from __future__ import annotations

import gzip
import tempfile

import numpy as np
import pytest
from fuzz_harness import assert_refused
from fuzz_inputs import HF, PRESET, RUN, SPACE, TRACE, hf, npy, npz, set_op_field, valid_trace

T = valid_trace(tempfile.mkdtemp())
TRACE_TEXT = "\n".join(T) + "\n"
SWEEP = ["sweep", "space.yaml", "--db", "r.sqlite", "--workers", "1", "--quiet"]
QE = ["quant-eval", "--methods", "int8"]

CASES: list[tuple[str, list[str], dict, str]] = []


def case(cid: str, argv: list[str], files: dict | None, field: str) -> None:
    CASES.append((cid, argv, files or {}, field))


# ---- run: flags -------------------------------------------------------------------------
for flag, bad in [
    ("--batch", "0"),
    ("--batch", "-7"),
    ("--batch", "2.5"),
    ("--batch", "70000"),
    ("--batch", "123456789012345678901234567890"),
    ("--prompt-len", "0"),
    ("--prompt-len", "x"),
    ("--prompt-len", "20000000"),
    ("--gen-len", "-1"),
    ("--gen-len", "99999999999"),
    ("--kv-len", "0"),
    ("--kv-len", "1e4"),
    ("--tp", "0"),
    ("--tp", "5000"),
    ("--layers", "0"),
    ("--layers", "-2"),
    ("--seed", "-1"),
    ("--top", "0"),
    ("--top", "many"),
]:
    case(f"run {flag}={bad}", [*RUN, flag, bad], None, flag)
case("run --layers beyond model", ["run", "--quiet", "--layers", "33"], None, "--layers")
case("run --phase sideways", [*RUN, "--phase", "sideways"], None, "--phase")
case("run --dist unknown", [*RUN, "--dist", "wiki"], None, "--dist")
case("run --format xml", [*RUN, "--format", "xml"], None, "--format")
case("run --hw unknown", [*RUN, "--hw", "tpu-v9"], None, "--hw")
case("run --hw empty", [*RUN, "--hw", ""], None, "--hw")
case("run --hw folder", [*RUN, "--hw", "presets"], {"presets": None}, "--hw")
case("run --gpu not a gpu", [*RUN, "--gpu", "systolic-int8"], None, "--gpu")
case("run --gpu unknown", [*RUN, "--gpu", "h900"], None, "--gpu")
case("run --gpu empty", [*RUN, "--gpu", ""], None, "--gpu")
case("run --model unknown", [*RUN, "--model", "llama9-1t"], None, "--model")
case("run --model folder without config", [*RUN, "--model", "ckpt"], {"ckpt": None}, "model")
case("run --quant unknown", [*RUN, "--quant", "w3a5"], None, "--quant")
case("run --quant empty", [*RUN, "--quant", ""], None, "--quant")
case("run --quant folder", [*RUN, "--quant", "qdir"], {"qdir": None}, "--quant")
case("run --quant not utf8", [*RUN, "--quant", "q.yaml"], {"q.yaml": b"name: \xff\xfe\n"}, "--quant")
case("run --quant bad yaml", [*RUN, "--quant", "q.yaml"], {"q.yaml": "a: {b: [\n"}, "--quant")
case("run --trace and --gemm-csv", [*RUN, "--trace", "a", "--gemm-csv", "b"], None, "--trace")
case("run unknown flag", [*RUN, "--turbo"], None, "--turbo")

# ---- run: --set numbers -------------------------------------------------------------------
for key, bad, field in [
    ("dram.bandwidth_gbps", ".nan", "dram.bandwidth_gbps"),
    ("dram.bandwidth_gbps", "1e-300", "dram.bandwidth_gbps"),
    ("dram.bandwidth_gbps", "-.inf", "dram.bandwidth_gbps"),
    ("dram.bandwidth_gbps", "0", "dram.bandwidth_gbps"),
    ("clock_mhz", ".nan", "clock_mhz"),
    ("clock_mhz", ".inf", "clock_mhz"),
    ("clock_mhz", "-500", "clock_mhz"),
    ("clock_mhz", "1.0e+300", "clock_mhz"),
    ("clock_mhz", "fast", "clock_mhz"),
    ("clock_mhz", "true", "clock_mhz"),
    ("clock_mhz", "''", "clock_mhz"),
    ("energy.sram_access", "nope", "energy.sram_access"),
    ("vector.passes.softmax", "-1", "vector.passes.softmax"),
    ("vector.passes.softmax", ".nan", "vector.passes.softmax"),
    ("vector.passes.softmax", "three", "vector.passes.softmax"),
    ("array.rows", "0", "array.rows"),
    ("array.rows", "2.5", "array.rows"),
    ("array.rows", "1e400", "array.rows"),
    ("array.dataflow", "diagonal", "array.dataflow"),
    ("array.dataflow", "7", "array.dataflow"),
    ("array", "4", "array"),
    ("array.colour", "red", "array.colour"),
    ("nosuch.section", "1", "nosuch.section"),
]:
    case(f"run --set {key}={bad}", [*RUN, "--set", f"{key}={bad}"], None, key if field is None else field)
case("run --set without =", [*RUN, "--set", "clock_mhz"], None, "--set")
case("run --set list value", [*RUN, "--set", "clock_mhz=[1, 2]"], None, "clock_mhz")
case("run --set empty key", [*RUN, "--set", "=5"], None, "--set")
case("run --set quoted number", [*RUN, "--set", "dram.bandwidth_gbps='64'"], None, "dram.bandwidth_gbps")

# ---- run: outputs -----------------------------------------------------------------------------
case("run --out empty", [*RUN, "--out", ""], None, "--out")
case("run --out is a file", [*RUN, "--out", "f.txt"], {"f.txt": "mine"}, "--out")
case("run --out under a file", [*RUN, "--out", "f.txt/run"], {"f.txt": "mine"}, "--out")
case(
    "run --out user folder with summary.json",
    [*RUN, "--out", "mine"],
    {"mine/summary.json": "{}", "mine/thesis.tex": "years of work"},
    "--out",
)
case("run --out user folder", [*RUN, "--out", "mine"], {"mine/a.txt": "x"}, "--out")
case(
    "run --out folder with a foreign marker",
    [*RUN, "--out", "mine"],
    {"mine/.llmaccel-folder.json": '{"format": "llmaccel-sweep-report", "version": 1}', "mine/a": "x"},
    "--out",
)
case(
    "run --out folder with a garbage marker",
    [*RUN, "--out", "mine"],
    {"mine/.llmaccel-folder.json": "\xff not json", "mine/a": "x"},
    "--out",
)

# ---- run / trace: preset files ----------------------------------------------------------------
for cid, text, field in [
    ("empty", "", "p.yaml"),
    ("a list", "- 1\n- 2\n", "p.yaml"),
    ("not utf8", b"name: \xe9t\xe9\n", "--hw"),
    ("bare number", PRESET.replace("clock_mhz: {value: 500,", "clock_mhz: 500\n  _x: {value: 1,"), "clock_mhz"),
    ("nan clock", PRESET.replace("clock_mhz: {value: 500", "clock_mhz: {value: .nan"), "clock_mhz"),
    ("huge clock", PRESET.replace("clock_mhz: {value: 500", "clock_mhz: {value: 1.0e+20"), "clock_mhz"),
    ("tiny clock", PRESET.replace("clock_mhz: {value: 500", "clock_mhz: {value: 1.0e-30"), "clock_mhz"),
    ("string rows", PRESET.replace("rows: {value: 32", "rows: {value: lots"), "rows"),
    ("missing source", "schema: 1\nname: p\ndesign: systolic\nparams:\n  clock_mhz: {value: 5}\n", "clock_mhz"),
    ("unknown top key", PRESET + "colour: red\n", "colour"),
    ("schema 7", PRESET.replace("schema: 1", "schema: 7"), "schema"),
    ("unknown design", PRESET.replace("design: systolic", "design: quantum"), "design"),
    ("self extends", PRESET.replace("schema: 1", "schema: 1\nextends: p.yaml"), "extends"),
    ("python tag", "!!python/object/apply:os.system ['true']\n", "--hw"),
    ("unclosed", "params: {clock_mhz: [\n", "--hw"),
    ("deep nesting", "a: " + "[" * 3000 + "]" * 3000 + "\n", "--hw"),
]:
    case(f"run --hw preset {cid}", [*RUN, "--hw", "p.yaml"], {"p.yaml": text}, field)

# ---- run / trace: config.json -------------------------------------------------------------------
for cid, text, field in [
    ("layers 10^6", hf(num_hidden_layers=1_000_000), "num_hidden_layers"),
    ("layers 0", hf(num_hidden_layers=0), "num_hidden_layers"),
    ("layers text", hf(num_hidden_layers="two"), "num_hidden_layers"),
    ("layers float", hf(num_hidden_layers=2.5), "num_hidden_layers"),
    ("hidden negative", hf(hidden_size=-64), "hidden_size"),
    ("hidden huge", hf(hidden_size=1 << 40), "hidden_size"),
    ("hidden bool", hf(hidden_size=True), "hidden_size"),
    ("vocab huge", hf(vocab_size=10**15), "vocab_size"),
    ("ffn zero", hf(intermediate_size=0), "intermediate_size"),
    ("kv heads do not divide", hf(num_key_value_heads=3), "num_key_value_heads"),
    ("max positions huge", hf(max_position_embeddings=10**12), "max_position_embeddings"),
    ("empty file", "", "model"),
    ("not utf8", b'{"model_type": "ll\xffama"}', "model"),
    ("a list", "[1, 2]", "config"),
    ("truncated", hf()[:-5], "model"),
    ("NaN hidden", hf().replace('"hidden_size": 64', '"hidden_size": NaN'), "hidden_size"),
]:
    case(f"run --model config.json {cid}", [*RUN[:-2], "--model", "config.json"], {"config.json": text}, field)
    if cid in ("layers 10^6", "hidden huge", "not utf8", "kv heads do not divide"):
        case(
            f"trace --model config.json {cid}",
            [*TRACE[:-2], "--model", "config.json", "--out", "t.jsonl"],
            {"config.json": text},
            field,
        )

# ---- GEMM CSV (run and trace) --------------------------------------------------------------------
for cid, text, field in [
    ("empty", "", "line 1"),
    ("header only", "Layer,M,N,K\n", "g.csv"),
    ("wrong header", "name,a,b,c\nx,1,2,3\n", "line 1"),
    ("M 10^30", "Layer,M,N,K\nfc,1000000000000000000000000000000,8,8\n", "M"),
    ("M=N=K=10^9", "Layer,M,N,K\nfc,1000000000,1000000000,1000000000\n", "line 2"),
    ("negative", "Layer,M,N,K\nfc,-4,8,8\n", "M"),
    ("float", "Layer,M,N,K\nfc,4.5,8,8\n", "M"),
    ("nan", "Layer,M,N,K\nfc,nan,8,8\n", "M"),
    ("missing cell", "Layer,M,N,K\nfc,4,8\n", "line 2"),
    ("too many cells", "Layer,M,N,K\nfc,4,8,8,2:4,9\n", "line 2"),
    ("bad sparsity", "Layer,M,N,K,S\nfc,4,8,8,5:4\n", "sparsity"),
    ("not utf8", b"Layer,M,N,K\nf\xe9,4,8,8\n", "--gemm-csv"),
    ("NUL in name", "Layer,M,N,K\nf\x00c,4,8,8\n", "Layer"),
    ("binary", bytes(range(256)), "--gemm-csv"),
    ("empty name", "Layer,M,N,K\n,4,8,8\n", "Layer"),
]:
    case(f"run --gemm-csv {cid}", ["run", "--quiet", "--gemm-csv", "g.csv"], {"g.csv": text}, field)
    if cid in ("M 10^30", "not utf8", "binary", "M=N=K=10^9"):
        case(
            f"trace --gemm-csv {cid}",
            ["trace", "--quiet", "--gemm-csv", "g.csv", "--out", "t.jsonl"],
            {"g.csv": text},
            field,
        )
case("run --gemm-csv folder", ["run", "--quiet", "--gemm-csv", "gdir"], {"gdir": None}, "--gemm-csv")
case("run --gemm-csv missing", ["run", "--quiet", "--gemm-csv", "none.csv"], None, "--gemm-csv")

# ---- trace files (run --trace and trace --check) --------------------------------------------------
gz_ok = gzip.compress(TRACE_TEXT.encode(), mtime=0)
for cid, content, field in [
    ("empty", "", "trace line 1"),
    ("not utf8", b"\xff\xfe{}\n", "trace line 1"),
    ("corrupt gzip", b"\x1f\x8b\x08\x00" + b"\x00garbage" * 8, "trace line 1"),
    ("truncated gzip", gz_ok[: len(gz_ok) // 2], "trace line 1"),
    ("header only", T[0] + "\n", "n_ops"),
    ("header garbage", "{]\n" + "\n".join(T[1:]) + "\n", "trace line 1"),
    ("version 99", TRACE_TEXT.replace('"version":1', '"version":99'), "trace line 1"),
    ("op m zero", set_op_field(T, 0, "m", 0), "trace line 2"),
    ("op m huge", set_op_field(T, 0, "m", 10**12), "trace line 2"),
    ("op k float", set_op_field(T, 0, "k", 1.5), "trace line 2"),
    ("op kind unknown", set_op_field(T, 1, "kind", "fft"), "trace line 3"),
    ("op name empty", set_op_field(T, 1, "name", ""), "trace line 3"),
    ("op spec index out of range", set_op_field(T, 0, "a", 9), "trace line 2"),
    ("op count huge", set_op_field(T, 0, "count", 10**17), "trace line 2"),
    ("blank line", T[0] + "\n\n" + "\n".join(T[1:]) + "\n", "trace line"),
    ("truncated", TRACE_TEXT[: len(TRACE_TEXT) - 40], "trace line"),
]:
    name = "t.jsonl.gz" if "gzip" in cid else "t.jsonl"
    case(f"run --trace {cid}", ["run", "--quiet", "--hw", "systolic-fp16", "--trace", name], {name: content}, field)
    case(f"trace --check {cid}", ["trace", "--check", name], {name: content}, field)
case("run --trace folder", ["run", "--quiet", "--trace", "tdir"], {"tdir": None}, "--trace")
case("trace --check folder", ["trace", "--check", "tdir"], {"tdir": None}, "trace")

# ---- trace: outputs and flags ---------------------------------------------------------------------
case("trace --out exists", [*TRACE, "--out", "t.jsonl"], {"t.jsonl": "my notes"}, "--out")
case("trace --out folder", [*TRACE, "--out", "tdir"], {"tdir": None}, "--out")
case("trace --out under a file", [*TRACE, "--out", "f/t.jsonl"], {"f": "x"}, "--out")
case("trace --out empty", [*TRACE, "--out", ""], None, "--out")
case("trace --out missing folder", [*TRACE, "--out", "no/such/t.jsonl"], None, "--out")
case("trace no --out", TRACE, None, "--out")
case("trace --batch huge", [*TRACE, "--batch", "1000000000000", "--out", "t.jsonl"], None, "--batch")
case("trace --phase bad", [*TRACE, "--phase", "both", "--out", "t.jsonl"], None, "--phase")
case("trace --dist bad", [*TRACE, "--dist", "reddit", "--out", "t.jsonl"], None, "dist")
case("trace --tp bad", [*TRACE, "--tp", "3", "--out", "t.jsonl"], None, "--tp")

# ---- report ---------------------------------------------------------------------------------------
case("report empty sqlite", ["report", "empty.sqlite"], {"empty.sqlite": b""}, "results database")
case("report text as database", ["report", "notes.txt"], {"notes.txt": "hello"}, "results database")
case("report missing", ["report", "nowhere"], None, "run folder")
case("report empty RUN_DIR", ["report", ""], None, "RUN_DIR")
case("report empty folder", ["report", "d"], {"d": None}, "run folder")
case("report user folder", ["report", "d"], {"d/a.txt": "x"}, "run folder")
case("report --top 0", ["report", "d", "--top", "0"], {"d": None}, "--top")

# ---- sweep ----------------------------------------------------------------------------------------
for cid, text, field in [
    ("unknown model", SPACE.replace("model: llama2-7b", "model: gpt-17"), "workloads[0].model"),
    ("batch abc", SPACE.replace("batch: 1", "batch: abc"), "workloads[0].batch"),
    ("batch 0", SPACE.replace("batch: 1", "batch: 0"), "workloads[0].batch"),
    ("batch 10^12", SPACE.replace("batch: 1", "batch: 1000000000000"), "workloads[0].batch"),
    ("tp 3", SPACE.replace("w8a8}", "w8a8, tp: 3}"), "workloads[0].tp"),
    ("layers beyond model", SPACE.replace("layers: 1,", "layers: 99,"), "workloads[0].layers"),
    ("prompt beyond context", SPACE.replace("prompt_len: 64", "prompt_len: 9000"), "workloads[0]"),
    ("quant unknown", SPACE.replace("quant: w8a8", "quant: w1a1"), "workloads[0].quant"),
    ("unknown workload field", SPACE.replace("w8a8}", "w8a8, colour: red}"), "workloads[0].colour"),
    ("range 1..1e9", SPACE.replace("{choices: [16, 32]}", "{range: [1, 1000000000]}"), "range"),
    ("range reversed", SPACE.replace("{choices: [16, 32]}", "{range: [32, 16]}"), "range"),
    ("step 0", SPACE.replace("{choices: [16, 32]}", "{range: [16, 32], step: 0}"), "step"),
    ("choice nan", SPACE.replace("[16, 32]", "[.nan, 32]"), "parameters.hw.array.rows"),
    ("choice negative", SPACE.replace("[16, 32]", "[-16, 32]"), "parameters.hw.array.rows"),
    ("choice text", SPACE.replace("[16, 32]", "[big, 32]"), "parameters.hw.array.rows"),
    ("unknown hw key", SPACE.replace("hw.array.rows", "hw.array.depth"), "parameters.hw.array.depth"),
    (
        "swept workload batch 0",
        SPACE.replace("hw.array.rows: {choices: [16, 32]}", "workload.batch: {choices: [1, 0]}"),
        "workload.batch",
    ),
    (
        "grid too large",
        SPACE.replace(
            "hw.array.rows: {choices: [16, 32]}", "hw.array.rows: {range: [1, 400]}\n  hw.array.cols: {range: [1, 400]}"
        ),
        "parameters",
    ),
    ("unknown host", SPACE.replace("host: systolic-int8", "host: abacus"), "host"),
    (
        "no workloads",
        SPACE.split("workloads:")[0] + "objectives:\n  - {metric: tokens_per_s, goal: max}\n",
        "workloads",
    ),
    ("bad objective", SPACE.replace("tokens_per_s", "vibes"), "objectives[0].metric"),
    ("bad goal", SPACE.replace("goal: max", "goal: most"), "objectives[0].goal"),
    ("bad search", SPACE + "search: {method: annealing}\n", "search.method"),
    ("samples negative", SPACE + "search: {method: random, samples: -3}\n", "search.samples"),
    ("seed text", SPACE + "seed: lucky\n", "seed"),
    ("seed 10^30", SPACE + "seed: 1000000000000000000000000000000\n", "seed"),
    ("constraint bound text", SPACE + "constraints:\n  - {metric: area_mm2, max: small}\n", "constraints[0].max"),
    ("constraint bound nan", SPACE + "constraints:\n  - {metric: area_mm2, min: .nan}\n", "constraints[0].min"),
    ("workload field null", SPACE.replace("batch: 1,", "batch: null,"), "workloads[0].batch"),
    ("empty", "", "space"),
    ("not utf8", b"name: \xff\n", "space"),
    ("a list", "- 1\n", "space"),
]:
    case(f"sweep {cid}", SWEEP, {"space.yaml": text}, field)
case("sweep space folder", ["sweep", "sdir", "--db", "r.sqlite"], {"sdir": None}, "space")
case("sweep --workers 0", [*SWEEP[:-3], "--workers", "0"], {"space.yaml": SPACE}, "--workers")
case(
    "sweep --db folder",
    ["sweep", "space.yaml", "--db", "dbdir", "--workers", "1"],
    {"space.yaml": SPACE, "dbdir": None},
    "--db",
)
case("sweep --db under a file", ["sweep", "space.yaml", "--db", "f/r.sqlite"], {"space.yaml": SPACE, "f": "x"}, "--db")
case(
    "sweep --db not sqlite",
    SWEEP,
    {"space.yaml": SPACE, "r.sqlite": "just text, not a database" * 10},
    "results database",
)
case(
    "sweep --scheduler unreachable", [*SWEEP, "--scheduler", "tcp://127.0.0.1:9"], {"space.yaml": SPACE}, "--scheduler"
)

# ---- quant-eval -------------------------------------------------------------------------------------
for cid, files, arg, field in [
    ("npy empty", {"w.npy": b""}, "w.npy", "tensors"),
    ("npy garbage", {"w.npy": b"\x93NUMPY garbage garbage"}, "w.npy", "tensors"),
    ("npy truncated", {"w.npy": npy(np.ones((16, 16)))[:150]}, "w.npy", "tensors"),
    ("npy object dtype", {"w.npy": npy(np.array([[1, "a"]], dtype=object))}, "w.npy", "tensors"),
    ("npy strings", {"w.npy": npy(np.array([["a", "b"]]))}, "w.npy", "tensors"),
    ("npy complex", {"w.npy": npy(np.ones((4, 4), complex))}, "w.npy", "tensors"),
    ("npy nan", {"w.npy": npy(np.full((4, 4), np.nan))}, "w.npy", "tensor"),
    ("npy 1-D only", {"w.npy": npy(np.ones(8))}, "w.npy", "path"),
    ("npy zero rows", {"w.npy": npy(np.ones((0, 8)))}, "w.npy", "tensor"),
    ("npz empty", {"w.npz": b""}, "w.npz", "tensors"),
    ("npz garbage", {"w.npz": b"PK\x03\x04" + b"\x00" * 40}, "w.npz", "tensors"),
    ("npz truncated", {"w.npz": npz(a=np.ones((8, 8)))[:80]}, "w.npz", "tensors"),
    ("npz object", {"w.npz": npz(a=np.array([[1, None]], dtype=object))}, "w.npz", "tensors"),
    ("npz inf", {"w.npz": npz(a=np.full((2, 2), np.inf))}, "w.npz", "tensor"),
    ("safetensors garbage", {"w.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{bad}   "}, "w.safetensors", "tensors"),
    (
        "safetensors header too long",
        {"w.safetensors": (1 << 60).to_bytes(8, "little") + b"{}"},
        "w.safetensors",
        "tensors",
    ),
    ("wrong suffix", {"w.txt": "1 2 3"}, "w.txt", "tensors"),
    ("empty path", {}, "", "tensors"),
    ("folder without tensors", {"ck/readme.md": "x"}, "ck", "tensors"),
    ("folder with garbage", {"ck/a.npy": b"zz"}, "ck", "tensors"),
    ("missing", {}, "none.npy", "tensors"),
]:
    case(f"quant-eval {cid}", [*QE, arg], files, field)
for spec, field in [
    ("1x1000000x1000000", "--synthetic"),
    ("100000x8x8", "--synthetic COUNT"),
    ("0x8x8", "--synthetic COUNT"),
    ("2x8", "--synthetic"),
    ("axbxc", "--synthetic"),
    ("2x-8x8", "--synthetic ROWS"),
]:
    case(f"quant-eval --synthetic {spec}", [*QE, "--synthetic", spec], None, field)
case("quant-eval --csv exists", [*QE, "--synthetic", "1x4x8", "--csv", "c.csv"], {"c.csv": "mine"}, "--csv")
case("quant-eval --csv folder", [*QE, "--synthetic", "1x4x8", "--csv", "cdir"], {"cdir": None}, "--csv")
case("quant-eval --csv empty", [*QE, "--synthetic", "1x4x8", "--csv", ""], None, "--csv")
case("quant-eval --csv under a file", [*QE, "--synthetic", "1x4x8", "--csv", "f/c.csv"], {"f": "x"}, "--csv")
case("quant-eval --methods unknown", ["quant-eval", "--methods", "int5"], None, "--methods")
case("quant-eval --methods empty", ["quant-eval", "--methods", ","], None, "--methods")
case("quant-eval --max-rows 0", [*QE, "--max-rows", "0"], None, "--max-rows")
case("quant-eval --max-tensors -1", [*QE, "--max-tensors", "-1"], None, "--max-tensors")

# ---- reproduce, list, verify, top level -------------------------------------------------------------
case("reproduce unknown design", ["reproduce", "tpu"], None, "design")
case("reproduce --out a file", ["reproduce", "olive", "--out", "f"], {"f": "x"}, "--out")
case("reproduce --out user folder", ["reproduce", "olive", "--out", "d"], {"d/a.txt": "x"}, "--out")
case("list unknown", ["list", "everything"], None, "list")
case("verify unknown check", ["verify", "no-such-check"], None, "no-such-check")
case("verify --sim unknown", ["verify", "--sim", "modelsim"], None, "--sim")
case("unknown command", ["simulate"], None, "simulate")


def test_corpus_is_large_and_covers_every_command():
    commands = {argv[0] for _, argv, _, _ in CASES}
    assert len(CASES) >= 150
    assert {"run", "trace", "report", "sweep", "quant-eval", "reproduce", "list", "verify"} <= commands
    assert len({c[0] for c in CASES}) == len(CASES)  # unique ids


@pytest.mark.parametrize("argv, files, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_input_is_refused(fuzz_cli, argv, files, field):
    assert_refused(fuzz_cli(argv, files), field)


def test_hf_fixture_is_valid(fuzz_cli):
    """The corpus' config.json base is itself accepted (so each case breaks exactly one thing)."""
    o = fuzz_cli(
        ["trace", "--quiet", "--model", "config.json", "--prompt-len", "8", "--out", "ok.jsonl"], {"config.json": hf()}
    )
    assert o.rc == 0, o.err
    assert o.changed == ["ok.jsonl"] and HF["num_hidden_layers"] == 2
