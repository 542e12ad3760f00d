"""OVP encode/decode throughput and the olive design on a real layer (pytest-benchmark; no wall-clock asserts).

Run: ``.venv/bin/pytest benchmarks/test_bench_ovp.py --benchmark-only``.
"""

from __future__ import annotations

import numpy as np
import pytest

from llmaccel.workloads.quant import ovp

N_BIG = 100_000_000


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(0)
    return (rng.standard_t(3, N_BIG).astype(np.float32) * 3).reshape(-1, 4000)


@pytest.fixture(scope="module")
def big_codes(big):
    return ovp.encode(big, ovp.ovp4())


def test_encode_100m_ovp4(benchmark, big):
    codes = benchmark.pedantic(ovp.encode, args=(big, ovp.ovp4()), rounds=2, iterations=1, warmup_rounds=1)
    assert codes.shape == big.shape


def test_decode_100m_ovp4(benchmark, big_codes):
    vals = benchmark.pedantic(ovp.decode, args=(big_codes, ovp.ovp4()), rounds=2, iterations=1, warmup_rounds=1)
    assert vals.shape == big_codes.shape


def test_olive_opt67b_prefill512_all_layers(benchmark):
    from llmaccel.sim.designs import run
    from llmaccel.sim.preset import load_preset
    from llmaccel.workloads.graph import build_trace
    from llmaccel.workloads.requests import fixed

    hw = load_preset("olive-w4a4")
    tr = build_trace("opt-6.7b", "prefill", fixed(1, 512, 1, phase="prefill"), quant="olive-w4a4")
    r = benchmark.pedantic(run, args=(tr, hw), rounds=1, iterations=1)
    assert r.total_cycles > 0
