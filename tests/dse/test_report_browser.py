"""The HTML reports render in a real browser (Debian's Chromium via Playwright):
they load, every plot is drawn with a non-zero size, and the console shows no errors."""

import shutil
from pathlib import Path

import pytest
from dse_spaces import make_space

from llmaccel.cli import main
from llmaccel.dse.report import write_sweep_reports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def render(path: Path, labels: dict | None = None) -> tuple[list[tuple[str, float, float]], list[str], str]:
    """Load ``path`` in Chromium: ``[(plot caption, width, height)]``, console errors, page title.

    If ``labels`` is a dict, it is filled with what the reader sees: per plot caption, the SVG
    ``<text>`` strings and ``<title>`` tooltips; and under ``"tables"`` the cells of every table.
    """
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
        page.goto(path.as_uri())
        plots = page.evaluate("""Array.from(document.querySelectorAll('div.plot')).map(d => {
            const s = d.querySelector('svg'); const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
            return [d.dataset.plot, r.width, r.height]; })""")
        title = page.title()
        if labels is not None:
            labels.update(
                page.evaluate("""() => {
                const out = {tables: Array.from(document.querySelectorAll('td')).map(c => c.textContent)};
                for (const d of document.querySelectorAll('div.plot')) {
                    out[d.dataset.plot] = {
                        text: Array.from(d.querySelectorAll('svg text')).map(t => t.textContent.trim()),
                        titles: Array.from(d.querySelectorAll('svg g > title')).map(t => t.textContent)};
                }
                return out; }""")
            )
        browser.close()
    return [tuple(x) for x in plots], errors, title


