"""``llmaccel report RUN_DIR``: re-plot and re-print a run from its folder's files (never re-simulates);
a serve folder (``llmaccel serve --out``) gets its plots and report.html re-rendered."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from llmaccel import config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="re-plot a run folder, or report a sweep database, without re-simulating",
        description="RUN_DIR: read a run folder (summary.json, ops.csv, layers.csv, energy.csv), "
        "redraw its plots and print the run table; with --out also write a "
        "self-contained report.html and a Chrome-trace timeline.json. "
        "A serve folder (llmaccel serve --out): redraw its plots and report.html (per rate of a sweep), "
        "in place or into --out. "
        "results.sqlite: write report.html (Pareto fronts, energy and latency "
        "breakdowns), front.csv and points.json for its sweeps. Never re-simulates.",
    )
    p.add_argument(
        "run_dir",
        metavar="RUN_DIR|results.sqlite",
        help="a run folder written by 'llmaccel run --out', or a database written by 'llmaccel sweep'",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="run folder: write plots, report.html and timeline.json here instead of re-plotting "
        "RUN_DIR/plots (built in a temporary sibling, then renamed); database: the report "
        "folder (default: <database name>-report next to it)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace --out (or RUN_DIR/plots) even if it is not a folder llmaccel wrote (its files are deleted)",
    )
    p.add_argument("--sweep", default=None, help="database: report only this sweep (default: all)")
    p.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="stdout: the run table, or summary.json with per-op rows from ops.csv",
    )
    p.add_argument("--top", type=int, default=10, help="table: ops listed (default %(default)s)")
    p.set_defaults(func=run)


def _ops_as_json(rows: list[dict]) -> list[dict]:
    """ops.csv rows back into the ``ops`` shape of ``run --format json``."""
    from llmaccel.reports.run_folder import OP_COLUMNS

    # the per-op fields of run --format json: ops.csv's leading columns from name up to the derived ones
    fields = OP_COLUMNS[OP_COLUMNS.index("name") : OP_COLUMNS.index("time_us")]
    out = []
    for r in rows:
        d = {k: r[k] for k in fields}
        d["bytes"] = {k[len("bytes.") :]: float(v) for k, v in r.items() if k.startswith("bytes.")}
        d["energy_pj"] = {k[len("energy_pj.") :]: float(v) for k, v in r.items() if k.startswith("energy_pj.")}
        out.append(d)
    return out


def run(args: argparse.Namespace) -> int:
    from llmaccel.reports import output_folders, run_folder
    from llmaccel.reports.plots import plot_run
    from llmaccel.reports.tables import run_table
    from llmaccel.workloads.errors import InputError

    config.positive("--top", args.top)
    src = Path(args.run_dir)
    if str(args.run_dir).strip() == "":
        raise InputError("RUN_DIR", "must be a run folder or a results database, got ''")
    if src.is_file():
        return _sweep_report(args)
    if output_folders.folder_kind(src) == "serve-folder":
        return _serve_report(args)
    if args.out is not None:
        output_folders.check_target(args.out, "run-report", args.force)
    # read and check every file, and render the table, before anything is written
    rf = run_folder.read(src)
    doc = dict(rf.summary)
    doc["ops"] = _ops_as_json(rf.ops)
    try:
        text = run_folder.dumps(doc) if args.format == "json" else run_table(doc, top=args.top)
    except (TypeError, KeyError, ValueError, AttributeError) as e:
        raise InputError("RUN_DIR", f"{src} holds values of the wrong type ({e.__class__.__name__}: {e})") from None
    if args.out is not None:
        from llmaccel.reports.html import write_run_report

        def build(tmp: Path) -> None:
            plot_run(rf, tmp)
            write_run_report(args.run_dir, tmp)

        where = output_folders.atomic_folder(args.out, build, "run-report", args.force)
    else:
        # redraw RUN_DIR/plots: allowed when RUN_DIR is an llmaccel run folder (its marker says so),
        # when plots/ carries its own marker, or with --force
        own = output_folders.folder_kind(src) == "run-folder"
        if not os.access(src, os.W_OK | os.X_OK):
            raise InputError("RUN_DIR", f"{src} is not writable; use --out DIR to write the plots elsewhere")
        plots = src / run_folder.PLOTS_DIR
        try:
            output_folders.check_target(plots, "plots", own or args.force)
        except InputError:
            raise InputError(
                "RUN_DIR",
                f"{src} has no llmaccel run-folder marker and {plots} holds other files; "
                "use --out DIR, or --force to redraw its plots",
            ) from None
        where = output_folders.atomic_folder(plots, lambda tmp: plot_run(rf, tmp), "plots", own or args.force)
    sys.stdout.write(text)
    if args.format != "json":
        sys.stdout.write(f"plots: {where}\n")
    return 0


def _serve_report(args: argparse.Namespace) -> int:
    """Plots and report.html of a serve folder, in place or into ``--out`` (docs/serving.md)."""
    from llmaccel.reports import output_folders
    from llmaccel.reports import serving as report
    from llmaccel.workloads.errors import InputError

    src = Path(args.run_dir)
    subs = report.run_folders(src)  # every file checked before anything is written
    if args.format == "json":
        raise InputError("--format", "a serve folder's report is HTML; its summary.json is the JSON form")
    if args.out is not None:
        output_folders.check_target(args.out, "run-report", args.force)
        where = output_folders.atomic_folder(args.out, lambda tmp: report.render(src, tmp), "run-report", args.force)
    else:
        if not os.access(src, os.W_OK | os.X_OK):
            raise InputError("RUN_DIR", f"{src} is not writable; use --out DIR to write the report elsewhere")
        report.render(src)
        where = src
    sys.stdout.write(f"serve report: {where / 'report.html'} ({len(subs)} run{'s' if len(subs) > 1 else ''})\n")
    return 0


def _sweep_report(args: argparse.Namespace) -> int:
    """Report of a results database (see docs/dse.md)."""
    from llmaccel.dse.report import write_sweep_reports

    db = Path(args.run_dir)
    out = Path(args.out) if args.out else db.with_name(db.stem + "-report")
    paths = write_sweep_reports(db, out, args.sweep, force=args.force)
    for p in paths:
        sys.stdout.write(f"{p}\n")
    return 0
