"""Run SCALE-Sim 3.0.0 and ``llmaccel scalesim`` on the same random GEMM topologies; compare
their COMPUTE_REPORT.csv cell for cell and time both.

SCALE-Sim is installed into its own virtual environment (it needs numpy < 2.4)::

    python benchmarks/scalesim_compare.py --venv /tmp/scalesim-venv          # installs if missing
    python benchmarks/scalesim_compare.py --scalesim-python /path/to/python   # an existing install

Run it with the project's interpreter (``.venv/bin/python``).  For every (dataflow, array) it
writes a SCALE-Sim cfg (CALC bandwidth mode, 64 kB SRAMs), a topology of ``--layers`` random
layers (seeded) and an empty layout file, runs SCALE-Sim through its Python API in a
subprocess (traces off) and ``llmaccel scalesim`` in process, and compares Total Cycles,
Stall Cycles, Overall Util %, Mapping Efficiency % and Compute Util % string for string (and
Total Cycles (incl. prefetch) where llmaccel derives it).  Exit status 1 on any mismatch.
Wall-clock figures are printed, never asserted; ``test_bench_scalesim.py`` times our side
under pytest-benchmark.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import subprocess
import sys
import time
from pathlib import Path

SCALESIM_PIN = ("scalesim==3.0.0", "numpy<2.4")
ARRAYS = ((4, 4), (8, 8), (16, 8), (4, 16))
DATAFLOWS = ("os", "ws", "is")

CFG = """[general]
run_name = {run}

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: 64
FilterSramSzkB: 64
OfmapSramSzkB: 64
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Dataflow: {dataflow}
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: false

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
"""

#: Runs inside SCALE-Sim's venv: one cfg/topology through its Python API, prints seconds.
RUNNER = """
import sys, time
from scalesim.scale_sim import scalesim
cfg, topo, layout, out = sys.argv[1:5]
t0 = time.perf_counter()
s = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=layout, input_type_gemm=True)
s.run_scale(top_path=out)
print(time.perf_counter() - t0)
"""


def ensure_venv(venv: Path) -> Path:
    """The venv's python, creating the venv and installing SCALE-Sim 3.0.0 when missing."""
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *SCALESIM_PIN], check=True)
    return py


def random_layers(rng: random.Random, n: int, limit: int) -> list[tuple[int, int, int]]:
    """``n`` (M, N, K) with each side 1..limit, biased to include ones and edge folds."""
    out = []
    for _ in range(n):
        dims = [rng.choice((1, rng.randint(1, limit), rng.randint(limit // 2, limit))) for _ in range(3)]
        out.append((dims[0], dims[1], dims[2]))
    return out


def report_rows(path: Path) -> list[list[str]]:
    lines = path.read_text().splitlines()[1:]
    return [[c.strip() for c in line.rstrip(",").split(",")] for line in lines if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--venv", type=Path, help="SCALE-Sim venv (created and installed if missing)")
    where.add_argument("--scalesim-python", type=Path, help="python of an existing scalesim==3.0.0 install")
    ap.add_argument("--work", type=Path, default=Path("scalesim-compare"), help="scratch folder (created)")
    ap.add_argument("--layers", type=int, default=6, help="random layers per (dataflow, array)")
    ap.add_argument("--limit", type=int, default=128, help="largest M, N, K drawn")
    ap.add_argument("--seed", type=int, default=20261202)
    args = ap.parse_args(argv)

    from llmaccel.cli import main as llmaccel_main

    py = args.scalesim_python or ensure_venv(args.venv)
    rng = random.Random(args.seed)
    args.work.mkdir(parents=True, exist_ok=True)
    layout = args.work / "layout.csv"
    layout.write_text("")
    ss_seconds = ours_seconds = 0.0
    points = mismatches = prefetch_checked = bytes_equal = 0
    print(f"{'run':<12} {'layers':>6} {'SCALE-Sim s':>12} {'llmaccel s':>11} {'equal':>6}")
    for dataflow in DATAFLOWS:
        for rows, cols in ARRAYS:
            run = f"{dataflow}_{rows}x{cols}"
            cfg = args.work / f"{run}.cfg"
            topo = args.work / f"{run}.csv"
            cfg.write_text(CFG.format(run=run, rows=rows, cols=cols, dataflow=dataflow))
            layers = random_layers(rng, args.layers, args.limit)
            topo.write_text(
                "Layer, M, N, K,\n" + "".join(f"L{i}, {m}, {n}, {k},\n" for i, (m, n, k) in enumerate(layers))
            )
            ss_out, our_out = args.work / "scalesim", args.work / "llmaccel"
            done = subprocess.run(
                [str(py), "-c", RUNNER, str(cfg), str(topo), str(layout), str(ss_out)],
                check=True,
                capture_output=True,
                text=True,
            )
            ss_t = float(done.stdout.strip().splitlines()[-1])
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                rc = llmaccel_main(["scalesim", "-c", str(cfg), "-t", str(topo), "-p", str(our_out), "--force"])
            our_t = time.perf_counter() - t0
            if rc != 0:
                raise SystemExit(f"llmaccel scalesim failed on {run}")
            theirs_file, ours_file = ss_out / run / "COMPUTE_REPORT.csv", our_out / run / "COMPUTE_REPORT.csv"
            same_bytes = theirs_file.read_bytes() == ours_file.read_bytes()
            bytes_equal += same_bytes
            theirs, ours = report_rows(theirs_file), report_rows(ours_file)
            equal = 0
            for lid, (a, b) in enumerate(zip(theirs, ours, strict=True)):
                same = a[2:7] == b[2:7] and (b[1] == "n/a" or a[1] == b[1])
                prefetch_checked += b[1] != "n/a"
                if not same:
                    print(f"  MISMATCH {run} layer {lid} {layers[lid]}: SCALE-Sim {a} llmaccel {b}")
                equal += same
            points += len(ours)
            mismatches += len(ours) - equal
            ss_seconds += ss_t
            ours_seconds += our_t
            print(f"{run:<12} {len(ours):>6} {ss_t:>12.3f} {our_t:>11.4f} {equal:>3}/{len(ours)}")
    print(
        f"{points} layers, {mismatches} mismatching, prefetch column compared on {prefetch_checked}, "
        f"{bytes_equal} of {len(DATAFLOWS) * len(ARRAYS)} reports byte-identical; "
        f"SCALE-Sim {ss_seconds:.2f} s, llmaccel {ours_seconds:.3f} s "
        f"({ss_seconds / max(ours_seconds, 1e-9):.0f}x)"
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
