"""Run folders: write a :class:`~sim.result.Result` to disk atomically and read it back.

A run folder holds (column meanings in ``docs/outputs.md``)::

    summary.json   run totals, machine, workload, assumptions (schema RUN_FOLDER_SCHEMA)
    ops.csv        one row per op, program order
    layers.csv     one row per layer (-1 = embedding / LM head / ops outside blocks)
    energy.csv     one row per energy component
    plots/         latency_breakdown, roofline, energy (PNG + SVG each)
    .llmaccel-folder.json   marker: {"format": "llmaccel-run-folder", "version": 1, ...}

Writing is atomic: the folder is built in a hidden temporary sibling of the
target and renamed into place only when complete.  An existing folder at the
target is replaced only after the new one is complete, and only if its marker
file names the same kind of folder or ``force`` is given; anything else is never
touched (InputError).  Hidden temporary siblings left by a killed writer are
removed by the next write to the same target.  Output bytes depend only on the
inputs: floats are written with ``repr`` and keys sorted.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import json
import math
import re
from pathlib import Path
from typing import Any

from llmaccel.reports.output_folders import (  # noqa: F401  (re-exported: the run folder's writing rules)
    MARKER,
    atomic_folder,
    check_target,
    folder_kind,
    marker_text,
)
from llmaccel.sim.result import Result
from llmaccel.workloads.errors import InputError

#: Version of the run-folder layout and summary.json schema.
RUN_FOLDER_SCHEMA = 1
SUMMARY = "summary.json"
OPS_CSV = "ops.csv"
LAYERS_CSV = "layers.csv"
ENERGY_CSV = "energy.csv"
PLOTS_DIR = "plots"
REQUIRED_FILES = (SUMMARY, OPS_CSV, LAYERS_CSV, ENERGY_CSV)

#: Fixed leading columns of ops.csv; ``bytes.<level>`` and ``energy_pj.<component>``
#: columns follow, sorted by name.
OP_COLUMNS = (
    "index",
    "name",
    "kind",
    "role",
    "layer",
    "phase",
    "unit",
    "start_cycle",
    "cycles",
    "compute_cycles",
    "stall_cycles",
    "macs",
    "utilisation",
    "time_us",
    "cycle_share",
    "dram_bytes",
    "arith_intensity",
    "energy_pj",
)
LAYER_COLUMNS = (
    "layer",
    "ops",
    "cycles",
    "compute_cycles",
    "stall_cycles",
    "macs",
    "utilisation",
    "time_us",
    "cycle_share",
    "dram_bytes",
    "energy_pj",
)
ENERGY_COLUMNS = ("component", "energy_pj", "share")

_ROLE_RE = re.compile(r"^L-?\d+\.([A-Za-z0-9_]+)")


def op_role(name: str, roles: dict[str, str] | None = None) -> str:
    """An op's role: from ``roles`` (op name -> ``Op.role`` of the trace) when given and non-empty,
    else parsed from names ``L{layer}.{role}[.r{id}]``, else the name itself (``lm_head``, GEMM CSV rows)."""
    if roles and roles.get(name):
        return roles[name]
    m = _ROLE_RE.match(name)
    return m.group(1) if m else name


def _num(x: Any) -> str:
    """Deterministic text for a CSV cell (ints exact, floats round-trip via repr)."""
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        return repr(x)
    return str(x)


def json_safe(x: Any) -> Any:
    """Plain JSON types (enums -> value, tuples -> lists, Paths -> str, non-finite -> None)."""
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, (int, str)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if hasattr(x, "value") and isinstance(x.value, (str, int, float)):
        return x.value
    if hasattr(x, "item"):  # numpy scalar
        return json_safe(x.item())
    return str(x)


def _op_rows(result: Result, roles: dict[str, str] | None = None) -> tuple[list[str], list[list[str]]]:
    byte_keys = sorted({k for o in result.ops for k in o.bytes})
    energy_keys = sorted({k for o in result.ops for k in o.energy_pj})
    header = list(OP_COLUMNS) + [f"bytes.{k}" for k in byte_keys] + [f"energy_pj.{k}" for k in energy_keys]
    sum_cycles = sum(o.cycles for o in result.ops) or 1
    rows = []
    for i, o in enumerate(result.ops):
        db = result.op_offchip_bytes(o)
        rows.append(
            [
                _num(v)
                for v in (
                    i,
                    o.name,
                    str(getattr(o.kind, "value", o.kind)),
                    op_role(o.name, roles),
                    o.layer,
                    str(getattr(o.phase, "value", o.phase)),
                    o.unit,
                    o.start_cycle,
                    o.cycles,
                    o.compute_cycles,
                    o.stall_cycles,
                    o.macs,
                    float(o.utilisation),
                    o.cycles / result.clock_mhz,
                    o.cycles / sum_cycles,
                    db,
                    (o.macs / db) if db else 0.0,
                    float(sum(o.energy_pj.values())),
                )
            ]
            + [_num(float(o.bytes.get(k, 0.0))) for k in byte_keys]
            + [_num(float(o.energy_pj.get(k, 0.0))) for k in energy_keys]
        )
    return header, rows


def _layer_rows(result: Result) -> list[list[str]]:
    agg: dict[int, dict[str, float]] = {}
    for o in result.ops:
        a = agg.setdefault(
            int(o.layer),
            dict.fromkeys(("ops", "cycles", "compute", "stall", "macs", "peak_cycles", "dram", "energy"), 0),
        )
        a["ops"] += 1
        a["cycles"] += o.cycles
        a["compute"] += o.compute_cycles
        a["stall"] += o.stall_cycles
        a["macs"] += o.macs
        a["dram"] += result.op_offchip_bytes(o)
        a["energy"] += float(sum(o.energy_pj.values()))
    sum_cycles = sum(o.cycles for o in result.ops) or 1
    rows = []
    for layer in sorted(agg):
        a = agg[layer]
        peak = a["cycles"] * result.peak_macs_per_cycle
        rows.append(
            [
                _num(v)
                for v in (
                    layer,
                    int(a["ops"]),
                    int(a["cycles"]),
                    int(a["compute"]),
                    int(a["stall"]),
                    int(a["macs"]),
                    (a["macs"] / peak) if peak else 0.0,
                    a["cycles"] / result.clock_mhz,
                    a["cycles"] / sum_cycles,
                    float(a["dram"]),
                    float(a["energy"]),
                )
            ]
        )
    return rows


def _energy_rows(result: Result) -> list[list[str]]:
    total = result.total_energy_pj or 1.0
    return [[k, _num(float(v)), _num(float(v) / total)] for k, v in sorted(result.energy_pj.items())]


def _csv_text(header: list[str] | tuple[str, ...], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _version() -> str | None:
    """Installed llmaccel version (from package metadata; reports may not import the CLI package)."""
    try:
        return importlib.metadata.version("llmaccel")
    except importlib.metadata.PackageNotFoundError:
        return None


def roofline_params(result: Result) -> dict[str, Any]:
    """Roofs for the roofline plot: peak MACs/cycle and off-chip bytes/cycle, with where the
    latter came from: the design's off-chip :class:`~sim.result.MemoryRoof` (``Result.roofs``);
    None when the design reports none."""
    roof = result.offchip_roof()
    return {
        "peak_macs_per_cycle": float(result.peak_macs_per_cycle),
        "dram_bytes_per_cycle": roof.bytes_per_cycle(result.clock_mhz) if roof else None,
        "dram_bytes_per_cycle_source": roof.source if roof else "not reported by the design",
    }


def summary_dict(
    result: Result,
    hw: Any = None,
    workload: dict | None = None,
    references: list[dict] | None = None,
    warnings: list[str] | None = None,
    generation: dict | None = None,
) -> dict[str, Any]:
    """The content of summary.json (see docs/outputs.md), without the per-op rows.

    Args:
        result: the simulation result.
        hw: the :class:`~sim.preset.HardwareConfig` used (its params and sources are recorded).
        workload: how the trace was made (model, phase, batch, lengths, quant ...).
        references: summaries of reference runs (e.g. a GPU) of the same trace.
        warnings: lines the user should read (e.g. a format that costs the PEs extra passes);
            recorded as ``warnings`` only when there is at least one.
        generation: totals of ``llmaccel run --gen-len`` (recorded as ``generation`` when given).
    """
    tokens = result.tokens
    if tokens is None and workload:
        tokens = workload.get("tokens")
    time_s = result.time_s
    d: dict[str, Any] = {
        "schema": RUN_FOLDER_SCHEMA,
        "result_schema": result.schema,
        "llmaccel_version": _version(),
        "design": result.design,
        "preset": result.preset,
        "model": result.model,
        "clock_mhz": float(result.clock_mhz),
        "total_cycles": int(result.total_cycles),
        "sum_op_cycles": int(sum(o.cycles for o in result.ops)),
        "time_s": time_s,
        "total_energy_pj": result.total_energy_pj,
        "energy_pj": {k: float(v) for k, v in sorted(result.energy_pj.items())},
        "total_macs": int(result.total_macs),
        "peak_macs_per_cycle": float(result.peak_macs_per_cycle),
        "utilisation": result.utilisation,
        "bytes": {k: float(v) for k, v in sorted(result.bytes_total().items())},
        "n_ops": len(result.ops),
        "tokens": tokens,
        "tokens_per_s": (tokens / time_s) if tokens and time_s else None,
        "workload": workload or {},
        "meta": result.meta,
        "assumptions": list(result.assumptions),
        "hardware": None,
        "references": references or [],
        "roofline": roofline_params(result),
        **result.typed_dict(),
    }
    if warnings:
        d["warnings"] = list(warnings)
    if generation:
        d["generation"] = generation
    if hw is not None:
        d["hardware"] = {
            "name": hw.name,
            "design": hw.design,
            "description": hw.description,
            "params": hw.params,
            "sources": dict(sorted(hw.sources.items())),
        }
    return json_safe(d)


def result_json(
    result: Result,
    hw: Any = None,
    workload: dict | None = None,
    references: list[dict] | None = None,
    roles: dict[str, str] | None = None,
    warnings: list[str] | None = None,
    generation: dict | None = None,
) -> dict[str, Any]:
    """What ``llmaccel run --format json`` prints: summary.json plus ``ops`` (per-op rows).

    ``roles`` maps op name -> role (from the trace's ``Op.role``); see :func:`op_role`.
    """
    d = summary_dict(result, hw, workload, references, warnings, generation)
    d["ops"] = [json_safe({**o.to_dict(), "role": op_role(o.name, roles)}) for o in result.ops]
    return d


def dumps(d: Any) -> str:
    """Deterministic JSON text (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(d, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write(
    result: Result,
    out: str | Path,
    hw: Any = None,
    workload: dict | None = None,
    references: list[dict] | None = None,
    plots: bool = True,
    roles: dict[str, str] | None = None,
    warnings: list[str] | None = None,
    generation: dict | None = None,
    force: bool = False,
) -> Path:
    """Write a run folder atomically (see module docstring); returns its path.

    An existing folder at ``out`` is replaced only if it is a run folder (its marker
    file says so) or ``force`` is given.

    ``roles`` maps op name -> role (the trace's ``Op.role``) for the ``role`` column.
    """

    def build(tmp: Path) -> None:
        (tmp / SUMMARY).write_text(dumps(summary_dict(result, hw, workload, references, warnings, generation)))
        header, rows = _op_rows(result, roles)
        (tmp / OPS_CSV).write_text(_csv_text(header, rows))
        (tmp / LAYERS_CSV).write_text(_csv_text(LAYER_COLUMNS, _layer_rows(result)))
        (tmp / ENERGY_CSV).write_text(_csv_text(ENERGY_COLUMNS, _energy_rows(result)))
        if plots:
            from llmaccel.reports.plots import plot_run

            plot_run(read(tmp), tmp / PLOTS_DIR)
            (tmp / PLOTS_DIR / MARKER).write_text(marker_text("plots"), encoding="utf-8")

    return atomic_folder(out, build, "run-folder", force)


class RunFolder:
    """A run folder read back from disk (what reports and ``llmaccel report`` use).

    Attributes:
        path: folder.
        summary: parsed summary.json.
        ops: ops.csv rows as dicts (numbers parsed to int/float where they look numeric).
        layers: layers.csv rows.
        energy: energy.csv rows.
    """

    def __init__(self, path: Path, summary: dict, ops: list[dict], layers: list[dict], energy: list[dict]):
        self.path = path
        self.summary = summary
        self.ops = ops
        self.layers = layers
        self.energy = energy


def _parse_cell(s: str) -> Any:
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return s


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            "run folder", f"missing {path.name} in {path.parent}; a run folder holds {', '.join(REQUIRED_FILES)}"
        ) from None
    except UnicodeDecodeError:
        raise InputError(path.name, "not UTF-8 text") from None
    except OSError as e:
        raise InputError(path.name, f"cannot read {path}: {e.strerror}") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path.name}", "empty file; expected a header row") from None
    except csv.Error as e:
        raise InputError(f"{path.name} line 1", f"malformed CSV ({e})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path.name}: header", f"missing column {missing[0]!r}; expected {', '.join(required)}")
    rows = []
    try:
        numbered = list(enumerate(reader, start=2))
    except csv.Error as e:
        raise InputError(f"{path.name} line {reader.line_num}", f"malformed CSV ({e})") from None
    for lineno, row in numbered:
        if len(row) != len(header):
            raise InputError(f"{path.name} line {lineno}", f"has {len(row)} cells, header has {len(header)}")
        rows.append({h: (c if h in _TEXT_COLUMNS else _parse_cell(c)) for h, c in zip(header, row)})
    return rows


#: summary.json fields that must be finite numbers (None allowed for the second set).
_SUMMARY_NUMBERS = ("clock_mhz", "total_cycles", "total_macs", "peak_macs_per_cycle")
_SUMMARY_OPTIONAL_NUMBERS = ("time_s", "total_energy_pj", "utilisation", "tokens", "tokens_per_s", "sum_op_cycles")
_TEXT_COLUMNS = ("name", "kind", "role", "phase", "unit", "component")


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _check_summary(summary: dict) -> None:
    """Types of the summary.json fields that reports read (InputError naming the field)."""
    for key in _SUMMARY_NUMBERS + _SUMMARY_OPTIONAL_NUMBERS:
        if key not in summary and key in _SUMMARY_OPTIONAL_NUMBERS:
            continue
        v = summary.get(key)
        if not (_is_num(v) or (v is None and key in _SUMMARY_OPTIONAL_NUMBERS)):
            raise InputError(f"{SUMMARY}: {key}", f"must be a finite number, got {v!r}")
    if not summary["clock_mhz"] > 0:
        raise InputError(f"{SUMMARY}: clock_mhz", f"must be > 0, got {summary['clock_mhz']!r}")
    for key in ("energy_pj", "bytes"):
        d = summary.get(key, {})
        if not isinstance(d, dict) or not all(_is_num(v) for v in d.values()):
            raise InputError(f"{SUMMARY}: {key}", "must be a mapping of name -> finite number")
    for key in ("design", "preset", "model"):
        if not isinstance(summary.get(key), (str, type(None))):
            raise InputError(f"{SUMMARY}: {key}", f"must be a string, got {summary.get(key)!r}")
    for key, tp in (("assumptions", list), ("workload", dict), ("roofline", dict), ("references", list)):
        if key in summary and not isinstance(summary[key], (tp, type(None))):
            raise InputError(f"{SUMMARY}: {key}", f"must be a {tp.__name__}, got {type(summary[key]).__name__}")
    if not all(isinstance(a, str) for a in summary.get("assumptions") or []):
        raise InputError(f"{SUMMARY}: assumptions", "must be a list of strings")
    for key, v in (summary.get("roofline") or {}).items():
        if key != "dram_bytes_per_cycle_source" and not (_is_num(v) or v is None):
            raise InputError(f"{SUMMARY}: roofline.{key}", f"must be a finite number or null, got {v!r}")
    for i, ref in enumerate(summary.get("references") or []):
        if not isinstance(ref, dict):
            raise InputError(f"{SUMMARY}: references[{i}]", "must be a mapping")


def _check_numeric_rows(name: str, rows: list[dict]) -> None:
    """Every non-text cell of a run-folder CSV must be a finite number (InputError naming file, line, column)."""
    for lineno, row in enumerate(rows, start=2):
        for col, v in row.items():
            if col not in _TEXT_COLUMNS and not _is_num(v):
                raise InputError(f"{name} line {lineno}: {col}", f"must be a finite number, got {v!r}")


def read(path: str | Path) -> RunFolder:
    """Read a run folder (InputError naming the file if anything is missing or malformed)."""
    path = Path(path)
    if not path.is_dir():
        raise InputError("run folder", f"{path} is not a folder")
    try:
        summary = json.loads((path / SUMMARY).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("run folder", f"missing {SUMMARY} in {path}; not a run folder") from None
    except json.JSONDecodeError as e:
        raise InputError(SUMMARY, f"malformed JSON at line {e.lineno}") from None
    except UnicodeDecodeError:
        raise InputError(SUMMARY, "not UTF-8 text") from None
    except (OSError, RecursionError) as e:
        raise InputError(SUMMARY, f"cannot read {path / SUMMARY}: {getattr(e, 'strerror', None) or e}") from None
    if not isinstance(summary, dict) or summary.get("schema") != RUN_FOLDER_SCHEMA:
        got = summary.get("schema") if isinstance(summary, dict) else None
        raise InputError(
            f"{SUMMARY}: schema", f"this llmaccel reads run-folder schema {RUN_FOLDER_SCHEMA}, got {got!r}"
        )
    _check_summary(summary)
    tables = {
        OPS_CSV: _read_csv(path / OPS_CSV, OP_COLUMNS),
        LAYERS_CSV: _read_csv(path / LAYERS_CSV, LAYER_COLUMNS),
        ENERGY_CSV: _read_csv(path / ENERGY_CSV, ENERGY_COLUMNS),
    }
    for name, rows in tables.items():
        _check_numeric_rows(name, rows)
    return RunFolder(path, summary, tables[OPS_CSV], tables[LAYERS_CSV], tables[ENERGY_CSV])
