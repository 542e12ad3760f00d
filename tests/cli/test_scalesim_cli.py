"""``llmaccel scalesim``: SCALE-Sim 3 files in, SCALE-Sim 3.0.0's COMPUTE_REPORT.csv out.

The expected cells are what SCALE-Sim 3.0.0 itself printed for the same cfg and topology
(tests/data/scalesim/recorded.csv; the cfg/topology pairs beside it are the exact files of
those SCALE-Sim runs).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error

DATA = Path(__file__).resolve().parents[1] / "data" / "scalesim"
RUNS = ("os_8x4", "ws_16x8", "is_4x16", "os_16x8_tinyofmap")
COLUMNS = ("Total Cycles", "Stall Cycles", "Overall Util %", "Mapping Efficiency %", "Compute Util %")


def _recorded(run: str) -> list[dict]:
    with (DATA / "recorded.csv").open(newline="") as f:
        return sorted((r for r in csv.DictReader(f) if r["run"] == run), key=lambda r: int(r["layer"]))


def _report(path: Path) -> list[list[str]]:
    text = path.read_text()
    lines = text.split("\n")
    assert lines[-1] == "" and all(line.endswith(",") for line in lines[:-1])  # SCALE-Sim's ",\n"
    return [line[:-1].split(", ") for line in lines[:-1]]


@pytest.mark.parametrize("run", RUNS)
def test_report_equals_scalesim_string_for_string(cli, tmp_path, run):
    r = cli("scalesim", "-c", str(DATA / f"{run}.cfg"), "-t", str(DATA / f"{run}.csv"), "-p", str(tmp_path))
    assert r.rc == 0, r.err
    report = tmp_path / run / "COMPUTE_REPORT.csv"  # run_name of every recorded cfg = its tag
    header, *rows = _report(report)
    assert header == [
        "LayerID",
        "Total Cycles (incl. prefetch)",
        "Total Cycles",
        "Stall Cycles",
        "Overall Util %",
        "Mapping Efficiency %",
        "Compute Util %",
    ]
    want = _recorded(run)
    assert len(rows) == len(want) >= 1
    for got, rec in zip(rows, want):
        assert got[0] == rec["layer"]
        assert got[2:] == [rec[c] for c in COLUMNS], (run, rec["layer"])
        assert got[1] in ("n/a", rec["Total Cycles (incl. prefetch)"]), (run, rec["layer"])


def test_same_inputs_give_identical_bytes_and_no_overwrite_without_force(cli, tmp_path):
    args = ["scalesim", "-c", str(DATA / "ws_16x8.cfg"), "-t", str(DATA / "ws_16x8.csv"), "-p", str(tmp_path)]
    assert cli(*args).rc == 0
    report = tmp_path / "ws_16x8" / "COMPUTE_REPORT.csv"
    first = report.read_bytes()
    assert_one_line_error(cli(*args), "--force")
    assert report.read_bytes() == first
    (tmp_path / "ws_16x8" / "other.txt").write_text("keep")
    assert cli(*args, "--force").rc == 0
    assert report.read_bytes() == first
    assert sorted(p.name for p in (tmp_path / "ws_16x8").iterdir()) == ["COMPUTE_REPORT.csv", "other.txt"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"InterfaceBandwidth: CALC": "InterfaceBandwidth: USER"}, "InterfaceBandwidth"),
        ({"SparsitySupport : false": "SparsitySupport : true"}, "SparsitySupport"),
        ({"IfmapCustomLayout: False": "IfmapCustomLayout: True"}, "IfmapCustomLayout"),
        ({"Dataflow : os": "Dataflow : rs"}, "Dataflow"),
        ({"ArrayHeight:    8": "ArrayHeight:    0"}, "ArrayHeight"),
        ({"ArrayWidth:     4": "ArrayWidth:     four"}, "ArrayWidth"),
        ({"OfmapSramSzkB:   64": ""}, "OfmapSramSzkB"),
        ({"run_name = os_8x4": "run_name = ../escape"}, "run_name"),
    ],
)
def test_bad_or_unsupported_cfg_is_one_line_exit_2(cli, tmp_path, change, field):
    text = (DATA / "os_8x4.cfg").read_text()
    for old, new in change.items():
        assert old in text, old
        text = text.replace(old, new)
    cfg = tmp_path / "x.cfg"
    cfg.write_text(text)
    r = cli("scalesim", "-c", str(cfg), "-t", str(DATA / "os_8x4.csv"), "-p", str(tmp_path / "out"))
    assert_one_line_error(r, field)
    assert not (tmp_path / "out").exists()


def test_bad_topologies_and_flags(cli, tmp_path):
    cfg = str(DATA / "os_8x4.cfg")
    conv = tmp_path / "conv.csv"
    conv.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter,\n")
    assert_one_line_error(cli("scalesim", "-c", cfg, "-t", str(conv), "-p", str(tmp_path)), "convolution")
    bad = tmp_path / "bad.csv"
    bad.write_text("Layer, M, N, K,\nL0, 3, -1, 2,\n")
    assert_one_line_error(cli("scalesim", "-c", cfg, "-t", str(bad), "-p", str(tmp_path)), "N")
    topo = str(DATA / "os_8x4.csv")
    assert_one_line_error(cli("scalesim", "-c", cfg, "-t", topo, "-i", "conv", "-p", str(tmp_path)), "-i")
    assert_one_line_error(cli("scalesim", "-c", str(tmp_path / "none.cfg"), "-t", topo), "-c")
    notini = tmp_path / "n.cfg"
    notini.write_text("just text\n")
    assert_one_line_error(cli("scalesim", "-c", str(notini), "-t", topo, "-p", str(tmp_path)), "-c")
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert_one_line_error(cli("scalesim", "-c", cfg, "-t", topo, "-p", str(blocked)), "-p")


def test_layout_and_save_flags_accepted(cli, tmp_path):
    # SCALE-Sim's own command line: -l layout and -s are accepted (and ignored), -i gemm
    shutil.copy(DATA / "os_8x4.csv", tmp_path / "t.csv")
    r = cli(
        "scalesim", "-c", str(DATA / "os_8x4.cfg"), "-t", str(tmp_path / "t.csv"), "-l", "x.csv", "-s", "N", "-i", "gemm",
        "-p", str(tmp_path),
    )  # fmt: skip
    assert r.rc == 0, r.err
    assert (tmp_path / "os_8x4" / "COMPUTE_REPORT.csv").is_file()
