"""RTL simulation speed: cocotb clock cycles per second on Icarus and Verilator, and amaranth.sim.

Run: .venv/bin/pytest benchmarks/test_bench_rtl.py --benchmark-only -s

The cocotb figures include the testbench's Python work per cycle (drive the
inputs, read the outputs), which dominates; builds come from the build cache
(a warm-up run fills it), so only simulation is timed.  ``extra_info`` holds
the simulated cycles and the cycles per second.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from llmaccel.rtl.baseline import checks
from llmaccel.rtl.baseline.array import ArrayConfig, OsArray
from llmaccel.rtl.flow import simulate_amaranth

N_TILES = 400


def _array_cycles(rows: int, cols: int, n_random: int) -> int:
    v = checks.array_vectors(rows, cols, n_random)
    # each tile: its latency, plus the one idle cycle after out_last the tb spends
    return int(v["expected_latency"].sum()) + len(v["tile_start"])


@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_bench_cocotb_array4x4(benchmark, sim, tmp_path):
    """Marginal simulation rate: (cycles of N tiles - cycles of 1 tile) / (time difference).

    The 1-tile run also fills the build cache and measures the fixed start-up
    (simulator launch, cocotb and numpy import in the embedded interpreter).
    """
    checks.run_array(4, 4, sim, tmp_path / "warm", n_random=1)  # fills the build cache
    t0 = time.perf_counter()
    checks.run_array(4, 4, sim, tmp_path / "small", n_random=1)
    t_small = time.perf_counter() - t0
    counter = iter(range(10**6))

    def run():
        checks.run_array(4, 4, sim, tmp_path / f"r{next(counter)}", n_random=N_TILES)

    benchmark.pedantic(run, rounds=1, iterations=1)
    t_big = benchmark.stats.stats.min
    c_big, c_small = _array_cycles(4, 4, N_TILES), _array_cycles(4, 4, 1)
    rate = (c_big - c_small) / max(t_big - t_small, 1e-9)
    benchmark.extra_info.update(cycles=c_big, startup_s=round(t_small, 2), marginal_cycles_per_s=round(rate))
    print(
        f"\n{sim}: {c_big} cycles in {t_big:.2f} s; 1-tile run ({c_small} cycles) {t_small:.2f} s "
        f"-> marginal {rate:,.0f} cycles/s (4x4 array tb, Python drive + check per cycle)"
    )


def test_bench_amaranth_sim_array4x4(benchmark):
    """The quick path: one 4x4 tile with T = 64 in amaranth.sim (pure Python, incl. elaboration)."""
    rng = np.random.default_rng(0)
    T = 64
    A, B = rng.integers(-128, 128, (4, T)), rng.integers(-128, 128, (T, 4))

    def run():
        dut = OsArray(ArrayConfig(4, 4))
        cyc = 0

        async def bench(ctx):
            nonlocal cyc
            for t in range(T):
                ctx.set(dut.in_valid, 1)
                ctx.set(dut.in_last, int(t == T - 1))
                for i in range(4):
                    ctx.set(dut.a[i], int(A[i, t]))
                    ctx.set(dut.b[i], int(B[t, i]))
                await ctx.tick()
                cyc += 1
            ctx.set(dut.in_valid, 0)
            while not ctx.get(dut.out_last):
                await ctx.tick()
                cyc += 1

        simulate_amaranth(dut, bench)
        return cyc

    cycles = benchmark.pedantic(run, rounds=3, iterations=1)
    seconds = benchmark.stats.stats.min
    benchmark.extra_info.update(cycles=cycles, cycles_per_s=round(cycles / seconds))
    print(f"\namaranth.sim: {cycles} cycles in {seconds:.3f} s -> {cycles / seconds:,.0f} cycles/s")
