"""DRAM controller speed: numba fast path vs per-cycle reference, and device-wide streams.

Run: .venv/bin/pytest benchmarks/test_bench_dram.py --benchmark-only
"""

import numpy as np

from llmaccel.sim.dram import load_dram
from llmaccel.sim.dram.channel import run_device
from llmaccel.sim.dram.fast import run_fast
from llmaccel.sim.dram.patterns import random_access, streaming
from llmaccel.sim.dram.reference import ReferenceController
from llmaccel.sim.dram.requests import ChannelRequests

CFG = load_dram("hbm2-neupims")


def _mixed(n, seed=0):
    rng = np.random.default_rng(seed)
    return ChannelRequests.build(
        np.sort(rng.integers(0, n * 4, n)),
        rng.random(n) < 0.3,
        rng.integers(0, 2, n),
        rng.integers(0, 4, n),
        rng.integers(0, 4, n),
        rng.integers(0, 64, n),
    )


def test_bench_reference_2k_requests(benchmark):
    req = _mixed(2000)
    benchmark.pedantic(lambda: ReferenceController(CFG).run(req), rounds=1, iterations=1)


def test_bench_fast_2k_requests(benchmark):
    req = _mixed(2000)
    run_fast(CFG, req)  # compile
    benchmark(lambda: run_fast(CFG, req))


def test_bench_stream_64mib_device(benchmark):
    addr = streaming(CFG, 64 << 20)  # 1M column reads over 32 channels
    run = benchmark.pedantic(lambda: run_device(CFG, addr), rounds=1, iterations=1)
    print(f"\nstreaming 64 MiB: {run.bandwidth_gbps(CFG):.1f} GB/s")


def test_bench_random_512k_device(benchmark):
    addr = random_access(CFG, 1 << 19, seed=1)
    run = benchmark.pedantic(lambda: run_device(CFG, addr), rounds=1, iterations=1)
    print(f"\nrandom 512k x 64 B: {run.bandwidth_gbps(CFG):.1f} GB/s")
