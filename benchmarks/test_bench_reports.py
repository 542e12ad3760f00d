"""Benchmarks of the reporting side of a run (LLaMA2-7B decode, all 32 layers, 544 ops).

Run: ``make bench`` or ``.venv/bin/pytest benchmarks/test_bench_reports.py --benchmark-only``.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest

from llmaccel.cli import main
from llmaccel.reports import run_folder
from llmaccel.reports.plots import plot_run
from llmaccel.reports.tables import run_table


@pytest.fixture(scope="module")
def llama_decode():
    from llmaccel.sim.designs import run
    from llmaccel.sim.preset import load_preset
    from llmaccel.workloads.graph import build_trace
    from llmaccel.workloads.requests import fixed
    from llmaccel.workloads.zoo import get_model

    hw = load_preset("systolic-int8")
    trace = build_trace(get_model("llama2-7b"), "decode", fixed(1, 512, 128), quant="w8a8")
    return run(trace, hw), hw


def test_bench_write_folder_no_plots(benchmark, llama_decode, tmp_path):
    result, hw = llama_decode
    benchmark.pedantic(lambda: run_folder.write(result, tmp_path / "run", hw=hw, plots=False), rounds=5)


def test_bench_plots(benchmark, llama_decode, tmp_path):
    result, hw = llama_decode
    run_folder.write(result, tmp_path / "run", hw=hw, plots=False)
    rf = run_folder.read(tmp_path / "run")
    benchmark.pedantic(lambda: plot_run(rf, tmp_path / "plots"), rounds=3)


def test_bench_table(benchmark, llama_decode):
    result, hw = llama_decode
    doc = run_folder.result_json(result, hw=hw)
    benchmark(lambda: run_table(doc))


def test_bench_cli_default_run(benchmark):
    """``llmaccel run`` with no arguments: trace + compile + simulate + table, in process."""

    def go():
        with redirect_stdout(io.StringIO()):
            assert main(["run", "--quiet"]) == 0

    benchmark.pedantic(go, rounds=3)