@pytest.fixture(scope="module")
def sweep_db(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    db = d / "r.sqlite"
    assert main(["sweep", str(make_space(d)), "--db", str(db), "--workers", "1", "--quiet"]) == 0
    return db


def test_chromium_is_installed():
    # The browser test is a core check of the report; .ci/run installs Debian's chromium.
    assert CHROMIUM, "chromium not found: apt-get install chromium"


def test_sweep_report_renders_every_plot_without_errors(tmp_path, sweep_db):
    paths = write_sweep_reports(sweep_db, tmp_path)
    html = paths[0]
    labels: dict = {}
    plots, errors, title = render(html, labels)
    names = [p[0] for p in plots]
    assert "llmaccel sweep" in title
    assert any(n.startswith("Pareto front") for n in names)
    assert "energy breakdown stacked bars" in names and "latency breakdown" in names
    assert all(w > 50 and h > 50 for _, w, h in plots), plots
    assert errors == []
    # every one of the 4 design points (clock 250/500 MHz x batch 1/2) has a tooltip naming its parameters
    tips = labels["Pareto front energy_per_token_j vs tokens_per_s"]["titles"]
    assert len(tips) == 4
    for clock in (250, 500):
        for batch in (1, 2):
            assert sum(f"hw.clock_mhz={clock}, workload.batch={batch};" in t for t in tips) == 1, tips
    assert all("tokens_per_s=" in t and "tokens/s" in t and "energy_per_token_j=" in t and "J" in t for t in tips)
    assert any(t.startswith("F0: ") and t.endswith("(Pareto front)") for t in tips)
    # the front table shows objectives in human units (e.g. "36.42 tokens/s", "13.52 mJ")
    cells = labels["tables"]
    assert any(c.endswith(" tokens/s") for c in cells) and any(c.endswith("J") and " " in c for c in cells), cells
    # self-contained: no external references
    text = html.read_text()
    import re

    assert not re.search(r'(src|href)="(https?:)?//', text) and "<script" not in text and "@import" not in text


def test_sweep_report_is_byte_identical_across_runs(tmp_path, sweep_db):
    a = write_sweep_reports(sweep_db, tmp_path / "a")
    b = write_sweep_reports(sweep_db, tmp_path / "b")
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes(), x.name


def test_run_report_and_timeline_render(tmp_path):
    run = tmp_path / "run"
    assert main(["run", "--layers", "1", "--out", str(run), "--quiet"]) == 0
    assert main(["report", str(run), "--out", str(tmp_path / "rep")]) == 0
    labels: dict = {}
    plots, errors, title = render(tmp_path / "rep" / "report.html", labels)
    names = [p[0] for p in plots]
    assert "utilisation over time" in names and any("roofline" in n for n in names)
    # roofline: units on both axes and several labelled ticks on each (not one lonely decade)
    roof = labels["roofline"]["text"]
    assert "achieved throughput (MAC/s)" in roof and any("MAC/B" in t for t in roof)
    assert any(t.startswith("roof: ") and "GB/s" in t and "GMAC/s" in t for t in roof), roof
    assert sum(t.endswith(" G") for t in roof) >= 3, roof  # y ticks such as "10 G", "30 G", "100 G"
    # energy: one bar per op role, each labelled with its energy in SI units
    energy = labels["energy"]["text"]
    assert {"q_proj", "ffn_up", "ffn_down", "attn_score"} <= set(energy)
    assert any(t.endswith(" mJ") or t.endswith(" uJ") for t in energy), energy
    # totals in human units, no raw pJ
    assert any(c.endswith(" ms") for c in labels["tables"]) and any(c.endswith(" mJ") for c in labels["tables"])
    assert not any("e+" in c for c in labels["tables"]), labels["tables"]
    assert any("latency" in n for n in names) and any("energy" in n for n in names)
    assert all(w > 50 and h > 50 for _, w, h in plots), plots
    assert errors == []
    import json

    tl = json.loads((tmp_path / "rep" / "timeline.json").read_text())
    assert sum(e["ph"] == "X" for e in tl["traceEvents"]) == len((run / "ops.csv").read_text().strip().splitlines()) - 1


def test_reproduce_report_renders(tmp_path):
    from llmaccel.reports.html import reproduce_report, write_html

    rows = [
        {
            "design": "d",
            "workload": "w",
            "metric": "speedup vs x",
            "baseline": "x",
            "paper": 2.0,
            "model": 1.8,
            "rel_err": -0.1,
            "assumptions": "a",
        },
        {
            "design": "d",
            "workload": "w",
            "metric": "tokens/s",
            "baseline": None,
            "paper": None,
            "model": 5.0,
            "rel_err": None,
            "assumptions": "b",
        },
    ]
    html = write_html(reproduce_report(rows), tmp_path)
    plots, errors, _ = render(html)
    assert [p[0] for p in plots] == ["d paper vs model"] and errors == []
    assert "-10.0 %" in html.read_text()


def test_sweep_report_refuses_a_foreign_folder(tmp_path, sweep_db):
    from llmaccel.workloads.errors import InputError

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(InputError):
        write_sweep_reports(sweep_db, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_report_command_on_a_database(tmp_path, sweep_db, capsys):
    out = tmp_path / "rep"
    assert main(["report", str(sweep_db), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [".llmaccel-folder.json", "front.csv", "points.json", "report.html"]
    import json

    pts = json.loads((out / "points.json").read_text())["t"]
    assert len(pts) == 4 and all(p["status"] == "ok" for p in pts)
    import csv

    front = list(csv.DictReader((out / "front.csv").open()))
    on_front = [p for p in pts if p["pareto"]]
    assert len(front) == 2 * len(on_front) > 0  # two objectives per front point
    by = {(r["point"], r["metric"]): float(r["value"]) for r in front}
    for p in on_front:
        key = json.dumps(p["point"], sort_keys=True)
        assert (
            by[(key, "tokens_per_s")] == p["tokens_per_s"]
            and by[(key, "energy_per_token_j")] == p["energy_per_token_j"]
        )
    assert main(["report", str(sweep_db), "--sweep", "nope", "--out", str(tmp_path / "x")]) == 2
    assert "--sweep" in capsys.readouterr().err


def test_reproduce_out_writes_report_and_guards_folders(tmp_path, monkeypatch, capsys):
    import json
    import types

    from llmaccel import reproduce as repro
    from llmaccel.reproduce import ReproRow

    mod = types.ModuleType("llmaccel.reproduce.toy")
    mod.DESIGN = "toy"
    mod.reproduce = lambda: [ReproRow("toy", "w", "speedup", "x", 2.0, 2.5, "hand")]
    monkeypatch.setattr(repro, "reproducers", lambda: {"toy": mod})
    out = tmp_path / "rep"
    assert main(["reproduce", "toy", "--out", str(out), "--quiet"]) == 0
    rows = json.loads((out / "rows.json").read_text())
    assert rows == [
        {
            "design": "toy",
            "workload": "w",
            "metric": "speedup",
            "baseline": "x",
            "paper": 2.0,
            "model": 2.5,
            "rel_err": 0.25,
            "assumptions": "hand",
        }
    ]
    assert (out / "rows.csv").read_text().splitlines()[1].startswith("toy,w,speedup,x,2.0,2.5,0.25")
    assert main(["reproduce", "toy", "--out", str(out), "--quiet"]) == 0  # replacing its own output is fine
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.txt").write_text("keep")
    capsys.readouterr()
    assert main(["reproduce", "toy", "--out", str(tmp_path / "mine"), "--quiet"]) == 2
    assert (tmp_path / "mine" / "a.txt").read_text() == "keep"
