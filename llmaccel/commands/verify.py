"""``llmaccel verify``: run the registered RTL checks (cocotb) and print a PASS/FAIL table.

Every ``rtl/<unit>/checks.py`` exposing ``CHECKS`` is found by
:func:`rtl.registry.all_checks`.  Each check runs once per selected simulator in
its own fresh folder under a temporary directory (removed afterwards unless
``--keep``).  Exit status: 0 all passed, 1 any failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import fnmatch
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from llmaccel.workloads.errors import InputError

SIM_CHOICES = ("icarus", "verilator", "both")


@dataclass(frozen=True)
class Outcome:
    """One check on one simulator."""

    unit: str
    sim: str
    passed: bool
    seconds: float
    detail: str = ""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "verify",
        help="run the RTL cocotb checks on Icarus and/or Verilator",
        description="Build every registered RTL unit from its Amaranth source, run its cocotb "
        "checks (bit-exact outputs and cycle-exact latency vs the Python models) and "
        "print a PASS/FAIL table. Exit 1 if any check fails.",
    )
    p.add_argument("--sim", default="both", metavar="SIM", help="icarus, verilator or both (default: both)")
    p.add_argument(
        "--unit",
        default=None,
        metavar="PATTERN",
        help="only units whose name contains PATTERN, or matches it as a glob (e.g. 'baseline', 'baseline.array*')",
    )
    p.add_argument("--list", action="store_true", help="list the registered checks and exit")
    p.add_argument("--keep", action="store_true", help="keep the build folders (their path is printed) for debugging")
    p.set_defaults(func=run)


def select_sims(sim: str) -> list[str]:
    """Simulators named by ``--sim``; InputError for anything else."""
    if sim not in SIM_CHOICES:
        raise InputError("--sim", f"unknown simulator {sim!r}; allowed: {', '.join(SIM_CHOICES)}")
    return ["icarus", "verilator"] if sim == "both" else [sim]


def select_checks(checks: list, pattern: str | None) -> list:
    """Checks whose unit contains ``pattern`` or matches it as a glob; InputError if none."""
    if pattern is None:
        return list(checks)
    if not pattern.strip():
        raise InputError("--unit", "must be a non-empty name or glob pattern")
    chosen = [c for c in checks if pattern in c.unit or fnmatch.fnmatchcase(c.unit, pattern)]
    if not chosen:
        units = ", ".join(c.unit for c in checks) or "(none registered)"
        raise InputError("--unit", f"no RTL unit matches {pattern!r}; registered units: {units}")
    return chosen


def _run_one(check, sim: str, build_dir: Path) -> Outcome:
    from llmaccel.rtl.flow import RtlCheckFailed

    t0 = time.perf_counter()
    try:
        check.run(sim, build_dir)
    except RtlCheckFailed as e:
        return Outcome(check.unit, sim, False, time.perf_counter() - t0, _first_line(str(e)))
    except Exception as e:  # a crashing check is a failed check, not a crashed command
        detail = f"{type(e).__name__}: {e}"
        traceback.print_exc(file=sys.stderr)
        return Outcome(check.unit, sim, False, time.perf_counter() - t0, _first_line(detail))
    return Outcome(check.unit, sim, True, time.perf_counter() - t0)


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:160]


def format_table(outcomes: list[Outcome]) -> str:
    """Fixed-width PASS/FAIL table with a summary line."""
    w_unit = max([len("unit")] + [len(o.unit) for o in outcomes])
    w_sim = max([len("simulator")] + [len(o.sim) for o in outcomes])
    lines = [f"{'unit':<{w_unit}}  {'simulator':<{w_sim}}  result  time_s  detail"]
    for o in outcomes:
        lines.append(
            f"{o.unit:<{w_unit}}  {o.sim:<{w_sim}}  {'PASS' if o.passed else 'FAIL':<6}"
            f"  {o.seconds:6.1f}  {o.detail}".rstrip()
        )
    n_fail = sum(not o.passed for o in outcomes)
    lines.append(f"{len(outcomes) - n_fail} passed, {n_fail} failed, {sum(o.seconds for o in outcomes):.1f} s")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from llmaccel.extras import require_extra

    require_extra("verify", "rtl")
    from llmaccel.rtl.flow import simulator_available
    from llmaccel.rtl.registry import all_checks

    sims = select_sims(args.sim)
    checks = select_checks(all_checks(), args.unit)
    if args.list:
        for c in checks:
            print(f"{c.unit}: {c.description}")
        return 0
    missing = [s for s in sims if not simulator_available(s)]
    if missing:
        raise InputError("--sim", f"simulator not available on this machine: {', '.join(missing)}")

    root = Path(tempfile.mkdtemp(prefix="llmaccel-verify-"))
    outcomes: list[Outcome] = []
    try:
        for check in checks:
            for sim in sims:
                folder = root / f"{check.unit}-{sim}"
                outcome = _run_one(check, sim, folder)
                outcomes.append(outcome)
                print(
                    f"{'PASS' if outcome.passed else 'FAIL'} {check.unit} [{sim}] {outcome.seconds:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        if args.keep:
            print(f"build folders kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(format_table(outcomes))
    return 0 if all(o.passed for o in outcomes) else 1
