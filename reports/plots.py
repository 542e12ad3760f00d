"""Plots of a run folder (matplotlib, Agg backend), drawn from the folder's files only.

Three figures, each written as PNG and SVG:

* ``latency_breakdown`` — cycles per op role (q_proj, attn_score, ffn_up ...),
  split into compute and memory-stall cycles, largest first.
* ``roofline`` — each matmul op at (MAC/B: MACs per off-chip byte, achieved
  MAC/s) on log axes with SI-prefixed tick labels, with the machine's compute
  roof and (when known) its off-chip bandwidth roof.
* ``energy`` — energy per op role, one bar per role stacked by component
  (DRAM, SRAM, PE array ...), in the SI unit that fits (uJ, mJ, J).

Output is byte-identical for identical input: SVG ids use a fixed hash salt,
the SVG date and PNG software stamps are omitted.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator  # noqa: E402

from llmaccel.reports import units  # noqa: E402

if TYPE_CHECKING:  # type only: run_folder.write draws the plots, so no run-time import back
    from llmaccel.reports.run_folder import RunFolder

FORMATS = ("png", "svg")
_RC = {
    "svg.hashsalt": "llmaccel",
    "svg.fonttype": "none",
    "font.size": 9,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_META = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}
_KIND_COLOURS = {"gemm": "tab:blue", "gemv": "tab:cyan", "attn_score": "tab:orange", "attn_context": "tab:red"}


def _save(fig: Any, out_dir: Path, stem: str) -> list[Path]:
    paths = []
    for fmt in FORMATS:
        p = out_dir / f"{stem}.{fmt}"
        fig.savefig(p, format=fmt, metadata=_META[fmt])
        paths.append(p)
    plt.close(fig)
    return paths


def _title(run: RunFolder) -> str:
    s = run.summary
    w = s.get("workload") or {}
    bits = [str(s.get("model", "")), str(w.get("phase", "")), f"batch {w['batch']}" if w.get("batch") else ""]
    return f"{s.get('preset', '')} ({s.get('design', '')}): " + " ".join(b for b in bits if b)


def plot_latency_breakdown(run: RunFolder, out_dir: Path) -> list[Path]:
    """Horizontal bars: compute and stall cycles summed per op role."""
    agg: dict[str, list[float]] = {}
    for o in run.ops:
        a = agg.setdefault(str(o["role"]), [0.0, 0.0])
        a[0] += float(o["compute_cycles"])
        a[1] += float(o["cycles"]) - float(o["compute_cycles"])
    roles = sorted(agg, key=lambda r: (-(agg[r][0] + agg[r][1]), r))
    total = sum(sum(v) for v in agg.values()) or 1.0
    height = 0.3 * max(len(roles), 3) + 1.2
    fig, ax = plt.subplots(figsize=(7.0, height))
    label_in = 0.07 * max((len(r) for r in roles), default=4) + 0.25  # ~0.07 in per 9-pt character
    fig.subplots_adjust(left=label_in / 7.0, right=0.93, top=1 - 0.45 / height, bottom=0.55 / height)
    y = list(range(len(roles)))[::-1]
    comp = [agg[r][0] for r in roles]
    stall = [max(agg[r][1], 0.0) for r in roles]
    ax.barh(y, comp, color="tab:blue", label="compute cycles")
    ax.barh(y, stall, left=comp, color="tab:gray", label="stall cycles (memory)")
    for yi, r in zip(y, roles):
        ax.text(agg[r][0] + max(agg[r][1], 0.0), yi, f" {100 * sum(agg[r]) / total:.1f}%", va="center", fontsize=7)
    ax.set_yticks(y, roles)
    ax.set_xlabel("cycles (summed over ops of the role)")
    ax.set_title(_title(run), fontsize=9)
    ax.legend(loc="lower right", fontsize=7, frameon=False)
    return _save(fig, out_dir, "latency_breakdown")


def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick positions for a log axis over [lo, hi]: decades when it spans more than 3 of them,
    1-3 steps over 2-3 decades, 1-2-5 steps when narrower, so every axis shows several labels."""
    lo, hi = min(lo, hi), max(lo, hi)
    span = math.log10(hi / lo)
    subs = (1.0,) if span > 3 else (1.0, 3.0) if span > 1.5 else (1.0, 2.0, 5.0)
    ticks = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        ticks += [s * 10.0**e for s in subs if lo <= s * 10.0**e <= hi * (1 + 1e-9)]
    return ticks


