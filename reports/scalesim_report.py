"""SCALE-Sim's ``COMPUTE_REPORT.csv``, written byte for byte the way SCALE-Sim 3.0.0 writes it.

Layout (scalesim/simulator.py l.174-175 and l.213-215): a header line, then one line per
layer, every cell separated by ``", "`` and every line ending in ``",\\n"``.  Each value is
Python's ``str()`` of an int or float -- nothing is rounded (``str(96.7274544091931)``,
``str(100.0)``).  The column meanings are in docs/scalesim.md.

The report goes to ``OUTDIR/<run_name>/COMPUTE_REPORT.csv``.  An existing report is replaced
only with ``force``; the file is written to a temporary sibling and renamed into place, and
nothing else in the folder is touched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from llmaccel.sim.systolic.scalesim import ComputeReportRow
from llmaccel.workloads.errors import InputError

COMPUTE_REPORT = "COMPUTE_REPORT.csv"
COMPUTE_COLUMNS = (
    "LayerID",
    "Total Cycles (incl. prefetch)",
    "Total Cycles",
    "Stall Cycles",
    "Overall Util %",
    "Mapping Efficiency %",
    "Compute Util %",
)
#: Printed in the prefetch-inclusive column where it is not derived (docs/scalesim.md).
NOT_DERIVED = "n/a"


def _line(cells: Sequence[object]) -> str:
    return ", ".join(str(c) for c in cells) + ",\n"


def compute_report_text(rows: Sequence[ComputeReportRow]) -> str:
    """The whole COMPUTE_REPORT.csv: header plus one line per layer (LayerID = 0, 1, ...)."""
    lines = [_line(COMPUTE_COLUMNS)]
    for lid, r in enumerate(rows):
        prefetch = NOT_DERIVED if r.total_cycles_incl_prefetch is None else r.total_cycles_incl_prefetch
        cells = (lid, prefetch, r.total_cycles, r.stall_cycles, r.overall_util, r.mapping_efficiency, r.compute_util)
        lines.append(_line(cells))
    return "".join(lines)


def write_compute_report(outdir: str | Path, run_name: str, text: str, force: bool = False) -> Path:
    """Write ``text`` to ``outdir/run_name/COMPUTE_REPORT.csv`` and return that path.

    Raises:
        InputError: the report exists and ``force`` is false, or the folder cannot be written.
    """
    folder = Path(outdir) / run_name
    target = folder / COMPUTE_REPORT
    if target.exists() and not force:
        raise InputError("-p", f"{target} exists; pass --force to replace it")
    if target.is_dir():
        raise InputError("-p", f"{target} is a folder; refusing to replace it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{COMPUTE_REPORT}.tmp-", dir=folder)
    except OSError as e:
        raise InputError("-p", f"cannot write to {folder}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise InputError("-p", f"cannot write {target}: {e.strerror or e}") from None
    return target
