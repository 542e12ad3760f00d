"""The HTML reports render in a real browser (Debian's Chromium via Playwright):
they load, every plot is drawn with a non-zero size, and the console shows no errors."""
import shutil
from pathlib import Path

import pytest

from llmaccel.cli import main
from llmaccel.dse.report import write_sweep_reports
from dse_spaces import make_space

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def render(path: Path) -> tuple[list[tuple[str, float, float]], list[str], str]:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
        page.goto(path.as_uri())
        plots = page.evaluate("""Array.from(document.querySelectorAll('div.plot')).map(d => {
            const s = d.querySelector('svg'); const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
            return [d.dataset.plot, r.width, r.height]; })""")
        title = page.title()
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
    plots, errors, title = render(html)
    names = [p[0] for p in plots]
    assert "llmaccel sweep" in title
    assert any(n.startswith("Pareto front") for n in names)
    assert "energy breakdown stacked bars" in names and "latency breakdown" in names
    assert all(w > 50 and h > 50 for _, w, h in plots), plots
    assert errors == []
    # self-contained: no external references
    text = html.read_text()
    import re
    assert not re.search(r'(src|href)="(https?:)?//', text) and "<script" not in text and "@import" not in text


def test_sweep_report_is_byte_identical_across_runs(tmp_path, sweep_db):
    a = write_sweep_reports(sweep_db, tmp_path / "a")
    b = write_sweep_reports(sweep_db, tmp_path / "b")
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes(), x.name