def _tick_text(v: float) -> str:
    """Plain numbers from 0.001 to 9999 (``0.3``, ``30``), SI prefixes beyond (``20 G``)."""
    return f"{v:g}" if 1e-3 <= v < 1e4 else units.si(v, "", 3)


def _log_axis(axis: Any, lo: float, hi: float) -> None:
    """Labelled ticks (see :func:`log_ticks`, :func:`_tick_text`) and no minor ticks on a log axis."""
    axis.set_major_locator(FixedLocator(log_ticks(lo, hi)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: _tick_text(v)))
    axis.set_minor_locator(NullLocator())


def plot_roofline(run: RunFolder, out_dir: Path) -> list[Path]:
    """Log-log roofline: achieved MAC/s against MACs per off-chip byte, one point per matmul op.

    Roofs: the compute peak (peak MACs per cycle x clock) and, when known, the off-chip
    bandwidth (bytes per cycle x clock) times the intensity.
    """
    roof = run.summary.get("roofline") or {}
    clock_hz = float(run.summary.get("clock_mhz") or 0.0) * 1e6
    per = clock_hz or 1.0  # no clock: per-cycle units
    rate = "MAC/s" if clock_hz else "MAC/cycle"
    peak = float(roof.get("peak_macs_per_cycle") or run.summary.get("peak_macs_per_cycle") or 0.0) * per
    bpc = roof.get("dram_bytes_per_cycle")
    bw = float(bpc) * per if bpc else 0.0
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    xs_all: list[float] = []
    ys_all: list[float] = []
    skipped = 0
    by_kind: dict[str, tuple[list[float], list[float]]] = {}
    for o in run.ops:
        if not o["macs"] or not o["cycles"]:
            continue
        if not o["dram_bytes"]:
            skipped += 1
            continue
        x = float(o["arith_intensity"])
        y = float(o["macs"]) / float(o["cycles"]) * per
        xs, ys = by_kind.setdefault(str(o["kind"]), ([], []))
        xs.append(x)
        ys.append(y)
        xs_all.append(x)
        ys_all.append(y)
    for kind in sorted(by_kind):
        xs, ys = by_kind[kind]
        ax.scatter(xs, ys, s=14, alpha=0.75, label=kind, color=_KIND_COLOURS.get(kind))
    lo = min(xs_all) / 4 if xs_all else 0.1
    hi = max(xs_all) * 4 if xs_all else 1e4
    bw_text = units.bandwidth_bps(bw, 3) if clock_hz else f"{bw:.3g} B/cycle"
    if bw:
        ridge = peak / bw if peak else hi
        lo, hi = min(lo, ridge / 4), max(hi, ridge * 4)
        ax.plot(
            [lo, ridge, hi],
            [bw * lo, peak, peak],
            color="black",
            lw=1.2,
            label=f"roof: {bw_text}, {units.si(peak, rate)}",
        )
        ys_all += [bw * lo, peak]
    elif peak:
        ax.plot([lo, hi], [peak, peak], color="black", lw=1.2, label=f"compute roof {units.si(peak, rate)}")
        ys_all.append(peak)
    ylo = min(ys_all) / 2 if ys_all else 1.0
    yhi = max(ys_all) * 2 if ys_all else 10.0
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(ylo, yhi)
    _log_axis(ax.xaxis, lo, hi)
    _log_axis(ax.yaxis, ylo, yhi)
    ax.set_xlabel("arithmetic intensity (MAC/B: MACs per off-chip byte)")
    ax.set_ylabel(f"achieved throughput ({rate})")
    note = f"; {skipped} ops with no off-chip traffic not shown" if skipped else ""
    if not bpc:
        note += "; bandwidth roof unknown"
    ax.set_title(_title(run) + note, fontsize=8)
    if by_kind or peak:
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    ax.grid(True, which="major", color="#ddd", lw=0.5)
    fig.subplots_adjust(left=0.12, right=0.97, top=0.92, bottom=0.11)
    return _save(fig, out_dir, "roofline")


