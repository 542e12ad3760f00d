"""NeuPIMs: one GPT3-7B (TP 4) batch-256 ShareGPT decode iteration at command level
(target < 60 s), cold (fresh PIM tile cache) and warm, and the PIM schedulers.

Run: .venv/bin/pytest benchmarks/test_bench_neupims.py --benchmark-only -s
"""
import sim.neupims.placement as mp
from sim.designs import run
from sim.dram import load_dram
from sim.neupims.pim import PimParams, PimTiming, schedule_fast, schedule_reference
from sim.preset import load_preset
from workloads.graph import build_trace
from workloads.requests import sample

TRACE = build_trace("gpt3-7b", "decode", sample("sharegpt", 256, 0, max_len=2048), tp=4)


def test_bench_gpt3_7b_b256_iteration_cold(benchmark):
    hw = load_preset("neupims")

    def cold():
        mp._TILE_CACHE.clear()
        return run(TRACE, hw)
    r = benchmark.pedantic(cold, rounds=3, iterations=1)
    print(f"\nGPT3-7B b256: {r.total_cycles} cycles, {r.meta['tokens_per_s']:.0f} tokens/s")


def test_bench_gpt3_7b_b256_all_systems(benchmark):
    presets = [load_preset(n) for n in ("neupims", "neupims-npu-only", "neupims-naive", "neupims-no-dual",
                                        "neupims-no-interleave", "neupims-round-robin")]
    benchmark.pedantic(lambda: [run(TRACE, hw) for hw in presets], rounds=1, iterations=1)


def test_bench_pim_schedulers(benchmark):
    d = load_dram("hbm2-neupims")
    p = PimParams(16, 2, 2)
    pt = PimTiming.of(d, p)
    tiles = mp.request_tiles(600, 8, 128, d, p)
    schedule_fast(tiles, pt, True)
    benchmark(lambda: schedule_fast(tiles, pt, True))
    import time
    t0 = time.perf_counter()
    schedule_reference(tiles, pt, True)
    print(f"\nreference PIM scheduler, kv 600 x 8 heads ({len(tiles)} tiles): {time.perf_counter() - t0:.3f} s")
