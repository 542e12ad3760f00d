"""Reports of a results database: report.html, front.csv, points.json per sweep."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from llmaccel.dse.store import ResultStore
from llmaccel.dse.summary import aggregate
from llmaccel.workloads.errors import InputError


def _sweep_meta(store: ResultStore, name: str) -> dict[str, Any]:
    (text,) = store.db.execute("SELECT space_json FROM sweeps WHERE name=?", (name,)).fetchone()
    return json.loads(text)


def write_sweep_reports(
    db: str | Path, out_dir: str | Path, sweep: str | None = None, force: bool = False
) -> list[Path]:
    """Write ``report.html`` (all sweeps, one section each when several), ``front.csv``, ``points.json``.

    The database is opened read-only.  The report folder is built atomically and an
    existing one is replaced only if it carries the sweep-report marker or ``force``.

    Raises:
        InputError: the file is not a results database, or holds no (such) sweep.
    """
    from llmaccel.reports.html import sweep_report, write_html
    from llmaccel.reports.output_folders import atomic_folder, check_target

    db = Path(db)
    if not db.exists():
        raise InputError("results", f"file not found: {db}")
    out = check_target(out_dir, "sweep-report", force)
    store = ResultStore(db, readonly=True)
    try:
        names = store.sweeps()
        if sweep:
            if sweep not in names:
                raise InputError("--sweep", f"no sweep {sweep!r} in {db}; allowed: {', '.join(names) or '(none)'}")
            names = [sweep]
        if not names:
            raise InputError("results", f"{db} holds no sweep")
        all_points: dict[str, Any] = {}
        front_rows: list[list[Any]] = []
        html_parts: list[str] = []
        for name in names:
            meta = _sweep_meta(store, name)
            rows = store.rows(name)
            points = aggregate(rows, meta["objectives"], meta["constraints"])
            breakdowns: dict[str, Any] = {}
            for r in rows:
                breakdowns.setdefault(r["point_key"], json.loads(r["metrics_json"]).get("breakdown") or {})
            params = [p["key"] for p in meta["parameters"]]
            html_parts.append(sweep_report(name, points, meta["objectives"], params, breakdowns))
            all_points[name] = points
            for p in points:
                if p["pareto"]:
                    for o in meta["objectives"]:
                        front_rows.append(
                            [name, json.dumps(p["point"], sort_keys=True), o["metric"], o["goal"], p.get(o["metric"])]
                        )
        html_text = html_parts[0] if len(html_parts) == 1 else _join_pages(html_parts)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["sweep", "point", "metric", "goal", "value"])  # long format: one row per front point x objective
        w.writerows(front_rows)

        def build(tmp: Path) -> None:
            write_html(html_text, tmp, "report.html")
            (tmp / "front.csv").write_text(buf.getvalue())
            (tmp / "points.json").write_text(json.dumps(all_points, indent=1, sort_keys=True) + "\n")

        atomic_folder(out, build, "sweep-report", force)
        return [out / "report.html", out / "front.csv", out / "points.json"]
    finally:
        store.close()


def _join_pages(pages: list[str]) -> str:
    """Concatenate several report bodies into one page."""
    head, _, _ = pages[0].partition("<body>")
    bodies = [p.partition("<body>")[2].rpartition("</body>")[0] for p in pages]
    return head + "<body>" + "<hr>".join(bodies) + "</body></html>\n"
