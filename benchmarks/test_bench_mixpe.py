"""MixPE benchmarks (pytest-benchmark; no wall-clock assertions).

Run: .venv/bin/pytest benchmarks/test_bench_mixpe.py --benchmark-only
"""

from __future__ import annotations

import numpy as np

from llmaccel.sim.designs import get_design
from llmaccel.sim.mixpe.reference import simulate_mixpe_os_fold
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.quant import group as gq
from llmaccel.workloads.requests import fixed


def test_bench_full_model_prefill_fast_path(benchmark):
    """OPT-6.7B, all 32 blocks, 64-token prefill, W4A8 on mixpe-w4a8 (compile + simulate)."""
    hw = load_preset("mixpe-w4a8")
    d = get_design("mixpe")
    tr = build_trace("opt-6.7b", "prefill", fixed(1, 64, 1), quant="w4a8-g128")
    r = benchmark(lambda: d.simulate(d.compile(tr, hw), hw))
    assert r.total_cycles > 0


def test_bench_reference_fold(benchmark):
    """Per-PE per-cycle reference: 8x8 MixPE PEs, 4 lanes, K = 256, g = 32."""
    rng = np.random.default_rng(0)
    a = rng.integers(-128, 128, (8, 256))
    q = rng.integers(-8, 8, (256, 8))
    z = rng.integers(-8, 8, (8, 8))
    s = rng.integers(1, 1 << 16, (8, 8))
    _, cycles = benchmark(simulate_mixpe_os_fold, a, q, z, s, 32, 4)
    assert cycles > 0


def test_bench_group_mpgemm_int(benchmark):
    """MixPE-order integer mpGEMM, 64 x 1024 x 1024, g = 128."""
    rng = np.random.default_rng(0)
    wq = gq.quantize_weights(rng.normal(size=(1024, 1024)), 4, 128)
    a = gq.quantize_activations_int8(rng.normal(size=(64, 1024))).a
    out = benchmark(gq.mpgemm_group_int, a, wq)
    assert out.shape == (64, 1024)
