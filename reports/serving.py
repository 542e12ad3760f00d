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

A rate sweep keeps each rate's files in ``rate_<r>/`` and the sweep's ``summary.json`` and a
``report.html`` linking the rates at the top.  :func:`render` draws the plots and pages of a
whole folder from its files (``llmaccel serve --out`` and ``llmaccel report`` both call it);
:func:`run_folders` checks the files first (InputError naming the file).
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from llmaccel.reports.plots import _RC, _save  # noqa: E402
from llmaccel.reports.run_folder import dumps  # noqa: E402
from llmaccel.workloads.errors import InputError  # noqa: E402

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


def write_files(out: Path, rows: list[dict], iterations: list[dict], summary: dict) -> None:
    """Write one run's data files into ``out`` (an empty folder the caller made); :func:`render`
    draws the plots and the page from them."""
    (out / "requests.csv").write_text(csv_text(rows, REQUEST_FIELDS), encoding="utf-8")
    (out / "iterations.csv").write_text(csv_text(iterations, ITERATION_FIELDS), encoding="utf-8")
    (out / "summary.json").write_text(dumps(summary), encoding="utf-8")
    (out / "timeline.json").write_text(dumps(chrome_trace(iterations)), encoding="utf-8")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def plot_folder(folder: str | Path, dest: str | Path | None = None) -> list[Path]:
    """Latency CDFs (TTFT, TPOT, E2E) and KV occupancy / batch size over time, from the CSVs of
    ``folder``, into ``dest/plots`` (default ``folder/plots``)."""
    folder = Path(folder)
    reqs = _read_csv(folder / "requests.csv")
    its = _read_csv(folder / "iterations.csv")
    out = Path(dest if dest is not None else folder) / "plots"
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
    if isinstance(node, list):
        return [row for i, v in enumerate(node) for row in _html_rows(f"{prefix}[{i}]", v)]
    text = format(node, ".6g") if isinstance(node, float) else str(node)
    return [(prefix, text)]


def write_html(folder: str | Path, dest: str | Path | None = None, links: tuple[str, ...] = ()) -> Path:
    """``report.html`` of a serve folder into ``dest`` (default ``folder``): links to the rate
    pages (``links``, relative paths), the SVG plots of ``dest/plots`` inline, then every
    ``folder/summary.json`` entry as a table row."""
    folder = Path(folder)
    dest = Path(dest if dest is not None else folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>\n" for k, v in _html_rows("", summary))
    nav = "".join(f'<li><a href="{html.escape(link)}">{html.escape(link)}</a></li>\n' for link in links)
    svgs = ""
    for stem in ("latency_cdf", "occupancy"):
        path = dest / "plots" / f"{stem}.svg"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            svgs += text[text.find("<svg") :]  # drop the XML prolog and DOCTYPE
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>llmaccel serve</title></head><body>\n'
        f"<h1>llmaccel serve</h1>\n{f'<ul>{nav}</ul>' if nav else ''}{svgs}\n<table>\n{rows}</table>\n</body></html>\n"
    )
    path = dest / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _load_json(path: Path) -> dict[str, Any]:
    """A summary.json as a dict (InputError naming the file otherwise)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("serve folder", f"missing {path}") from None
    except json.JSONDecodeError as e:
        raise InputError(str(path), f"malformed JSON at line {e.lineno}") from None
    except (OSError, UnicodeDecodeError, RecursionError) as e:
        raise InputError(str(path), f"cannot read: {getattr(e, 'strerror', None) or e}") from None
    if not isinstance(doc, dict):
        raise InputError(str(path), "must hold a JSON object")
    return doc


def _check_csv(path: Path, fields: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    """InputError unless ``path`` is a CSV with exactly ``fields`` and a finite number in every
    cell (empty allowed in ``optional`` columns)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or tuple(header) != fields:
                raise InputError(str(path), f"expected the columns {','.join(fields)}")
            for line, row in enumerate(reader, start=2):
                if len(row) != len(fields):
                    raise InputError(str(path), f"line {line} has {len(row)} cells, expected {len(fields)}")
                for name, cell in zip(fields, row):
                    if cell == "" and name in optional:
                        continue
                    try:
                        ok = math.isfinite(float(cell))
                    except ValueError:
                        ok = False
                    if not ok:
                        raise InputError(str(path), f"line {line}: {name} must be a finite number, got {cell!r}")
    except FileNotFoundError:
        raise InputError("serve folder", f"missing {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(str(path), f"cannot read: {getattr(e, 'strerror', None) or e}") from None


def run_folders(folder: str | Path) -> list[str]:
    """The run sub-folders of a serve folder, relative to it (``"."`` for one run, ``rate_<r>``
    per rate of a sweep), after checking every file :func:`render` reads (InputError otherwise)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("serve folder", f"{folder} is not a folder")
    doc = _load_json(folder / "summary.json")
    runs = doc.get("runs")
    if not isinstance(runs, list) or not runs or not all(isinstance(r, dict) and "rate" in r for r in runs):
        raise InputError(str(folder / "summary.json"), "has no 'runs' list; not written by llmaccel serve")
    subs = ["."] if len(runs) == 1 else [f"rate_{r['rate']:g}" for r in runs]
    for sub in subs:
        _load_json(folder / sub / "summary.json")
        _check_csv(folder / sub / "requests.csv", REQUEST_FIELDS, optional=("tpot_s",))
        _check_csv(folder / sub / "iterations.csv", ITERATION_FIELDS)
    return subs


def render(folder: str | Path, dest: str | Path | None = None) -> list[Path]:
    """Plots and ``report.html`` of every run of serve folder ``folder`` into ``dest`` (default
    the folder itself; same layout), from its files only; for a sweep also a top ``report.html``
    linking the rates.  The pages written."""
    folder = Path(folder)
    dest = Path(dest if dest is not None else folder)
    subs = run_folders(folder)
    pages = []
    for sub in subs:
        out = dest / sub
        out.mkdir(parents=True, exist_ok=True)
        plot_folder(folder / sub, out)
        pages.append(write_html(folder / sub, out))
    if subs != ["."]:
        pages.insert(0, write_html(folder, dest, links=tuple(f"{sub}/report.html" for sub in subs)))
    return pages
