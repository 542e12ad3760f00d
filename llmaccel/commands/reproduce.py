"""``llmaccel reproduce <design>|all``: compare llmaccel's numbers with the papers' (see reports/reproduce)."""
from __future__ import annotations

import argparse
import json
import sys

from llmaccel.progress import progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reproduce", help="paper value vs model value for a design's headline results",
                       description="Run a design's paper-reproduction experiments and print paper value, model "
                                   "value, relative error and the assumptions behind each row.")
    p.add_argument("design", help="a design with a reproduction module (llmaccel list designs), or 'all'")
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table, or a JSON list of {design, workload, metric, baseline, paper, model, rel_err, "
                        "assumptions} (default table)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reports import reproduce as repro
    from reports.run_folder import json_safe
    from reports.tables import repro_table

    mods = repro.reproducers()
    names = sorted(mods) if args.design == "all" else [args.design]
    rows = []
    for name in progress(names, "reproduce", quiet=args.quiet):
        rows.extend(repro.reproduce(name))
    dicts = [json_safe(r.to_dict()) for r in rows]  # numpy scalars -> plain numbers; key order kept
    if args.format == "json":
        sys.stdout.write(json.dumps(dicts, indent=2, allow_nan=False) + "\n")
    else:
        sys.stdout.write(repro_table(dicts) if dicts else "no reproduction rows\n")
    return 0
