"""DSE throughput: 1,000 design points of a realistic space, LLaMA2-7B decode (issue 7 target: < 10 min, 2 cores).

Run: .venv/bin/pytest benchmarks/test_bench_dse.py --benchmark-only -s
Also prints the split of one evaluation into stages (trace build, compile, simulate).
"""

import time
from pathlib import Path

from llmaccel.dse.executors import executor
from llmaccel.dse.runner import run_sweep
from llmaccel.dse.space import load_space
from llmaccel.dse.store import ResultStore

SPACE = Path(__file__).resolve().parent.parent / "examples" / "spaces" / "systolic-1000.yaml"


def test_bench_dse_1000_points(sweep_once):
    space = load_space(SPACE)
    assert space.size == 1000
    evaluated, n = sweep_once(space)
    assert evaluated == n == 1000


def test_bench_dse_stage_split(benchmark):
    """Where one evaluation's time goes (first call builds the trace; later ones reuse it)."""
    from llmaccel.dse import evaluate as ev
    from llmaccel.sim.designs import get_design

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
    print(
        f"\nstage split: trace build {1e3 * (t1 - t0):.1f} ms (once per worker), compile {1e3 * (t2 - t1):.1f} ms, "
        f"simulate {1e3 * (t3 - t2):.1f} ms"
    )
    benchmark(lambda: d.simulate(d.compile(trace, hw), hw))


def test_bench_nsga2_vs_grid_front(benchmark, tmp_path):
    """How close NSGA-II gets to the enumerated grid's Pareto front (examples/spaces/array-area-tradeoff.yaml):
    prints evaluations, hypervolume ratio, normalised IGD and grid-front points found, for three seeds."""
    import numpy as np

    from llmaccel.dse.pareto import hypervolume, igd, to_minimisation
    from llmaccel.dse.summary import aggregate

    path = SPACE.parent / "array-area-tradeoff.yaml"
    text = path.read_text()
    st = ResultStore(tmp_path / "r.sqlite")
    grid = load_space(path)
    benchmark.pedantic(lambda: run_sweep(grid, st, executor(2), progress=False), rounds=1, iterations=1)
    objs = [{"metric": o.metric, "goal": o.goal} for o in grid.objectives]
    goals = [o["goal"] for o in objs]
    pts = aggregate(st.rows(grid.name), objs, [])
    F_all = to_minimisation(np.array([[p[o["metric"]] for o in objs] for p in pts]), goals)
    Fg = F_all[[p["pareto"] for p in pts]]
    worst = F_all.max(axis=0)
    ref = worst + 0.1 * np.abs(worst)
    lo, hi = F_all.min(axis=0), F_all.max(axis=0)
    for seed in (1, 2, 3):
        name = f"ga{seed}"
        f = tmp_path / f"{name}.yaml"
        f.write_text(
            text.replace(f"name: {grid.name}", f"name: {name}")
            .replace("search: {method: grid}", "search: {method: nsga2, population: 12, generations: 5}")
            .replace("seed: 1", f"seed: {seed}")
        )
        ga = load_space(f)
        run_sweep(ga, st, executor(2), progress=False)
        ap = aggregate(st.rows(name), objs, [])
        Fa = to_minimisation(np.array([[p[o["metric"]] for o in objs] for p in ap if p["pareto"]]), goals)
        found = len({tuple(x) for x in Fa} & {tuple(x) for x in Fg})
        print(
            f"\nseed {seed}: NSGA-II 12x5 evaluated {len(ap)}/{grid.size}, hypervolume "
            f"{hypervolume(Fa, ref) / hypervolume(Fg, ref):.3f} of the grid's, normalised IGD "
            f"{igd((Fa - lo) / (hi - lo), (Fg - lo) / (hi - lo)):.4f}, grid-front points found {found}/{len(Fg)}"
        )
    st.close()
