"""Trace generation and I/O speed: LLaMA2-7B, all 32 layers, a 512-request ShareGPT decode batch.

Run: ``.venv/bin/pytest benchmarks/test_bench_trace.py --benchmark-only``.
No wall-clock assertions; the figures go into docs/workloads.md.
"""

import pytest

from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import sample
from llmaccel.workloads.trace_io import read_trace, validate_trace, write_trace
from llmaccel.workloads.zoo import get_model


@pytest.fixture(scope="module")
def batch512():
    model = get_model("llama2-7b")
    return model, sample("sharegpt", 512, seed=0, max_len=model.max_position_embeddings)


@pytest.fixture(scope="module")
def trace512(batch512):
    model, reqs = batch512
    return build_trace(model, "decode", reqs, quant="w4a16-g128")


def test_bench_build_trace_llama2_7b_decode_512(benchmark, batch512):
    model, reqs = batch512
    trace = benchmark(build_trace, model, "decode", reqs, quant="w4a16-g128")
    assert len(trace.ops) == 32 * (14 + 3 * 512)


def test_bench_write_trace_512(benchmark, trace512, tmp_path):
    path = tmp_path / "t.jsonl"
    benchmark(write_trace, trace512, path)
    assert path.stat().st_size > 0


def test_bench_read_trace_512(benchmark, trace512, tmp_path):
    path = write_trace(trace512, tmp_path / "t.jsonl")
    back = benchmark(read_trace, path)
    assert len(back.ops) == len(trace512.ops)


def test_bench_write_read_gzip_512(benchmark, trace512, tmp_path):
    path = tmp_path / "t.jsonl.gz"

    def round_trip():
        write_trace(trace512, path)
        return read_trace(path)

    back = benchmark.pedantic(round_trip, rounds=3, iterations=1)
    assert len(back.ops) == len(trace512.ops)


def test_bench_validate_trace_512(benchmark, trace512, tmp_path):
    path = write_trace(trace512, tmp_path / "t.jsonl")
    assert benchmark.pedantic(validate_trace, args=(path,), rounds=3, iterations=1) == []
