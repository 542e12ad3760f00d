"""``llmaccel scalesim``: a drop-in for SCALE-Sim 3 users on GEMM topologies.

Reads SCALE-Sim's own ``.cfg`` and GEMM topology CSV unchanged and writes
``OUTDIR/<run_name>/COMPUTE_REPORT.csv`` whose Total Cycles, Stall Cycles, Overall Util %,
Mapping Efficiency % and Compute Util % equal SCALE-Sim 3.0.0's string for string
(:mod:`sim.systolic.scalesim`; docs/scalesim.md).  What SCALE-Sim does that this command does
not (USER bandwidth mode, sparsity, custom layouts, Ramulator traces, convolution
topologies) is refused with one line and exit status 2, never approximated silently.

Flow: cfg + topology (here, workloads.gemm_csv) -> sim.systolic.scalesim -> reports.scalesim_report.
"""

from __future__ import annotations

import argparse
import configparser
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from llmaccel.reports.scalesim_report import NOT_DERIVED, compute_report_text, write_compute_report
from llmaccel.sim.systolic.dataflow import DATAFLOWS
from llmaccel.sim.systolic.scalesim import compute_report_row
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.gemm_csv import parse_gemm_rows, parse_positive_int, read_utf8_text

EPILOG = """\
examples:
  llmaccel scalesim -c configs/scale.cfg -t topologies/GEMM_mnk/gpt2.csv -p results
  llmaccel scalesim -c my.cfg -t layers.csv -p results --force
SCALE-Sim's -l (layout) and -s (save traces) are accepted and ignored; -i must be gemm.
Columns, the off-by-one of Total Cycles and what is not supported: docs/scalesim.md.
"""

#: SCALE-Sim's default log dir (scalesim/scale.py, ``-p``).
DEFAULT_OUTDIR = "./results/"
_RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")


@dataclass(frozen=True)
class ScaleSimConfig:
    """What a SCALE-Sim 3 cfg sets for a GEMM run in CALC mode.

    Attributes:
        run_name: report folder name under OUTDIR.
        rows, cols: ArrayHeight, ArrayWidth (PEs).
        dataflow: os, ws or is.
        sram_kb: (ifmap, filter, ofmap) SRAM sizes in kB.
    """

    run_name: str
    rows: int
    cols: int
    dataflow: str
    sram_kb: tuple[int, int, int]


def _get(cp: configparser.ConfigParser, section: str, key: str, where: str) -> str:
    if not cp.has_section(section):
        raise InputError(f"{where} [{section}]", "missing section (SCALE-Sim reads it)")
    if not cp.has_option(section, key):
        raise InputError(f"{where} [{section}] {key}", "missing key (SCALE-Sim reads it)")
    return cp.get(section, key).strip()


def _positive_int(cp: configparser.ConfigParser, section: str, key: str, where: str) -> int:
    return parse_positive_int(_get(cp, section, key, where), f"{where} [{section}] {key}")


def _refuse_if(cp: configparser.ConfigParser, section: str, key: str, on: str, where: str, what: str) -> None:
    """Exit 2 when an optional SCALE-Sim feature this command does not model is switched on."""
    if cp.has_option(section, key) and cp.get(section, key).strip().lower() == on:
        raise InputError(f"{where} [{section}] {key}", f"{what} is not supported by llmaccel scalesim")


