"""Timing of the SCALE-Sim drop-in (``llmaccel scalesim``); SCALE-Sim itself is timed side by
side by ``benchmarks/scalesim_compare.py`` (it needs its own venv)."""

from __future__ import annotations

import random

from llmaccel.sim.systolic.dataflow import fold_geometry
from llmaccel.sim.systolic.fast import gemm_cycles
from llmaccel.sim.systolic.scalesim import compute_report_row


def _layers(n: int = 72, limit: int = 128) -> list[tuple[int, int, int]]:
    rng = random.Random(20261202)  # the compare script's seed and size range
    return [tuple(rng.randint(1, limit) for _ in range(3)) for _ in range(n)]


def test_bench_compute_report_72_layers(benchmark):
    layers = _layers()

    def run():
        fold_geometry.cache_clear()
        gemm_cycles.cache_clear()
        return [compute_report_row(m, n, k, 8, 8, df) for m, n, k in layers for df in ("os", "ws", "is")]

    rows = benchmark(run)
    assert len(rows) == 3 * 72 and all(r.stall_cycles == 0 for r in rows)


def test_bench_compute_report_gpt3_size_layer(benchmark):
    # one 12288 x 12288 x 2048 GEMM on a 32x32 array: 147,456 os folds summed one by one
    row = benchmark(compute_report_row, 2048, 12288, 12288, 32, 32, "os")
    assert row.mapping_efficiency == 100.0
