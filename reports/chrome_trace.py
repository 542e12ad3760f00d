"""Chrome-trace (Trace Event Format) timeline of one run's units.

Open the JSON in chrome://tracing or https://ui.perfetto.dev.  Each unit
(``array``, ``pim``, ``sfu`` ...) is a thread row; each op is a complete event
("ph": "X") from its ``start_cycle`` for ``cycles``.  Timestamps are in
microseconds, as the format requires (cycles / clock_mhz).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def trace_events(ops: Iterable[dict[str, Any]], clock_mhz: float, process: str = "llmaccel") -> dict[str, Any]:
    """Trace-event document from op rows (dicts with name, unit, start_cycle, cycles, kind, layer).

    Ops without a schedule (every ``start_cycle`` 0) are laid end to end per unit,
    in program order, so the timeline still shows where time goes.
    """
    ops = list(ops)
    units = sorted({str(o.get("unit", "unit")) for o in ops})
    tid = {u: i + 1 for i, u in enumerate(units)}
    scheduled = any(int(o.get("start_cycle", 0) or 0) > 0 for o in ops)
    cursor = {u: 0 for u in units}
    events: list[dict[str, Any]] = [{"name": "process_name", "ph": "M", "pid": 1, "args": {"name": process}}]
    events += [{"name": "thread_name", "ph": "M", "pid": 1, "tid": tid[u], "args": {"name": u}} for u in units]
    for o in ops:
        u = str(o.get("unit", "unit"))
        cycles = int(float(o.get("cycles", 0)))
        start = int(float(o.get("start_cycle", 0) or 0)) if scheduled else cursor[u]
        cursor[u] = start + cycles
        events.append(
            {
                "name": str(o["name"]),
                "cat": str(o.get("kind", "")),
                "ph": "X",
                "pid": 1,
                "tid": tid[u],
                "ts": start / clock_mhz,
                "dur": cycles / clock_mhz,
                "args": {"cycles": cycles, "layer": o.get("layer"), "stall_cycles": o.get("stall_cycles")},
            }
        )
    return {
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {"clock_mhz": clock_mhz, "scheduled": scheduled},
    }


def write_chrome_trace(
    ops: Iterable[dict[str, Any]], clock_mhz: float, path: str | Path, process: str = "llmaccel"
) -> Path:
    path = Path(path)
    path.write_text(json.dumps(trace_events(ops, clock_mhz, process), sort_keys=True))
    return path
