"""``llmaccel report`` on serve folders: the same pages as ``llmaccel serve --out``, from files only."""

import shutil

import pytest

from llmaccel.cli import main

SERVE = ["serve", "--hw", "a100-80gb", "--requests", "12", "--seed", "3"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A one-rate and a two-rate serve folder (written once; tests copy them before changing them)."""
    root = tmp_path_factory.mktemp("serve")
    assert main([*SERVE, "--rate", "2", "--out", str(root / "one"), "--format", "json"]) == 0
    assert main([*SERVE, "--rates", "1,3", "--out", str(root / "sweep"), "--format", "json"]) == 0
    return root


def copy(folders, name, tmp_path):
    dst = tmp_path / name
    shutil.copytree(folders / name, dst)
    return dst


def pages(folder):
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.suffix in (".html", ".svg")
    }


def test_report_rerenders_a_serve_folder_in_place_byte_identically(folders, tmp_path, capsys):
    src = copy(folders, "one", tmp_path)
    written = pages(src)
    assert set(written) == {"report.html", "plots/latency_cdf.svg", "plots/occupancy.svg"}
    (src / "report.html").unlink()
    shutil.rmtree(src / "plots")
    capsys.readouterr()
    assert main(["report", str(src)]) == 0
    assert "report.html (1 run)" in capsys.readouterr().out
    assert pages(src) == written
    # the page shows the sweep-level summary of the folder (setup, cost cache, rows)
    assert b"cost_cache.simulations_by_part" in written["report.html"]


def test_report_of_a_sweep_into_out_matches_what_serve_wrote(folders, tmp_path, capsys):
    src = folders / "sweep"
    out = tmp_path / "rendered"
    capsys.readouterr()
    assert main(["report", str(src), "--out", str(out)]) == 0
    assert "report.html (2 runs)" in capsys.readouterr().out
    written = pages(src)
    assert set(written) >= {"report.html", "rate_1/report.html", "rate_3/report.html"}
    assert pages(out) == written
    top = (out / "report.html").read_text()
    assert 'href="rate_1/report.html"' in top and 'href="rate_3/report.html"' in top
    assert top.count("<svg") == 0 and (out / "rate_3" / "report.html").read_text().count("<svg") == 2


def test_report_renders_a_folder_served_without_plots(tmp_path, capsys):
    src = tmp_path / "bare"
    assert main([*SERVE, "--rate", "2", "--out", str(src), "--no-plots"]) == 0
    assert not (src / "report.html").exists()
    assert main(["report", str(src)]) == 0
    assert (src / "report.html").read_text().count("<svg") == 2


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: (d / "requests.csv").write_text("id,arrival_s\n1,2\n"), "requests.csv: expected the columns"),
        (lambda d: (d / "iterations.csv").unlink(), "missing"),
        (lambda d: (d / "summary.json").write_text("{"), "malformed JSON"),
        (lambda d: (d / "summary.json").write_text("[]"), "must hold a JSON object"),
        (lambda d: (d / "summary.json").write_text('{"runs": 3}'), "no 'runs' list"),
    ],
)
def test_broken_serve_folder_exits_2_with_one_line(folders, tmp_path, capsys, breakage, message):
    src = copy(folders, "one", tmp_path)
    breakage(src)
    before = pages(src)
    capsys.readouterr()
    assert main(["report", str(src)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("llmaccel: error: ") and message in err
    assert pages(src) == before  # nothing written


def test_non_number_cell_exits_2(folders, tmp_path, capsys):
    src = copy(folders, "sweep", tmp_path)
    path = src / "rate_3" / "iterations.csv"
    lines = path.read_text().splitlines()
    lines[1] = "nan" + lines[1][lines[1].index(",") :]
    path.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["report", str(src)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 2: start_s must be a finite number" in err


def test_json_format_is_refused_for_a_serve_folder(folders, capsys):
    capsys.readouterr()
    assert main(["report", str(folders / "one"), "--format", "json"]) == 2
    assert capsys.readouterr().err.startswith("llmaccel: error: --format")