#: at most this many roles get their own bar in the energy plot; the rest are summed
ENERGY_ROLES = 16


def energy_by_role(run: RunFolder) -> tuple[list[str], list[str], dict[str, dict[str, float]]]:
    """``(roles, components, role -> component -> pJ)`` from ops.csv's ``energy_pj.<component>``
    columns, largest role first; energy of a component not charged to any op (static, leakage,
    background) becomes the row ``not in ops``.  Roles beyond :data:`ENERGY_ROLES` are summed
    into ``other roles``."""
    comps = sorted({str(r["component"]) for r in run.energy})
    if not comps:
        return [], [], {}
    per: dict[str, dict[str, float]] = {}
    for o in run.ops:
        row = per.setdefault(str(o["role"]), {})
        for c in comps:
            row[c] = row.get(c, 0.0) + float(o.get(f"energy_pj.{c}") or 0.0)
    roles = sorted(per, key=lambda r: (-sum(per[r].values()), r))
    if len(roles) > ENERGY_ROLES:
        rest = roles[ENERGY_ROLES - 1 :]
        other = {c: sum(per[r][c] for r in rest) for c in comps}
        roles = roles[: ENERGY_ROLES - 1] + ["other roles"]
        per["other roles"] = other
    in_ops = {c: sum(per[r][c] for r in roles) for c in comps}
    unattributed = {str(r["component"]): float(r["energy_pj"]) - in_ops[str(r["component"])] for r in run.energy}
    if any(v > 1e-9 * max(1.0, float(r["energy_pj"])) for v, r in zip(unattributed.values(), run.energy)):
        per["not in ops"] = {c: max(v, 0.0) for c, v in unattributed.items()}
        roles.append("not in ops")
    return roles, comps, {r: per[r] for r in roles}


def plot_energy(run: RunFolder, out_dir: Path) -> list[Path]:
    """Horizontal stacked bars: energy per op role (summed over layers), split by component."""
    roles, comps, per = energy_by_role(run)
    total = sum(float(r["energy_pj"]) for r in run.energy)
    biggest = max((sum(v.values()) for v in per.values()), default=0.0)
    _, prefix = units.si_parts(biggest * 1e-12)
    scale = 1e-12 / units.PREFIX_FACTOR[prefix]
    height = 0.3 * max(len(roles), 3) + 1.4
    fig, ax = plt.subplots(figsize=(7.0, height))
    label_in = 0.07 * max((len(r) for r in roles), default=4) + 0.25
    fig.subplots_adjust(left=label_in / 7.0, right=0.97, top=1 - 0.45 / height, bottom=0.6 / height)
    y = list(range(len(roles)))[::-1]
    left = [0.0] * len(roles)
    shares = {str(r["component"]): float(r["share"]) for r in run.energy}
    cmap = plt.get_cmap("tab10")
    for i, c in enumerate(sorted(comps, key=lambda c: (-shares.get(c, 0.0), c))):
        vals = [per[r].get(c, 0.0) * scale for r in roles]
        ax.barh(y, vals, left=left, color=cmap(i % 10), label=f"{c} ({100 * shares.get(c, 0.0):.1f}%)")
        left = [a + b for a, b in zip(left, vals)]
    for yi, r in zip(y, roles):
        ax.text(sum(per[r].values()) * scale, yi, f" {units.energy_pj(sum(per[r].values()))}", va="center", fontsize=7)
    ax.set_yticks(y, roles)
    ax.set_xlabel(f"energy ({prefix}J, summed over the ops of each role)")
    title = f"energy by op role and component, total {units.energy_pj(total)}"
    ax.set_title(title if roles else "energy by component (none reported)", fontsize=9)
    if roles:
        ax.legend(loc="lower right", fontsize=7, frameon=False)
        ax.set_xlim(0, max(left) * 1.18 if max(left) > 0 else 1)
    return _save(fig, out_dir, "energy")


def plot_run(run: RunFolder, out_dir: str | Path) -> list[Path]:
    """Draw all plots of ``run`` into ``out_dir`` (created); returns the written paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]  # stubs list rc keys as Literals
        for fn in (plot_latency_breakdown, plot_roofline, plot_energy):
            paths.extend(fn(run, out_dir))
    return paths
