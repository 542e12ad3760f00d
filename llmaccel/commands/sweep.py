"""``llmaccel sweep SPACE.yaml``: design-space exploration into an SQLite database."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="explore a design space (grid, random, NSGA-II) into SQLite",
        description="Evaluate the design points of SPACE.yaml on its workloads and store one row per "
        "point x workload in an SQLite database. See docs/dse.md for the schema.",
    )
    p.add_argument("space", help="sweep-space YAML file")
    p.add_argument("--db", default="results.sqlite", help="SQLite results database (default: results.sqlite)")
    p.add_argument("--resume", action="store_true", help="continue a sweep already in --db; repeats nothing")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: CPU count)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--format", choices=("table", "json"), default="table", help="how to print the front")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from llmaccel.dse.executors import executor
    from llmaccel.dse.runner import run_sweep
    from llmaccel.dse.space import load_space
    from llmaccel.dse.store import ResultStore
    from llmaccel.dse.summary import aggregate
    from llmaccel.extras import require_extra
    from llmaccel.reports import units
    from llmaccel.workloads.errors import InputError

    if args.workers is not None and args.workers <= 0:
        raise InputError("--workers", f"must be a positive integer, got {args.workers}")
    space = load_space(args.space)
    if space.search.get("method") == "nsga2":
        require_extra("sweep", "dse", ["pymoo"], "search method nsga2")
    if args.scheduler is not None:
        require_extra("--scheduler", "dse", ["distributed"])
    store = ResultStore(args.db)
    try:
        runner = run_sweep(
            space,
            store,
            executor(args.workers, args.scheduler),
            resume=args.resume,
            progress=False if args.quiet else None,
        )
        points = aggregate(
            store.rows(space.name),
            [{"metric": o.metric, "goal": o.goal} for o in space.objectives],
            [{"metric": c.metric, "min": c.min, "max": c.max} for c in space.constraints],
        )
    finally:
        store.close()
    front = [p for p in points if p["pareto"]]
    if args.format == "json":
        json.dump(
            {
                "sweep": space.name,
                "db": args.db,
                "evaluated_now": runner.evaluated,
                "points": len(points),
                "feasible": sum(p["feasible"] for p in points),
                "front": front,
            },
            sys.stdout,
            indent=2,
            sort_keys=True,
        )
        print()
        return 0
    objs = [o.metric for o in space.objectives]
    print(
        f"sweep {space.name}: {len(points)} points ({runner.evaluated} evaluated now), "
        f"{sum(p['feasible'] for p in points)} feasible, {len(front)} on the Pareto front -> {args.db}"
    )
    keys = [p.key for p in space.parameters]
    header = keys + objs
    print("  ".join(f"{h:>18}" for h in header))
    for p in sorted(front, key=lambda e: tuple(e[o] for o in objs)):
        cells = [str(p["point"].get(k)) for k in keys] + [units.metric(o, p[o]) for o in objs]
        print("  ".join(f"{c:>18}" for c in cells))
    errors = [p for p in points if p["status"] == "error"]
    if errors:
        print(f"{len(errors)} invalid point(s), e.g. {errors[0]['error']}")
    return 0
