"""Fixtures shared by the benchmark modules."""

import pytest

from llmaccel.dse.executors import executor
from llmaccel.dse.runner import run_sweep
from llmaccel.dse.store import ResultStore


@pytest.fixture
def sweep_once(benchmark, tmp_path):
    """``sweep_once(space) -> (evaluated, rows)``: time one full sweep of ``space`` on 2 workers
    into a fresh database (one round, so nothing is served from a previous round's store)."""
    counter = iter(range(10**6))

    def run(space):
        def sweep():
            st = ResultStore(tmp_path / f"r{next(counter)}.sqlite")
            runner = run_sweep(space, st, executor(2), progress=False)
            n = len(st.rows(space.name))
            st.close()
            return runner.evaluated, n

        return benchmark.pedantic(sweep, rounds=1, iterations=1)

    return run