def read_scalesim_cfg(path: str | Path) -> ScaleSimConfig:
    """Parse a SCALE-Sim 3 cfg (INI; keys case-insensitive, ``:`` or ``=``).

    Raises:
        InputError: unreadable file, a missing or bad key, or a feature that is not
            supported (USER bandwidth, sparsity, custom layouts, Ramulator traces).
    """
    path = Path(path)
    where = path.name
    text = read_utf8_text(path, "-c")
    cp = configparser.ConfigParser(interpolation=None)
    try:
        cp.read_string(text, source=str(path))
    except configparser.Error as e:
        raise InputError("-c", f"{where} is not a SCALE-Sim INI file: {str(e).splitlines()[0]}") from None
    run_name = _get(cp, "general", "run_name", where)
    if not _RUN_NAME.fullmatch(run_name):
        raise InputError(
            f"{where} [general] run_name", f"must be a folder name (letters, digits, _ . + -), got {run_name!r}"
        )
    mode = _get(cp, "run_presets", "InterfaceBandwidth", where)
    if mode == "USER":
        raise InputError(
            f"{where} [run_presets] InterfaceBandwidth", "USER bandwidth mode is not supported (only CALC)"
        )
    if mode != "CALC":
        raise InputError(f"{where} [run_presets] InterfaceBandwidth", f"must be CALC (or USER), got {mode!r}")
    _refuse_if(cp, "run_presets", "UseRamulatorTrace", "true", where, "a Ramulator trace")
    _refuse_if(cp, "sparsity", "SparsitySupport", "true", where, "sparsity")
    _refuse_if(cp, "layout", "IfmapCustomLayout", "true", where, "a custom ifmap layout")
    _refuse_if(cp, "layout", "FilterCustomLayout", "true", where, "a custom filter layout")
    dataflow = _get(cp, "architecture_presets", "Dataflow", where)
    if dataflow not in DATAFLOWS:
        raise InputError(
            f"{where} [architecture_presets] Dataflow", f"unknown value {dataflow!r}; allowed: {', '.join(DATAFLOWS)}"
        )
    ap = "architecture_presets"
    return ScaleSimConfig(
        run_name,
        _positive_int(cp, ap, "ArrayHeight", where),
        _positive_int(cp, ap, "ArrayWidth", where),
        dataflow,
        (
            _positive_int(cp, ap, "IfmapSramSzkB", where),
            _positive_int(cp, ap, "FilterSramSzkB", where),
            _positive_int(cp, ap, "OfmapSramSzkB", where),
        ),
    )


def read_topology(path: str | Path) -> list[tuple[int, int, int]]:
    """(M, N, K) per layer of a SCALE-Sim GEMM topology; a convolution topology is refused."""
    path = Path(path)
    text = read_utf8_text(path, "-t")
    first = text.splitlines()[0].lower() if text.strip() else ""
    if "ifmap height" in first or "filter height" in first:
        raise InputError(f"{path.name} line 1", "convolution topologies are not supported (GEMM: Layer, M, N, K)")
    return [(r.m, r.n, r.k) for r in parse_gemm_rows(text, path.name)]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scalesim",
        help="SCALE-Sim 3 drop-in: COMPUTE_REPORT.csv of a GEMM topology, equal to SCALE-Sim 3.0.0",
        description="Read a SCALE-Sim 3 config and GEMM topology unchanged and write "
        "OUTDIR/<run_name>/COMPUTE_REPORT.csv as SCALE-Sim 3.0.0 does (CALC bandwidth mode).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-c", dest="config", metavar="CONFIG.cfg", required=True, help="SCALE-Sim config file")
    p.add_argument("-t", dest="topology", metavar="TOPOLOGY.csv", required=True, help="GEMM topology (Layer, M, N, K,)")
    p.add_argument(
        "-p",
        dest="outdir",
        metavar="OUTDIR",
        default=DEFAULT_OUTDIR,
        help="log dir (default %(default)s, as SCALE-Sim)",
    )
    p.add_argument("-i", dest="input_type", default="gemm", help="topology type: gemm (conv is not supported)")
    p.add_argument("-l", dest="layout", default=None, help="layout file (accepted and ignored: no custom layouts)")
    p.add_argument("-s", dest="save_trace", default=None, help="accepted and ignored (no traces are written)")
    p.add_argument("--force", action="store_true", help="replace an existing COMPUTE_REPORT.csv")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.input_type != "gemm":
        raise InputError("-i", f"only gemm topologies are supported, got {args.input_type!r}")
    cfg = read_scalesim_cfg(args.config)
    layers = read_topology(args.topology)
    rows = [compute_report_row(m, n, k, cfg.rows, cfg.cols, cfg.dataflow, cfg.sram_kb) for m, n, k in layers]
    target = write_compute_report(args.outdir, cfg.run_name, compute_report_text(rows), args.force)
    missing = sum(r.total_cycles_incl_prefetch is None for r in rows)
    print(f"{target}: {len(rows)} layer(s), {cfg.rows}x{cfg.cols} {cfg.dataflow}")
    if missing:
        print(
            f"note: Total Cycles (incl. prefetch) is {NOT_DERIVED} on {missing} layer(s) whose operands overflow "
            "SCALE-Sim's read buffers or whose ofmap drains mid-run (docs/scalesim.md)",
            file=sys.stderr,
        )
    return 0
