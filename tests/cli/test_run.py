"""``llmaccel run`` end to end on the real pipeline (zoo -> graph -> systolic design -> run folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error

FAST = ("--layers", "1", "--quiet")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_default_run_prints_table(cli):
    r = cli("run", "--quiet")
    assert r.rc == 0, r.err
    first = r.out.splitlines()[0]
    assert "llama2-7b" in first and "systolic-int8" in first
    assert "legend:" in r.out and "by role" in r.out
    assert "L31." in r.out or "L0." in r.out  # all 32 layers simulated


def test_json_schema_and_totals(cli):
    r = cli("run", "--format", "json", "--layers", "2", "--quiet")
    assert r.rc == 0, r.err
    d = json.loads(r.out)
    for key in (
        "schema",
        "design",
        "preset",
        "model",
        "clock_mhz",
        "total_cycles",
        "sum_op_cycles",
        "time_s",
        "total_energy_pj",
        "energy_pj",
        "total_macs",
        "peak_macs_per_cycle",
        "utilisation",
        "bytes",
        "n_ops",
        "tokens",
        "tokens_per_s",
        "workload",
        "meta",
        "assumptions",
        "hardware",
        "references",
        "roofline",
        "ops",
    ):
        assert key in d, key
    ops = d["ops"]
    assert d["n_ops"] == len(ops) > 0
    assert d["sum_op_cycles"] == sum(o["cycles"] for o in ops)
    assert d["total_macs"] == sum(o["macs"] for o in ops)
    assert d["total_energy_pj"] == pytest.approx(sum(d["energy_pj"].values()), rel=1e-12)
    for level, total in d["bytes"].items():
        assert total == pytest.approx(sum(o["bytes"].get(level, 0.0) for o in ops), rel=1e-12)
    assert d["time_s"] == pytest.approx(d["total_cycles"] / (d["clock_mhz"] * 1e6))
    assert d["utilisation"] == pytest.approx(d["total_macs"] / (d["total_cycles"] * d["peak_macs_per_cycle"]))
    # LLaMA2-7B decode, batch 1: per block q,k,v,o are 4096x4096 and gate/up/down 4096x11008 (HF config)
    weight_macs = sum(o["macs"] for o in ops if o["kind"] in ("gemm", "gemv") and o["layer"] >= 0)
    assert weight_macs == 2 * (4 * 4096 * 4096 + 3 * 4096 * 11008)
    assert d["workload"]["phase"] == "decode" and d["workload"]["batch"] == 1 and d["tokens"] == 1
    assert d["hardware"]["name"] == "systolic-int8" and d["peak_macs_per_cycle"] == 32 * 32
    assert d["roofline"]["dram_bytes_per_cycle"] == pytest.approx(64e9 / 500e6)


def test_run_folder_identical_across_runs(cli, tmp_path):
    for name in ("a", "b"):
        r = cli("run", *FAST, "--out", str(tmp_path / name))
        assert r.rc == 0, r.err
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert sorted(a) == [
        ".llmaccel-folder.json",
        "energy.csv",
        "layers.csv",
        "ops.csv",
        "plots/.llmaccel-folder.json",
    ] + sorted(f"plots/{s}.{e}" for s in ("energy", "latency_breakdown", "roofline") for e in ("png", "svg")) + [
        "summary.json"
    ]
    assert json.loads(a[".llmaccel-folder.json"]) == {
        "format": "llmaccel-run-folder",
        "marker_version": 1,
        "version": 1,
    }
    assert a == b
    ops_header = a["ops.csv"].decode().splitlines()[0].split(",")
    assert ops_header[:3] == ["index", "name", "kind"] and "bytes.dram_read" in ops_header


def test_report_matches_run(cli, tmp_path):
    r = cli("run", *FAST, "--out", str(tmp_path / "run"), "--format", "json", "--no-plots")
    from_run = json.loads(r.out)
    rep = cli("report", str(tmp_path / "run"), "--format", "json")
    assert rep.rc == 0, rep.err
    from_files = json.loads(rep.out)
    assert from_files["total_cycles"] == from_run["total_cycles"]
    assert [o["cycles"] for o in from_files["ops"]] == [o["cycles"] for o in from_run["ops"]]
    assert (tmp_path / "run" / "plots" / "roofline.svg").is_file()


@pytest.mark.parametrize(
    "argv, field",
    [
        (("--batch", "0"), "--batch"),
        (("--prompt-len", "-5"), "--prompt-len"),
        (("--gen-len", "0"), "--gen-len"),
        (("--kv-len", "0"), "--kv-len"),
        (("--tp", "0"), "--tp"),
        (("--layers", "-1"), "--layers"),
        (("--seed", "-1", "--dist", "alpaca"), "--seed"),
        (("--top", "0"), "--top"),
        (("--hw", "no-such-preset"), "--hw"),
        (("--model", "no-such-model"), "--model"),
        (("--quant", "no-such-quant"), "--quant"),
        (("--gpu", "no-such-gpu"), "--gpu"),
        (("--set", "bogus=1"), "override bogus"),
        (("--set", "array.bogus=1"), "override array.bogus"),
        (("--set", "array.rows"), "--set"),
        (("--set", "array.rows=0"), "array.rows"),
        (("--set", "array.dataflow=diagonal"), "array.dataflow"),
        (("--set", "sram.weight_kib=1", "--set", "array.rows=128", "--set", "array.cols=128"), "tile"),
        (("--hw", "mixpe-w4a8", "--set", "memory.input_kib=512"), "memory.input_kib: renamed to sram.input_kib"),
        (("--trace", "/no/such/trace.jsonl"), "--trace"),
        (("--gpu", "systolic-int8"), "--gpu"),
    ],
)
def test_bad_input_one_line_exit_2(cli, argv, field):
    assert_one_line_error(cli("run", *FAST, *argv), field)


def test_bad_preset_files(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndesign: systolic\nparams: {clock_mhz: [1, 2\n")
    assert_one_line_error(cli("run", *FAST, "--hw", str(bad)), "--hw: malformed YAML")
    nosrc = tmp_path / "nosrc.yaml"
    nosrc.write_text("schema: 1\nname: x\nextends: systolic-int8\ndesign: systolic\nparams:\n  clock_mhz: 700\n")
    assert_one_line_error(cli("run", *FAST, "--hw", str(nosrc)), "clock_mhz")


def test_malformed_trace(cli, tmp_path):
    good = tmp_path / "t.jsonl"
    from llmaccel.workloads.graph import build_trace
    from llmaccel.workloads.requests import fixed
    from llmaccel.workloads.trace_io import write_trace
    from llmaccel.workloads.zoo import get_model

    write_trace(build_trace(get_model("llama2-7b"), "decode", fixed(1, 16, 4), quant="w8a8", layers=1), good)
    lines = good.read_text().splitlines()
    op = json.loads(lines[2])
    op["m"] = 0
    lines[2] = json.dumps(op)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    r = cli("run", "--quiet", "--trace", str(bad))
    assert_one_line_error(r, "line 3")
    assert cli("run", "--quiet", "--trace", str(good), "--format", "json").rc == 0


def test_failed_run_keeps_existing_folder(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("run", *FAST, "--out", str(out), "--no-plots").rc == 0
    before = _tree(out)
    # fails while simulating (tile too big), after the trace was built
    r = cli(
        "run",
        *FAST,
        "--out",
        str(out),
        "--set",
        "sram.weight_kib=1",
        "--set",
        "array.rows=128",
        "--set",
        "array.cols=128",
    )
    assert_one_line_error(r, "tile")
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temp folder left behind
    # a folder that is not a run folder is never replaced
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert_one_line_error(cli("run", *FAST, "--out", str(mine)), "--out")
    assert (mine / "notes.txt").read_text() == "keep" and len(list(mine.iterdir())) == 1


def test_gpu_reference(cli):
    r = cli("run", *FAST, "--gpu", "a100-80gb", "--format", "json")
    assert r.rc == 0, r.err
    d = json.loads(r.out)
    (ref,) = d["references"]
    assert ref["preset"] == "a100-80gb" and ref["design"] == "gpu"
    assert ref["time_s"] == pytest.approx(ref["total_cycles"] / (ref["clock_mhz"] * 1e6))
    t = cli("run", *FAST, "--gpu", "a100-80gb")
    assert "speedup vs a100-80gb" in t.out


def test_sampled_requests_reproducible(cli):
    args = ("run", *FAST, "--dist", "sharegpt", "--seed", "7", "--batch", "3", "--format", "json")
    a, b = cli(*args), cli(*args)
    assert a.rc == 0, a.err
    assert a.out == b.out
    d = json.loads(a.out)
    assert d["workload"]["dist"] == "sharegpt" and d["workload"]["seed"] == 7 and d["tokens"] == 3
    c = cli("run", *FAST, "--dist", "sharegpt", "--seed", "8", "--batch", "3", "--format", "json")
    assert json.loads(c.out)["total_cycles"] != d["total_cycles"]  # different prompt/KV lengths


def test_gemm_csv(cli, tmp_path):
    csv_path = tmp_path / "topo.csv"
    csv_path.write_text("Layer,M,N,K\nfc1,64,128,256\nfc2,32,64,128\n")
    r = cli("run", "--quiet", "--gemm-csv", str(csv_path), "--format", "json")
    assert r.rc == 0, r.err
    d = json.loads(r.out)
    assert [o["name"] for o in d["ops"]] == ["fc1", "fc2"]
    assert d["total_macs"] == 64 * 128 * 256 + 32 * 64 * 128
    bad = tmp_path / "bad.csv"
    bad.write_text("Layer,M,N,K\nfc1,64,0,256\n")
    assert_one_line_error(cli("run", "--quiet", "--gemm-csv", str(bad)), "bad.csv")


def test_out_is_a_file(cli, tmp_path):
    f = tmp_path / "result.txt"
    f.write_text("mine")
    assert_one_line_error(cli("run", *FAST, "--out", str(f)), "--out")
    assert f.read_text() == "mine"
