"""Plain-text tables for the terminal, each followed by a legend explaining every column.

Input is plain dicts (a run summary with ``ops`` as printed by ``run --format json``,
or reproduction rows), so tables can be printed from a run folder too.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

from llmaccel.reports import units

#: Legend lines of the run table's op columns.
OP_LEGEND = (
    "op: op name (L<layer>.<role>); kind: operator kind; unit: unit that ran it; "
    "cycles: cycles the op occupies its unit, stalls included; "
    "stall%: share of those cycles waiting on memory; "
    "util%: useful MACs / (cycles x peak MACs per cycle of the machine) for matmuls; "
    "share%: op cycles / sum of all op cycles; energy: energy charged to the op (SI units: nJ, uJ, mJ) (excludes static energy not attributed to ops)."
)
REPRO_LEGEND = (
    "paper: value reported by the paper; model: llmaccel's value; "
    "rel err: (model - paper) / paper; baseline: what the metric is relative to (- for absolute metrics)."
)


def fmt_num(x: Any, digits: int = 4) -> str:
    """Compact number: ints with thousands separators, floats with ``digits`` significant digits."""
    if x is None:
        return "-"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        if x != 0 and (abs(x) >= 1e7 or abs(x) < 1e-3):
            return f"{x:.{digits - 1}e}"
        return f"{x:,.{digits}g}" if abs(x) < 1e4 else f"{x:,.0f}"
    return str(x)


def format_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    right: Sequence[bool] | None = None,
    wrap: dict[int, int] | None = None,
) -> str:
    """Aligned text table.

    Args:
        header: column titles.
        rows: cells (already strings or formatted with :func:`fmt_num`).
        right: per column, right-align (numbers) or not; default: right unless column 0.
        wrap: column index -> max width; longer cells wrap onto continuation lines.
    """
    ncol = len(header)
    right = list(right) if right is not None else [i > 0 for i in range(ncol)]
    wrap = wrap or {}
    cells: list[list[list[str]]] = []
    for row in [list(header)] + [list(r) for r in rows]:
        out_row = []
        for i, c in enumerate(row):
            s = c if isinstance(c, str) else fmt_num(c)
            out_row.append(textwrap.wrap(s, wrap[i]) or [""] if i in wrap and len(s) > wrap[i] else [s])
        cells.append(out_row)
    widths = [max(len(line) for r in cells for line in r[i]) for i in range(ncol)]
    lines = []
    for ri, row in enumerate(cells):
        height = max(len(c) for c in row)
        for h in range(height):
            parts = []
            for i, c in enumerate(row):
                s = c[h] if h < len(c) else ""
                parts.append(s.rjust(widths[i]) if right[i] and ri > 0 else s.ljust(widths[i]))
            lines.append("  ".join(parts).rstrip())
        if ri == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def legend(text: str, width: int = 100) -> str:
    """A legend paragraph wrapped to ``width``."""
    return "\n".join(textwrap.wrap(text, width, initial_indent="legend: ", subsequent_indent="        "))


def run_table(d: dict[str, Any], top: int = 10) -> str:
    """Readable run report: totals, the ``top`` ops by cycles, per-role totals, legends."""
    w = d.get("workload") or {}
    lines = [f"llmaccel run: {d['model']} on {d['preset']} (design {d['design']}, {d['clock_mhz']:g} MHz)"]
    wl = ", ".join(f"{k}={w[k]}" for k in sorted(w) if w[k] is not None and not isinstance(w[k], (dict, list)))
    if wl:
        lines.append(f"workload: {wl}")
    tok = d.get("tokens_per_s")
    totals = [
        ("total cycles", fmt_num(d["total_cycles"]), "end-to-end cycles (overlapping units counted once)"),
        ("time", units.time_s(d["time_s"]), "total cycles / clock"),
        ("energy", units.energy_pj(d["total_energy_pj"]), "all components incl. static/background"),
        ("MACs", fmt_num(d["total_macs"]), "useful multiply-accumulates"),
        ("utilisation", f"{100 * d['utilisation']:.2f} %", "MACs / (total cycles x peak MACs per cycle)"),
        ("peak", f"{d['peak_macs_per_cycle']:g} MAC/cycle", "machine peak"),
    ]
    if tok:
        totals.append(("throughput", units.si(tok, "tokens/s"), "tokens produced in this step / time"))
    for ref in d.get("references") or []:
        sp = (ref["time_s"] / d["time_s"]) if d["time_s"] else None
        totals.append(
            (
                f"speedup vs {ref['preset']}",
                f"{fmt_num(sp)} x" if sp else "-",
                f"{ref['preset']} time / this time (>1: this machine is faster); {ref['preset']} "
                f"({ref['design']}) takes {units.time_s(ref['time_s'])}, {units.energy_pj(ref['total_energy_pj'])}",
            )
        )
    lines.append(format_table(("total", "value", "meaning"), totals, right=[False, True, False]))
    ops = d.get("ops") or []
    if ops:
        sum_cycles = sum(o["cycles"] for o in ops) or 1
        order = sorted(range(len(ops)), key=lambda i: (-ops[i]["cycles"], i))[:top]
        rows = []
        for i in order:
            o = ops[i]
            rows.append(
                (
                    o["name"],
                    o["kind"],
                    o["unit"],
                    o["cycles"],
                    f"{100 * o['stall_cycles'] / o['cycles']:.1f}" if o["cycles"] else "-",
                    f"{100 * o['utilisation']:.1f}" if o["macs"] else "-",
                    f"{100 * o['cycles'] / sum_cycles:.1f}",
                    units.energy_pj(sum(o["energy_pj"].values())),
                )
            )
        lines.append("")
        lines.append(f"top {len(rows)} of {len(ops)} ops by cycles:")
        lines.append(
            format_table(
                ("op", "kind", "unit", "cycles", "stall%", "util%", "share%", "energy"),
                rows,
                right=[False, False, False, True, True, True, True, True],
            )
        )
        roles: dict[str, list] = {}
        for o in ops:
            r = roles.setdefault(o.get("role") or o["kind"], [o["kind"], 0, 0, 0, 0, 0.0])
            r[1] += 1
            r[2] += o["cycles"]
            r[3] += o["stall_cycles"]
            r[4] += o["macs"]
            r[5] += sum(o["energy_pj"].values())
        peak = d["peak_macs_per_cycle"]
        lines.append("")
        lines.append("by role (ops of the same role summed over layers and requests):")
        lines.append(
            format_table(
                ("role", "kind", "ops", "cycles", "stall%", "util%", "share%", "energy"),
                [
                    (
                        k,
                        v[0],
                        v[1],
                        int(v[2]),
                        f"{100 * v[3] / v[2]:.1f}" if v[2] else "-",
                        f"{100 * v[4] / (v[2] * peak):.1f}" if v[4] and v[2] and peak else "-",
                        f"{100 * v[2] / sum_cycles:.1f}",
                        units.energy_pj(v[5]),
                    )
                    for k, v in sorted(roles.items(), key=lambda kv: (-kv[1][2], kv[0]))
                ],
                right=[False, False, True, True, True, True, True, True],
            )
        )
        lines.append(legend(OP_LEGEND))
    if d.get("assumptions"):
        lines.append("")
        lines.append("assumptions:")
        lines.extend(textwrap.fill(a, 100, initial_indent="  - ", subsequent_indent="    ") for a in d["assumptions"])
    return "\n".join(lines) + "\n"


def repro_table(rows: Sequence[dict[str, Any]], assumptions_width: int = 60) -> str:
    """Reproduction rows (dicts as in ``ReproRow.to_dict``) as a table with wrapped assumptions."""
    body = []
    for r in rows:
        rel = r.get("rel_err")
        body.append(
            (
                r["design"],
                r["workload"],
                r["metric"],
                r.get("baseline") or "-",
                fmt_num(r.get("paper")),
                fmt_num(r.get("model")),
                f"{100 * rel:+.1f}%" if rel is not None else "-",
                r.get("assumptions") or "",
            )
        )
    table = format_table(
        ("design", "workload", "metric", "baseline", "paper", "model", "rel err", "assumptions"),
        body,
        right=[False, False, False, False, True, True, True, False],
        wrap={1: 28, 2: 28, 3: 16, 7: assumptions_width},
    )
    return table + "\n" + legend(REPRO_LEGEND) + "\n"
