"""CLI commands that need no simulator: --help, reproduce (fake and real modules), report, list, bad input."""

from __future__ import annotations

import json
import sys
import types

import pytest
from cli_helpers import assert_one_line_error, small_result

from llmaccel import reproduce as repro
from llmaccel.cli import build_parser
from llmaccel.reports import run_folder
from llmaccel.reproduce import ReproRow

COMMANDS = ("run", "list", "report", "reproduce")


def test_help_every_command(cli):
    r = cli("--help")
    assert r.rc == 0 and "COMMAND" in r.out
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    names = sorted(sub.choices)
    assert set(COMMANDS) <= set(names)
    for name in names:
        r = cli(name, "--help")
        assert r.rc == 0, name
        assert r.out.startswith("usage: llmaccel " + name), name


def test_no_command_prints_help(cli):
    r = cli()
    assert r.rc == 0 and "usage: llmaccel" in r.out


def test_unknown_command_and_flag(cli):
    r = cli("frobnicate")
    assert r.rc == 2 and len(r.err.strip().splitlines()) == 1 and "frobnicate" in r.err
    r = cli("run", "--batch", "abc")
    assert r.rc == 2 and len(r.err.strip().splitlines()) == 1 and "--batch" in r.err


@pytest.fixture
def fake_repro(monkeypatch):
    """A reproduction module 'toy' with hand-written rows, slotted into llmaccel.reproduce."""
    mod = types.ModuleType("llmaccel.reproduce.toy")
    mod.DESIGN = "toy"
    long_text = "the model assumes a fully pipelined decoder with no bank conflicts, " * 3
    mod.reproduce = lambda: [
        ReproRow("toy", "OPT-6.7B b1", "speedup vs GPU", "A100", 2.0, 2.5, long_text.strip()),
        ReproRow("toy", "geomean", "tokens/J", None, None, 123.0, ""),
    ]
    real = repro.reproducers
    monkeypatch.setattr(repro, "reproducers", lambda: {**real(), "toy": mod})
    return mod


def test_reproduce_json_schema(cli, fake_repro):
    r = cli("reproduce", "toy", "--format", "json")
    assert r.rc == 0, r.err
    rows = json.loads(r.out)
    assert [list(row) for row in rows] == [
        ["design", "workload", "metric", "baseline", "paper", "model", "rel_err", "assumptions"]
    ] * 2
    assert rows[0]["rel_err"] == pytest.approx((2.5 - 2.0) / 2.0)
    assert rows[1]["paper"] is None and rows[1]["rel_err"] is None and rows[1]["baseline"] is None


def test_reproduce_table(cli, fake_repro):
    r = cli("reproduce", "toy")
    assert r.rc == 0
    lines = r.out.splitlines()
    assert lines[0].split() == [
        "design",
        "workload",
        "metric",
        "baseline",
        "paper",
        "model",
        "rel",
        "err",
        "assumptions",
    ]
    assert "+25.0%" in r.out  # (2.5 - 2) / 2
    assert max(len(line) for line in lines if not line.startswith(("legend", " " * 8))) < 200
    col = lines[0].index("assumptions")
    body = [line[col:] for line in lines[2:] if not line.startswith(("legend", " " * 8 + "paper"))]
    text = " ".join(b.strip() for b in body if b.strip())
    assert text == fake_repro.reproduce()[0].assumptions  # wrapped into the column, not cut
    assert all(len(b) <= 60 for b in body)
    assert "legend:" in r.out


def test_reproduce_unknown(cli, fake_repro):
    assert_one_line_error(cli("reproduce", "nope"), "design")


def test_reproduce_real_module_schema(cli):
    """A landed reproduction module through the CLI (MixPE: the quickest; every design's own tests check its
    values and the other modules share the same ReproRow path)."""
    mods = repro.reproducers()
    assert "mixpe" in mods
    r = cli("reproduce", "mixpe", "--format", "json", "--quiet")
    assert r.rc == 0, r.err
    rows = json.loads(r.out)
    assert rows and all(row["design"] == "mixpe" for row in rows)
    assert len(rows) == len(mods["mixpe"].reproduce())
    for row in rows:
        assert list(row) == ["design", "workload", "metric", "baseline", "paper", "model", "rel_err", "assumptions"]
        assert isinstance(row["model"], (int, float))
        if row["paper"] not in (None, 0):
            assert row["rel_err"] == pytest.approx((row["model"] - row["paper"]) / row["paper"])


