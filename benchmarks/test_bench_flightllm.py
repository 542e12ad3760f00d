"""FlightLLM simulation speed.

Run: .venv/bin/pytest benchmarks/test_bench_flightllm.py --benchmark-only -s

* a full [512 prefill, 1536 decode] LLaMA2-7B request on U280, every step program
  scheduled in full (1 prefill + 96 decode buckets), fresh bucket cache each round;
* the same request with steady-state layer extrapolation (what ``reproduce`` uses);
* one decode step program (LLaMA2-7B, KV 1024, all 32 blocks + LM head);
* the CSD-chain closed form of a 4096 x 11008 sparse GEMV (block map of 256 x 688 blocks).
"""

from __future__ import annotations

import numpy as np

from llmaccel.mapping.flightllm.compiler import block_n_for
from llmaccel.sim.flightllm.dsp_chain import ChainShape, chain_cycles, column_nnz
from llmaccel.sim.flightllm.request import BucketCache, simulate_request, step_summary
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.zoo import get_model


def test_bench_full_request_512_1536(benchmark):
    m, hw = get_model("llama2-7b"), load_preset("u280")
    r = benchmark.pedantic(lambda: simulate_request(m, 512, 1536, hw, cache=BucketCache()), rounds=1, iterations=1)
    assert len(r.buckets["decode"]) == 96
    print(
        f"\n[512,1536] full: {r.decode_tokens_per_s:.2f} tok/s, latency {r.latency_s:.3f} s, "
        f"BW util {r.decode_bw_utilisation:.4f}"
    )


def test_bench_steady_request_512_1536(benchmark):
    m, hw = get_model("llama2-7b"), load_preset("u280")
    r = benchmark.pedantic(
        lambda: simulate_request(m, 512, 1536, hw, cache=BucketCache(), fidelity="steady"), rounds=1, iterations=1
    )
    print(f"\n[512,1536] steady: {r.decode_tokens_per_s:.2f} tok/s")


def test_bench_one_decode_step(benchmark):
    m, hw = get_model("llama2-7b"), load_preset("u280")
    s = benchmark.pedantic(
        lambda: step_summary(m, "decode", 1024, hw, "flightllm-paper", BucketCache()), rounds=3, iterations=1
    )
    assert s.time_s > 0


def test_bench_chain_closed_form(benchmark):
    bn = block_n_for(0.7, 256, 688, np.random.default_rng(0))
    nnz = column_nnz(bn, 11008)
    sh = ChainShape(pk=16, pn=64, pm=1)
    cyc = benchmark(lambda: chain_cycles(nnz, sh, 1))
    assert cyc > 0


def test_bench_compile_all_buckets(benchmark):
    """Compile time of every LLaMA2-7B bucket program (16 prefill + 128 decode), full 32 blocks + LM head;
    prints instruction storage with and without bucketing."""
    from llmaccel.mapping.flightllm.compiler import CompilerParams, compile_trace
    from llmaccel.sim.flightllm.request import _requests
    from llmaccel.workloads.graph import build_trace

    m, hw = get_model("llama2-7b"), load_preset("u280")
    cp = CompilerParams.of(hw)
    traces = {
        (ph, b): build_trace(m, ph, _requests(ph, b), quant="flightllm-paper", include_lm_head=True)
        for ph, step in (("prefill", 128), ("decode", 16))
        for b in range(step, 2049, step)
    }

    def compile_all():
        return {k: compile_trace(t, cp).storage_bytes() for k, t in traces.items()}

    sizes = benchmark.pedantic(compile_all, rounds=1, iterations=1)
    with_b = sum(sizes.values())
    without = sum(sizes[("prefill", -(-L // 128) * 128)] + sizes[("decode", -(-L // 16) * 16)] for L in range(1, 2049))
    print(
        f"\n{len(sizes)} bucket programs: {with_b / 1e6:.2f} MB; per exact length: {without / 1e6:.1f} MB "
        f"({without / with_b:.1f}x)"
    )
