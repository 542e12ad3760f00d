"""Mix-and-match throughput: the three example spaces at full model depth, and the sparse-MUX
closed form against its per-PE reference.

Run: .venv/bin/pytest benchmarks/test_bench_mix.py --benchmark-only -s
"""

from pathlib import Path

import numpy as np

from llmaccel.dse.space import load_space
from llmaccel.sim.systolic.dataflow import SparsePattern
from llmaccel.sim.systolic.fast import gemm_cycles
from llmaccel.sim.systolic.reference import simulate_gemm_sparse

SPACES = Path(__file__).resolve().parent.parent / "examples" / "spaces"


def _bench_space(sweep_once, name):
    space = load_space(SPACES / name)
    evaluated, n = sweep_once(space)
    assert n == space.size * len(space.workloads)
    print(f"\n{name}: {space.size} points x {len(space.workloads)} workloads")


def test_bench_hybrid_pe_space(sweep_once):
    _bench_space(sweep_once, "hybrid-pe-on-baseline.yaml")


def test_bench_sparsity_space(sweep_once):
    _bench_space(sweep_once, "flightllm-sparsity-on-baseline.yaml")


def test_bench_memory_systems_space(sweep_once):
    _bench_space(sweep_once, "memory-systems-on-baseline.yaml")


def test_bench_sparse_closed_form(benchmark):
    pat = SparsePattern(16, 2, 4)
    shapes = [(m, n, k) for m in (1, 8, 512) for n in (4096, 11008) for k in (4096, 11008)]

    def run():
        gemm_cycles.cache_clear()
        return sum(gemm_cycles(m, n, k, 32, 32, "os", 1, 0, 1, pat) for m, n, k in shapes)

    benchmark(run)


def test_bench_sparse_reference(benchmark):
    rng = np.random.default_rng(1)
    A = rng.integers(-8, 8, (8, 64))
    B = rng.integers(-8, 8, (64, 8))
    mask = np.zeros((64, 8), bool)
    mask[0::2] = True
    benchmark(simulate_gemm_sparse, A, B, mask, 4, 4, 16, 2, 4)
