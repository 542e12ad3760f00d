"""Serving run folder (``llmaccel serve --out DIR``): files and the plots drawn from them.

Files:

* ``requests.csv`` — one row per request: id, arrival_s, prompt_tokens, output_tokens,
  first_token_s, finish_s, ttft_s, tpot_s (empty for one output token), e2e_s, preemptions;
* ``iterations.csv`` — one row per iteration: start_s, time_s, energy_pj, prefill_tokens,
  prefill_seqs, decode_seqs, kv_blocks_used, in_system, waiting, swap_tokens;
* ``summary.json`` — the setup, the run summary (and the rate sweep when one was run);
* ``timeline.json`` — Chrome trace (chrome://tracing, ui.perfetto.dev): one event per
  iteration (microseconds) and counters of KV blocks and batch size;
* ``plots/latency_cdf.{png,svg}``, ``plots/occupancy.{png,svg}`` — drawn from the two CSVs only
  (:func:`plot_folder`), byte-identical for identical files;
* ``report.html`` — one self-contained page: the summary's setup and metrics and the SVG plots
  inline (:func:`write_html`, from ``summary.json`` and ``plots/`` only).
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from llmaccel.reports.plots import _RC, _save  # noqa: E402
from llmaccel.reports.run_folder import dumps  # noqa: E402

REQUEST_FIELDS = (
    "id",
    "arrival_s",
    "prompt_tokens",
    "output_tokens",
    "first_token_s",
    "finish_s",
    "ttft_s",
    "tpot_s",
    "e2e_s",
    "preemptions",
)
ITERATION_FIELDS = (
    "start_s",
    "time_s",
    "energy_pj",
    "prefill_tokens",
    "prefill_seqs",
    "decode_seqs",
    "kv_blocks_used",
    "in_system",
    "waiting",
    "swap_tokens",
)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    return repr(v) if isinstance(v, float) else str(v)


def csv_text(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """CSV with a header; floats in full precision (repr), None as empty."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(fields)
    for r in rows:
        w.writerow([_cell(r[f]) for f in fields])
    return buf.getvalue()


def chrome_trace(iterations: list[dict[str, Any]]) -> dict[str, Any]:
    """Chrome trace of iterations: complete events ("X") and counters ("C"), times in us."""
    events = []
    for i, it in enumerate(iterations):
        ts = it["start_s"] * 1e6
        name = f"prefill {it['prefill_tokens']} tok + decode {it['decode_seqs']}"
        events.append(
            {
                "name": name,
                "ph": "X",
                "pid": 0,
                "tid": 0,
                "ts": ts,
                "dur": it["time_s"] * 1e6,
                "args": {"iteration": i, **{k: it[k] for k in ITERATION_FIELDS if k not in ("start_s", "time_s")}},
            }
        )
        events.append(
            {
                "name": "kv_blocks",
                "ph": "C",
                "pid": 0,
                "ts": ts,
                "args": {"used": it["kv_blocks_used"]},
            }
        )
        events.append(
            {
                "name": "batch",
                "ph": "C",
                "pid": 0,
                "ts": ts,
                "args": {"sequences": it["prefill_seqs"] + it["decode_seqs"], "waiting": it["waiting"]},
            }
        )
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def write_files(out: Path, rows: list[dict], iterations: list[dict], summary: dict, plots: bool = True) -> None:
    """Write the run folder's files into ``out`` (an empty folder the caller made)."""
    (out / "requests.csv").write_text(csv_text(rows, REQUEST_FIELDS), encoding="utf-8")
    (out / "iterations.csv").write_text(csv_text(iterations, ITERATION_FIELDS), encoding="utf-8")
    (out / "summary.json").write_text(dumps(summary), encoding="utf-8")
    (out / "timeline.json").write_text(dumps(chrome_trace(iterations)), encoding="utf-8")
    if plots:
        plot_folder(out)
        write_html(out)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def plot_folder(folder: str | Path) -> list[Path]:
    """Latency CDFs (TTFT, TPOT, E2E) and KV occupancy / batch size over time, from the CSVs."""
    folder = Path(folder)
    reqs = _read_csv(folder / "requests.csv")
    its = _read_csv(folder / "iterations.csv")
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    paths = []
    with plt.rc_context(_RC):  # type: ignore[arg-type]  # stubs list rc keys as Literals
        fig, axes = plt.subplots(1, 3, figsize=(10, 3))
        for ax, key, label in zip(axes, ("ttft_s", "tpot_s", "e2e_s"), ("TTFT (s)", "TPOT (s)", "E2E (s)")):
            vals = sorted(float(r[key]) for r in reqs if r[key] != "")
            if vals:
                ax.step(vals, [(i + 1) / len(vals) for i in range(len(vals))], where="post")
            ax.set_xlabel(label)
            ax.set_ylabel("fraction of requests")
        fig.tight_layout()
        paths += _save(fig, out, "latency_cdf")
        fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 4.5), sharex=True)
        t = [float(i["start_s"]) for i in its]
        a1.step(t, [int(i["kv_blocks_used"]) for i in its], where="post")
        a1.set_ylabel("KV blocks used")
        a2.step(t, [int(i["prefill_seqs"]) + int(i["decode_seqs"]) for i in its], where="post", label="batch")
        a2.step(t, [int(i["waiting"]) for i in its], where="post", label="waiting")
        a2.set_ylabel("sequences")
        a2.set_xlabel("time (s)")
        a2.legend(frameon=False)
        fig.tight_layout()
        paths += _save(fig, out, "occupancy")
    return paths


def _html_rows(prefix: str, node: Any) -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [row for k in sorted(node) for row in _html_rows(f"{prefix}.{k}" if prefix else k, node[k])]
    text = format(node, ".6g") if isinstance(node, float) else str(node)
    return [(prefix, text)]


def write_html(folder: str | Path) -> Path:
    """``report.html`` of a serve folder: every summary.json entry as a table row, then the SVG plots."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>\n" for k, v in _html_rows("", summary))
    svgs = ""
    for stem in ("latency_cdf", "occupancy"):
        path = folder / "plots" / f"{stem}.svg"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            svgs += text[text.find("<svg") :]  # drop the XML prolog and DOCTYPE
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>llmaccel serve</title></head><body>\n'
        f"<h1>llmaccel serve</h1>\n{svgs}\n<table>\n{rows}</table>\n</body></html>\n"
    )
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