def test_reproduce_all_in_design_order(cli, monkeypatch):
    """``all`` runs every module once, in sorted design order (fake modules: the real ones take minutes)."""
    calls = []

    def fake(name):
        mod = types.ModuleType(f"llmaccel.reproduce.{name}")
        mod.DESIGN = name
        mod.reproduce = lambda: calls.append(name) or [ReproRow(name, "w", "m", None, 1.0, 1.1, "")]
        return mod

    monkeypatch.setattr(repro, "reproducers", lambda: {n: fake(n) for n in ("zeta", "alpha", "mid")})
    r = cli("reproduce", "all", "--format", "json")
    assert r.rc == 0
    assert [row["design"] for row in json.loads(r.out)] == ["alpha", "mid", "zeta"] == calls


def test_report_replots_from_files_only(cli, tmp_path, monkeypatch):
    out = run_folder.write(small_result(), tmp_path / "run", workload={"phase": "decode", "batch": 1})
    plots_before = {p.name: p.read_bytes() for p in (out / "plots").iterdir()}
    for p in (out / "plots").iterdir():
        p.unlink()
    # no simulator may be touched
    monkeypatch.setitem(sys.modules, "llmaccel.sim.designs", None)
    r = cli("report", str(out))
    assert r.rc == 0, r.err
    assert "L0.q_proj" in r.out and "1,500" in r.out
    assert {p.name: p.read_bytes() for p in (out / "plots").iterdir()} == plots_before
    r = cli("report", str(out), "--out", str(tmp_path / "elsewhere"), "--format", "json")
    assert r.rc == 0
    doc = json.loads(r.out)
    assert doc["total_cycles"] == 1500 and [o["cycles"] for o in doc["ops"]] == [1000, 300, 200]
    assert doc["ops"][0]["bytes"] == {"dram_read": 4096.0, "dram_write": 1024.0, "sram_read": 9000.0}
    # --out also holds the self-contained HTML report and the Chrome-trace timeline
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == sorted(
        [*plots_before, "report.html", "timeline.json"]
    )
    timeline = json.loads((tmp_path / "elsewhere" / "timeline.json").read_text())
    spans = [e for e in timeline["traceEvents"] if e["ph"] == "X"]
    clock = doc["clock_mhz"]
    threads = {e["args"]["name"]: e["tid"] for e in timeline["traceEvents"] if e["name"] == "thread_name"}
    assert [(e["name"], e["tid"], e["dur"]) for e in spans] == [
        ("L0.q_proj", threads["array"], 1000 / clock),
        ("L0.attn_score.r0", threads["array"], 300 / clock),
        ("L1.softmax", threads["sfu"], 200 / clock),
    ]


def test_report_bad_folder(cli, tmp_path):
    assert_one_line_error(cli("report", str(tmp_path / "missing")), "run folder")
    (tmp_path / "x").mkdir()
    assert_one_line_error(cli("report", str(tmp_path / "x")), "run folder")
    out = run_folder.write(small_result(), tmp_path / "run", plots=False)
    (out / "ops.csv").write_text("index,name\n")
    assert_one_line_error(cli("report", str(out)), "ops.csv")


def test_list_rtl_and_designs(cli):
    from llmaccel.rtl.registry import all_checks
    from llmaccel.sim.designs import design_names

    r = cli("list", "rtl")
    assert r.rc == 0
    for c in all_checks():
        assert c.unit in r.out
    r = cli("list", "designs")
    assert r.rc == 0
    assert [line.split()[0] for line in r.out.splitlines()[2:] if line and not line.startswith(" ")] == design_names()


def test_list_models_and_quant(cli):
    from llmaccel.workloads.quant_presets import quant_names
    from llmaccel.workloads.zoo import model_names

    r = cli("list", "models")
    assert r.rc == 0
    assert [line.split()[0] for line in r.out.splitlines()[2:]] == model_names()
    assert "llama2-7b" in r.out and " 32 " in r.out.splitlines()[2 + model_names().index("llama2-7b")]
    r = cli("list", "quant")
    assert [line.split()[0] for line in r.out.splitlines()[2:]] == quant_names()


def test_list_unknown(cli):
    r = cli("list", "gadgets")
    assert r.rc == 2 and "gadgets" in r.err and len(r.err.strip().splitlines()) == 1


def test_list_presets(cli):
    from llmaccel.sim.preset import load_preset, preset_names

    r = cli("list", "presets")
    assert r.rc == 0
    rows = [line.split(None, 2) for line in r.out.splitlines()[2:] if line and not line.startswith(" ")]
    assert [row[0] for row in rows] == preset_names()
    for name, design, *_ in rows:
        assert design == load_preset(name).design
