"""Named regression tests for issue 12's data-loss cases and the output rules of docs/outputs.md.

A command never deletes or changes a file it did not create; a folder llmaccel
wrote is recognised by its marker file, not by a common file name; inputs are
opened read-only; replacing an existing output needs --force or the folder's own marker.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from fuzz_harness import assert_refused, tree
from fuzz_inputs import RUN, SPACE

from llmaccel.reports import run_folder


def test_run_out_refuses_user_folder_holding_a_summary_json(fuzz_cli, tmp_path):
    mine = {"mine/summary.json": '{"my": "own"}', "mine/thesis.tex": "years of work"}
    assert_refused(fuzz_cli([*RUN, "--out", "mine"], mine), "--out")
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "years of work"


def test_run_out_force_replaces_a_user_folder(fuzz_cli, tmp_path):
    o = fuzz_cli([*RUN, "--no-plots", "--out", "mine", "--force"], {"mine/old.txt": "x"})
    assert o.rc == 0, o.err
    assert not (tmp_path / "mine" / "old.txt").exists()
    assert run_folder.folder_kind(tmp_path / "mine") == "run-folder"


def test_run_out_replaces_its_own_run_folder_without_force(fuzz_cli, tmp_path):
    assert fuzz_cli([*RUN, "--no-plots", "--out", "r"]).rc == 0
    first = json.loads((tmp_path / "r" / "summary.json").read_text())["total_cycles"]
    o = fuzz_cli([*RUN, "--no-plots", "--out", "r", "--batch", "2"])
    assert o.rc == 0, o.err
    second = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert second["workload"]["batch"] == 2 and second["total_cycles"] >= first
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no temporary sibling left


def test_report_on_an_empty_file_leaves_it_empty(fuzz_cli, tmp_path):
    assert_refused(fuzz_cli(["report", "empty.sqlite"], {"empty.sqlite": b""}), "results database")
    assert (tmp_path / "empty.sqlite").stat().st_size == 0


def test_report_opens_a_database_read_only(fuzz_cli, tmp_path):
    (tmp_path / "space.yaml").write_text(SPACE)
    o = fuzz_cli(["sweep", "space.yaml", "--db", "r.sqlite", "--workers", "1", "--quiet"])
    assert o.rc == 0, o.err
    before = tree(tmp_path)
    os.chmod(tmp_path / "r.sqlite", 0o444)
    o = fuzz_cli(["report", "r.sqlite", "--out", "rep"])
    assert o.rc == 0, o.err
    after = tree(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("rep")} == before
    with sqlite3.connect(f"file:{tmp_path / 'r.sqlite'}?mode=ro", uri=True) as c:
        assert c.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 2


def test_trace_out_never_overwrites_an_existing_file(fuzz_cli, tmp_path):
    assert_refused(fuzz_cli(["trace", "--quiet", "--layers", "1", "--out", "t.jsonl"], {"t.jsonl": "mine"}), "--out")
    o = fuzz_cli(["trace", "--quiet", "--layers", "1", "--out", "t.jsonl", "--force"])
    assert o.rc == 0, o.err
    assert (tmp_path / "t.jsonl").read_text().startswith('{"format":"llmaccel-trace"')


def test_quant_eval_csv_never_overwrites_an_existing_file(fuzz_cli, tmp_path):
    argv = ["quant-eval", "--synthetic", "1x4x8", "--methods", "int8", "--csv", "c.csv"]
    assert_refused(fuzz_cli(argv, {"c.csv": "mine"}), "--csv")
    o = fuzz_cli([*argv, "--force"])
    assert o.rc == 0, o.err
    assert (tmp_path / "c.csv").read_text().splitlines()[0].startswith("tensor,method,elements")


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_next_run_cleans_temp_folders_of_a_killed_run_and_nothing_else(fuzz_cli, tmp_path):
    dead = _dead_pid()
    marker = run_folder.marker_text("run-folder")
    files = {
        f".r.tmp-{dead}-abc/{run_folder.MARKER}": marker,  # half-built by a killed run
        f".r.tmp-{dead}-abc/ops.csv": "index\n",
        f".r.old-{dead}-def/{run_folder.MARKER}": marker,  # the previous folder, mid-swap
        f".r.tmp-{dead}-empty": None,
        f".r.tmp-{dead}-user/notes.txt": "a user's folder that merely looks like ours",
        f".r.tmp-{os.getpid()}-live/{run_folder.MARKER}": marker,  # a live writer's (this process)
    }
    o = fuzz_cli([*RUN, "--no-plots", "--out", "r"], files)
    assert o.rc == 0, o.err
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["r", f".r.tmp-{dead}-user", f".r.tmp-{os.getpid()}-live"])


def test_report_with_wrong_types_writes_nothing(fuzz_cli, tmp_path):
    assert fuzz_cli([*RUN, "--out", "r"]).rc == 0
    summary = tmp_path / "r" / "summary.json"
    doc = json.loads(summary.read_text())
    doc["total_cycles"] = "many"
    summary.write_text(json.dumps(doc))
    assert_refused(fuzz_cli(["report", "r"]), "summary.json: total_cycles")
    doc["total_cycles"] = 5
    summary.write_text(json.dumps(doc))
    ops = tmp_path / "r" / "ops.csv"
    lines = ops.read_text().splitlines()
    cells = lines[1].split(",")
    cells[8] = "lots"  # the cycles column
    ops.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    assert_refused(fuzz_cli(["report", "r"]), "ops.csv line 2: cycles")


def test_report_replots_a_marked_run_folder_in_place(fuzz_cli, tmp_path):
    assert fuzz_cli([*RUN, "--out", "r"]).rc == 0
    (tmp_path / "r" / "plots" / "roofline.svg").unlink()
    o = fuzz_cli(["report", "r"])
    assert o.rc == 0, o.err
    assert (tmp_path / "r" / "plots" / "roofline.svg").is_file()


def test_report_does_not_replot_an_unmarked_folder(fuzz_cli, tmp_path):
    assert fuzz_cli([*RUN, "--out", "r"]).rc == 0
    (tmp_path / "r" / run_folder.MARKER).unlink()
    (tmp_path / "r" / "plots" / run_folder.MARKER).unlink()
    (tmp_path / "r" / "plots" / "mine.txt").write_text("keep")
    assert_refused(fuzz_cli(["report", "r"]), "RUN_DIR")
    assert (tmp_path / "r" / "plots" / "mine.txt").read_text() == "keep"


def test_failed_sweep_start_leaves_no_database(fuzz_cli, tmp_path):
    o = fuzz_cli(
        ["sweep", "space.yaml", "--db", "r.sqlite", "--scheduler", "tcp://127.0.0.1:9", "--quiet"],
        {"space.yaml": SPACE},
    )
    assert_refused(o, "--scheduler")
    assert not (tmp_path / "r.sqlite").exists()
    bad = SPACE.replace("batch: 1", "batch: 0")
    assert_refused(fuzz_cli(["sweep", "bad.yaml", "--db", "r.sqlite", "--quiet"], {"bad.yaml": bad}), "batch")
    assert not (tmp_path / "r.sqlite").exists()


def test_a_registered_but_empty_sweep_is_taken_over_by_a_plain_rerun(fuzz_cli, tmp_path):
    from llmaccel.dse.runner import SweepRunner
    from llmaccel.dse.space import load_space
    from llmaccel.dse.store import ResultStore

    (tmp_path / "space.yaml").write_text(SPACE)
    store = ResultStore(tmp_path / "r.sqlite")
    SweepRunner(load_space(tmp_path / "space.yaml"), store, run=None)  # registered, then the start "failed"
    store.close()
    o = fuzz_cli(["sweep", "space.yaml", "--db", "r.sqlite", "--workers", "1", "--quiet", "--format", "json"])
    assert o.rc == 0, o.err
    assert json.loads(o.out)["evaluated_now"] == 2


def test_run_folder_marker_version_is_the_summary_schema():
    from llmaccel.reports import output_folders

    assert output_folders.FOLDER_KINDS["run-folder"] == run_folder.RUN_FOLDER_SCHEMA
    assert json.loads(output_folders.marker_text("run-folder")) == {
        "format": "llmaccel-run-folder",
        "marker_version": 1,
        "version": 1,
    }
