"""Plots of a run folder (matplotlib, Agg backend), drawn from the folder's files only.

Three figures, each written as PNG and SVG:

* ``latency_breakdown`` — cycles per op role (q_proj, attn_score, ffn_up ...),
  split into compute and memory-stall cycles, largest first.
* ``roofline`` — each matmul op at (MACs per off-chip byte, achieved MACs per
  cycle) on log axes, with the machine's compute roof and (when known) its
  off-chip bandwidth roof.
* ``energy`` — one stacked bar of energy per component (pJ -> mJ).

Output is byte-identical for identical input: SVG ids use a fixed hash salt,
the SVG date and PNG software stamps are omitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator  # noqa: E402

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


def plot_roofline(run: RunFolder, out_dir: Path) -> list[Path]:
    """Log-log roofline: achieved MACs/cycle against MACs per off-chip byte, one point per matmul op."""
    roof = run.summary.get("roofline") or {}
    peak = float(roof.get("peak_macs_per_cycle") or run.summary.get("peak_macs_per_cycle") or 0.0)
    bpc = roof.get("dram_bytes_per_cycle")
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    xs_all: list[float] = []
    skipped = 0
    by_kind: dict[str, tuple[list[float], list[float]]] = {}
    for o in run.ops:
        if not o["macs"] or not o["cycles"]:
            continue
        if not o["dram_bytes"]:
            skipped += 1
            continue
        x = float(o["arith_intensity"])
        y = float(o["macs"]) / float(o["cycles"])
        xs, ys = by_kind.setdefault(str(o["kind"]), ([], []))
        xs.append(x)
        ys.append(y)
        xs_all.append(x)
    for kind in sorted(by_kind):
        xs, ys = by_kind[kind]
        ax.scatter(xs, ys, s=14, alpha=0.75, label=kind, color=_KIND_COLOURS.get(kind))
    lo = min(xs_all) / 4 if xs_all else 0.1
    hi = max(xs_all) * 4 if xs_all else 1e4
    if bpc:
        ridge = peak / float(bpc) if peak else hi
        lo, hi = min(lo, ridge / 4), max(hi, ridge * 4)
        ax.plot(
            [lo, ridge, hi],
            [float(bpc) * lo, peak, peak],
            color="black",
            lw=1.2,
            label=f"roof: {float(bpc):.3g} B/cycle, {peak:.4g} MAC/cycle",
        )
    elif peak:
        ax.plot([lo, hi], [peak, peak], color="black", lw=1.2, label=f"compute roof {peak:.4g} MAC/cycle")
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):  # decades only, plain tick text: no mathtext, few tick artists (fast)
        axis.set_major_locator(LogLocator(base=10, numticks=12))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_locator(NullLocator())
    ax.set_xlim(lo, hi)
    ax.set_xlabel("arithmetic intensity (MACs per off-chip byte)")
    ax.set_ylabel("achieved MACs per cycle")
    note = f"; {skipped} ops with no off-chip traffic not shown" if skipped else ""
    if not bpc:
        note += "; bandwidth roof unknown"
    ax.set_title(_title(run) + note, fontsize=8)
    if by_kind or peak:
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    fig.subplots_adjust(left=0.12, right=0.97, top=0.92, bottom=0.11)
    return _save(fig, out_dir, "roofline")


def plot_energy(run: RunFolder, out_dir: Path) -> list[Path]:
    """One stacked bar: energy per component in mJ."""
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    bottom = 0.0
    rows = sorted(run.energy, key=lambda r: (-float(r["energy_pj"]), str(r["component"])))
    cmap = plt.get_cmap("tab20")
    for i, r in enumerate(rows):
        mj = float(r["energy_pj"]) * 1e-9
        ax.bar(
            [0],
            [mj],
            bottom=bottom,
            color=cmap(i % 20),
            width=0.5,
            label=f"{r['component']} ({100 * float(r['share']):.1f}%)",
        )
        bottom += mj
    ax.set_xticks([0], [str(run.summary.get("preset", ""))])
    ax.set_xlim(-0.6, 1.8)
    ax.set_ylabel("energy (mJ)")
    ax.set_title("energy by component" if rows else "energy by component (none reported)", fontsize=9)
    if rows:
        ax.legend(fontsize=7, frameon=False, loc="upper right")
    fig.subplots_adjust(left=0.17, right=0.97, top=0.92, bottom=0.08)
    return _save(fig, out_dir, "energy")


def plot_run(run: RunFolder, out_dir: str | Path) -> list[Path]:
    """Draw all plots of ``run`` into ``out_dir`` (created); returns the written paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with matplotlib.rc_context(_RC):
        for fn in (plot_latency_breakdown, plot_roofline, plot_energy):
            paths.extend(fn(run, out_dir))
    return paths
