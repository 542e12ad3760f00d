"""One LLaMA2-7B decode token (all 32 layers) through trace -> mapping -> sim (target < 2 s).

Run: .venv/bin/pytest benchmarks/test_bench_pipeline.py --benchmark-only
"""

from llmaccel.mapping.tiling import _choose
from llmaccel.sim.designs import run
from llmaccel.sim.preset import load_preset
from llmaccel.sim.systolic.dataflow import fold_geometry
from llmaccel.sim.systolic.fast import gemm_cycles
from llmaccel.sim.systolic.model import simulate_gemm, simulate_tiling
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import fixed


def _clear():
    for f in (gemm_cycles, fold_geometry, _choose, simulate_gemm, simulate_tiling):
        f.cache_clear()


def test_bench_llama2_7b_decode_token_systolic(benchmark):
    hw = load_preset("systolic-int8")

    def go():
        _clear()
        tr = build_trace("llama2-7b", "decode", fixed(1, 512, 1, kv_len=512), quant="w8a8")
        return run(tr, hw)

    r = benchmark.pedantic(go, rounds=5, iterations=1)
    assert len(r.ops) > 500 and r.total_cycles > 0


def test_bench_llama2_7b_decode_token_gpu(benchmark):
    hw = load_preset("a100-40gb")

    def go():
        tr = build_trace("llama2-7b", "decode", fixed(1, 512, 1, kv_len=512), quant="fp16")
        return run(tr, hw)

    r = benchmark.pedantic(go, rounds=5, iterations=1)
    assert r.total_cycles > 0
