"""DSE throughput: 1,000 design points of a realistic space, LLaMA2-7B decode (issue 7 target: < 10 min, 2 cores).

Run: .venv/bin/pytest benchmarks/test_bench_dse.py --benchmark-only -s
Also prints the split of one evaluation into stages (trace build, compile, simulate).
"""
import time
from pathlib import Path

import pytest

from llmaccel.dse.executors import executor
from llmaccel.dse.runner import run_sweep
from llmaccel.dse.space import load_space
from llmaccel.dse.store import ResultStore

SPACE = Path(__file__).resolve().parent.parent / "examples" / "spaces" / "systolic-1000.yaml"


def test_bench_dse_1000_points(benchmark, tmp_path):
    space = load_space(SPACE)
    assert space.size == 1000
    counter = iter(range(10**6))

    def sweep():
        st = ResultStore(tmp_path / f"r{next(counter)}.sqlite")
        runner = run_sweep(space, st, executor(2), progress=False)
        n = len(st.rows(space.name))
        st.close()
        return runner.evaluated, n

    evaluated, n = benchmark.pedantic(sweep, rounds=1, iterations=1)
    assert evaluated == n == 1000


def test_bench_dse_stage_split(benchmark):
    """Where one evaluation's time goes (first call builds the trace; later ones reuse it)."""
    from llmaccel.dse import evaluate as ev
    from sim.designs import get_design

    space = load_space(SPACE)
    point = space.grid()[500]
    w = space.workloads[0]
    ev._trace.cache_clear()
    import json
    t0 = time.perf_counter()
    trace = ev._trace(json.dumps(w, sort_keys=True))
    t1 = time.perf_counter()
    hw = ev._host(space.host).with_overrides({k[3:]: v for k, v in point.items()})
    d = get_design(hw.design)
    prog = d.compile(trace, hw)
    t2 = time.perf_counter()
    d.simulate(prog, hw)
    t3 = time.perf_counter()
    print(f"\nstage split: trace build {1e3*(t1-t0):.1f} ms (once per worker), compile {1e3*(t2-t1):.1f} ms, "
          f"simulate {1e3*(t3-t2):.1f} ms")
    benchmark(lambda: d.simulate(d.compile(trace, hw), hw))
