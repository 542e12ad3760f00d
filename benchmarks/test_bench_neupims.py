"""NeuPIMs: one GPT3-7B (TP 4) batch-256 ShareGPT decode iteration at command level
(target < 60 s), cold (fresh PIM tile cache) and warm, and the PIM schedulers.

Run: .venv/bin/pytest benchmarks/test_bench_neupims.py --benchmark-only -s
"""

import llmaccel.sim.neupims.placement as mp
from llmaccel.sim.designs import run
from llmaccel.sim.dram import load_dram
from llmaccel.sim.neupims.pim import PimParams, PimTiming, schedule_fast, schedule_reference
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import sample

TRACE = build_trace("gpt3-7b", "decode", sample("sharegpt", 256, 0, max_len=2048), tp=4)


def test_bench_gpt3_7b_b256_iteration_cold(benchmark):
    hw = load_preset("neupims")

    def cold():
        mp._TILE_CACHE.clear()
        return run(TRACE, hw)

    r = benchmark.pedantic(cold, rounds=3, iterations=1)
    print(f"\nGPT3-7B b256: {r.total_cycles} cycles, {r.meta['tokens_per_s']:.0f} tokens/s")


def test_bench_gpt3_7b_b256_iteration_command_composition(benchmark):
    """Every stage's weight reads and PIM commands arbitrated per command on all 32 channels
    (sim.neupims.mixed), dual and blocked row buffers."""
    for name in ("neupims", "neupims-no-dual"):
        hw = load_preset(name).with_overrides({"composition": "command"}, "benchmark")
        r = (
            benchmark.pedantic(lambda hw=hw: run(TRACE, hw), rounds=1, iterations=1)
            if name == "neupims"
            else run(TRACE, hw)
        )
        stage = run(TRACE, load_preset(name))
        print(
            f"\n{name} command-level: {r.total_cycles} cycles vs stage rule {stage.total_cycles} "
            f"({r.total_cycles / stage.total_cycles - 1:+.2%})"
        )


def test_bench_mixed_channel(benchmark):
    """One channel: 3 MiB of weight reads (49,152 RDs) beside 8 requests' PIM tiles."""
    from llmaccel.sim.neupims.mixed import run_mixed
    from llmaccel.sim.neupims.pipeline import channel_reads

    d = load_dram("hbm2-neupims")
    p = PimParams(16, 2, 2)
    pt = PimTiming.of(d, p)
    import numpy as np

    tiles = np.concatenate([mp.request_tiles(211, 8, 128, d, p) for _ in range(8)])
    req = channel_reads(d, 3 << 20)
    run_mixed(d, pt, req, tiles, True)
    s = benchmark(lambda: run_mixed(d, pt, req, tiles, True))
    print(f"\nmixed channel: {len(req)} reads + {len(tiles)} tiles -> {s.end_cycle} cycles")


def test_bench_gpt3_7b_b256_all_systems(benchmark):
    presets = [
        load_preset(n)
        for n in (
            "neupims",
            "neupims-npu-only",
            "neupims-naive",
            "neupims-no-dual",
            "neupims-no-interleave",
            "neupims-round-robin",
        )
    ]
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
