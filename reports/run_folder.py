"""Run folders: write a :class:`~sim.result.Result` to disk atomically and read it back.

A run folder holds (column meanings in ``docs/outputs.md``)::

    summary.json   run totals, machine, workload, assumptions (schema RUN_FOLDER_SCHEMA)
    ops.csv        one row per op, program order
    layers.csv     one row per layer (-1 = embedding / LM head / ops outside blocks)
    energy.csv     one row per energy component
    plots/         latency_breakdown, roofline, energy (PNG + SVG each)

Writing is atomic: the folder is built in a hidden temporary sibling of the
target and renamed into place only when complete.  An existing run folder at
the target is replaced only after the new one is complete; a non-empty folder
that is not a run folder is never touched (InputError).  Output bytes depend
only on the inputs: floats are written with ``repr`` and keys sorted.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def _is_run_folder(path: Path) -> bool:
    return (path / SUMMARY).is_file()


def check_target(out: str | Path, allow_non_run: bool = False) -> Path:
    """Validate an output folder before any work: InputError if it cannot be (re)placed safely.

    A non-empty existing folder must be a run folder (holds summary.json) unless ``allow_non_run``.
    """
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise InputError("--out", f"{out} exists and is not a folder; give a new or run-folder path")
        if not allow_non_run and any(out.iterdir()) and not _is_run_folder(out):
            raise InputError("--out", f"{out} is a non-empty folder that is not a run folder; refusing to replace it")
    parent = out.parent if str(out.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise InputError("--out", f"parent {parent} is not a folder")
    return out


def atomic_folder(out: str | Path, build: Callable[[Path], None], allow_non_run: bool = False) -> Path:
    """Create folder ``out`` by calling ``build(tmp)`` on a temporary sibling, then renaming.

    If ``build`` raises, the temporary folder is removed and ``out`` is untouched.
    An existing run folder at ``out`` is replaced only after ``build`` succeeded.
    """
    out = check_target(out, allow_non_run)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        build(tmp)
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            old.rmdir()
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


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
) -> Path:
    """Write a run folder atomically (see module docstring); returns its path.

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

    return atomic_folder(out, build)


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
        text = path.read_text()
    except FileNotFoundError:
        raise InputError(
            "run folder", f"missing {path.name} in {path.parent}; a run folder holds {', '.join(REQUIRED_FILES)}"
        ) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path.name}", "empty file; expected a header row") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path.name}: header", f"missing column {missing[0]!r}; expected {', '.join(required)}")
    rows = []
    for lineno, row in enumerate(reader, start=2):
        if len(row) != len(header):
            raise InputError(f"{path.name} line {lineno}", f"has {len(row)} cells, header has {len(header)}")
        rows.append(
            {
                h: (c if h in ("name", "kind", "role", "phase", "unit", "component") else _parse_cell(c))
                for h, c in zip(header, row)
            }
        )
    return rows


def read(path: str | Path) -> RunFolder:
    """Read a run folder (InputError naming the file if anything is missing or malformed)."""
    path = Path(path)
    if not path.is_dir():
        raise InputError("run folder", f"{path} is not a folder")
    try:
        summary = json.loads((path / SUMMARY).read_text())
    except FileNotFoundError:
        raise InputError("run folder", f"missing {SUMMARY} in {path}; not a run folder") from None
    except json.JSONDecodeError as e:
        raise InputError(SUMMARY, f"malformed JSON at line {e.lineno}") from None
    if not isinstance(summary, dict) or summary.get("schema") != RUN_FOLDER_SCHEMA:
        got = summary.get("schema") if isinstance(summary, dict) else None
        raise InputError(
            f"{SUMMARY}: schema", f"this llmaccel reads run-folder schema {RUN_FOLDER_SCHEMA}, got {got!r}"
        )
    return RunFolder(
        path,
        summary,
        _read_csv(path / OPS_CSV, OP_COLUMNS),
        _read_csv(path / LAYERS_CSV, LAYER_COLUMNS),
        _read_csv(path / ENERGY_CSV, ENERGY_COLUMNS),
    )
