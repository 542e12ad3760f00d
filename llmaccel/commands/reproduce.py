"""``llmaccel reproduce <design>|all``: compare llmaccel's numbers with the papers' (see llmaccel/reproduce)."""

from __future__ import annotations

import argparse
import json
import sys

from llmaccel.progress import progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reproduce",
        help="paper value vs model value for a design's headline results",
        description="Run a design's paper-reproduction experiments and print paper value, model "
        "value, relative error and the assumptions behind each row.",
    )
    p.add_argument("design", help="a design with a reproduction module (llmaccel list designs), or 'all'")
    p.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table, or a JSON list of {design, workload, metric, baseline, paper, model, rel_err, "
        "assumptions} (default table)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="also write DIR/report.html (self-contained: tables and paper-vs-model plots for every "
        "design asked for), DIR/rows.json, DIR/rows.csv and DIR/fidelity.md (every row with a paper value: paper, model, error, cause; per-design summary); an existing DIR is replaced only if "
        "it is an llmaccel reproduce report or --force is given",
    )
    p.add_argument("--force", action="store_true", help="with --out: replace DIR even if llmaccel did not write it")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmaccel import reproduce as repro
    from llmaccel.reports.output_folders import check_target
    from llmaccel.reports.run_folder import json_safe
    from llmaccel.reports.tables import repro_table

    mods = repro.reproducers()
    names = sorted(mods) if args.design == "all" else [args.design]
    if args.out is not None:
        check_target(args.out, "reproduce-report", args.force)  # before any work
    rows = []
    for name in progress(names, "reproduce", quiet=args.quiet):
        rows.extend(repro.reproduce(name))
    dicts = [json_safe(r.to_dict()) for r in rows]  # numpy scalars -> plain numbers; key order kept
    if args.out is not None:
        _write_out(dicts, args.out, args.force)
    if args.format == "json":
        sys.stdout.write(json.dumps(dicts, indent=2, allow_nan=False) + "\n")
    else:
        sys.stdout.write(repro_table(dicts) if dicts else "no reproduction rows\n")
    return 0


def _write_out(rows: list[dict], out: str, force: bool = False) -> None:
    """report.html + rows.json + rows.csv, built in a temporary sibling and renamed into place."""
    import csv
    import io
    from pathlib import Path

    from llmaccel.reports.fidelity import fidelity_markdown
    from llmaccel.reports.html import reproduce_report
    from llmaccel.reports.output_folders import atomic_folder

    def build(tmp: Path) -> None:
        (tmp / "report.html").write_text(reproduce_report(rows))
        (tmp / "fidelity.md").write_text(fidelity_markdown(rows))
        (tmp / "rows.json").write_text(json.dumps(rows, indent=2, allow_nan=False) + "\n")
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["design"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        (tmp / "rows.csv").write_text(buf.getvalue())

    atomic_folder(out, build, "reproduce-report", force)
