"""``llmaccel sweep SPACE.yaml``: design-space exploration into an SQLite database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


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


def check_db_path(db: str) -> None:
    """The --db location: an existing file, or a new file in a writable folder (InputError otherwise)."""
    from llmaccel.reports.output_folders import check_output_path
    from llmaccel.workloads.errors import InputError

    p = check_output_path(db, "--db", "file")
    if not p.exists() and not p.parent.is_dir():
        raise InputError("--db", f"folder does not exist: {p.parent}")


def remove_db(db: Path) -> None:
    """Delete a database this run created (and its WAL side files)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def main(args: argparse.Namespace) -> int:
    from llmaccel.dse.executors import close_executor, executor
    from llmaccel.dse.runner import run_sweep
    from llmaccel.dse.space import load_space
    from llmaccel.dse.store import ResultStore
    from llmaccel.dse.summary import aggregate
    from llmaccel.extras import require_extra
    from llmaccel.reports import units
    from llmaccel.workloads.errors import InputError

    if args.workers is not None and args.workers <= 0:
        raise InputError("--workers", f"must be a positive integer, got {args.workers}")
    space = load_space(args.space)  # every field, workload and size checked before any database exists
    if space.search.get("method") == "nsga2":
        require_extra("sweep", "dse", ["pymoo"], "search method nsga2")
    check_db_path(args.db)
    run = executor(args.workers, args.scheduler)  # an unreachable scheduler (or a missing [dse] extra) fails here
    created = not Path(args.db).exists()
    try:
        store = ResultStore(args.db)
    except BaseException:
        close_executor(run)
        raise
    try:
        runner = run_sweep(space, store, run, resume=args.resume, progress=False if args.quiet else None)
        points = aggregate(
            store.rows(space.name),
            [{"metric": o.metric, "goal": o.goal} for o in space.objectives],
            [{"metric": c.metric, "min": c.min, "max": c.max} for c in space.constraints],
        )
    except InputError:
        empty = not store.rows()
        store.close()
        if created and empty:
            remove_db(Path(args.db))  # a failed start leaves no database behind
        raise
    finally:
        close_executor(run)
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
