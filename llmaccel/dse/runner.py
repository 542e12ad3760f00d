"""Run a sweep: propose points (grid / random / NSGA-II), evaluate, store, resume.

Determinism: proposals depend only on the space and its seed; NSGA-II proposals
depend on the objective values, which are themselves deterministic; so the same
space and seed give the same rows (``seconds`` aside), and a resumed sweep
proposes the same points and finds the finished ones in the store.

Multi-workload objectives: a point's objective value is the arithmetic mean of
the metric over the space's workloads; constraints must hold on every workload.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from llmaccel.dse.evaluate import evaluate_task
from llmaccel.dse.space import SweepSpace, point_key
from llmaccel.dse.store import ResultStore, owner_id
from llmaccel.workloads.errors import InputError

#: Evaluations claimed from the store at a time: small enough that two runs on one
#: database split the work, large enough to keep a process pool busy.
CLAIM_BATCH = 8
#: Seconds between looks at the store while another run finishes the last claims.
CLAIM_POLL_S = 0.5


def _space_doc(space: SweepSpace) -> dict[str, Any]:
    return {
        "name": space.name,
        "host": space.host,
        "seed": space.seed,
        "search": space.search,
        "parameters": [asdict(p) for p in space.parameters],
        "workloads": space.workloads,
        "objectives": [asdict(o) for o in space.objectives],
        "constraints": [asdict(c) for c in space.constraints],
    }


class SweepRunner:
    """Evaluates design points through an executor, caching everything in the store."""

    def __init__(
        self, space: SweepSpace, store: ResultStore, run: Callable, resume: bool = False, progress: bool | None = None
    ) -> None:
        self.space = space
        self.store = store
        self.run = run
        self.progress = progress
        store.register_sweep(space.name, _space_doc(space), space.host, resume)
        self.wkeys = [json.dumps(w, sort_keys=True) for w in space.workloads]
        self.evaluated = 0  # evaluations actually run (not found in the store)
        self.owner = owner_id()

    def evaluate_points(self, points: Sequence[dict[str, Any]], desc: str = "sweep") -> None:
        """Evaluate every (point, workload) not yet in the store.

        Work is claimed from the store in batches of :data:`CLAIM_BATCH` (see
        ``dse.store``), so concurrent runs on one database split it; evaluations
        another live run holds are waited for, not repeated.
        """
        from tqdm import tqdm

        done = self.store.done_keys(self.space.name)
        tasks: dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any]]] = {}
        for p in points:
            pk = point_key(p)
            for w, wk in zip(self.space.workloads, self.wkeys):
                if (pk, wk) not in done and (pk, wk) not in tasks:
                    tasks[(pk, wk)] = (self.space.host, p, w)
        if not tasks:
            return
        keys = list(tasks)
        bar = tqdm(
            total=len(keys),
            desc=desc,
            unit="eval",
            disable=None if self.progress is None else not self.progress,
            leave=False,
        )  # None: tqdm shows it only on a TTY
        try:
            while True:
                mine = self.store.claim(self.space.name, keys, self.owner, CLAIM_BATCH)
                if mine:
                    for i, outcome in self.run(evaluate_task, [tasks[k] for k in mine]):
                        self.store.add(self.space.name, mine[i][0], mine[i][1], self.space.host, outcome)
                        self.evaluated += 1
                        bar.update(1)
                    continue
                if not self.store.claimed_by_others(self.space.name, keys, self.owner):
                    break
                time.sleep(CLAIM_POLL_S)  # another run is evaluating the rest: wait for its rows
        finally:
            bar.close()

    def objectives(self, points: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """(F, G): mean objective values (minimisation form) and constraint violations per point."""
        rows = {(r["point_key"], r["workload_key"]): r for r in self.store.rows(self.space.name)}
        F = np.zeros((len(points), len(self.space.objectives)))
        G = np.zeros((len(points), max(1, len(self.space.constraints))))
        for i, p in enumerate(points):
            pk = point_key(p)
            rs = [rows[(pk, wk)] for wk in self.wkeys]
            if any(r["status"] != "ok" for r in rs):
                F[i] = 1e30
                G[i] = 1.0
                continue
            for j, o in enumerate(self.space.objectives):
                vals = [r[o.metric] for r in rs]
                v = float(np.mean(vals)) if all(x is not None for x in vals) else np.inf
                F[i, j] = v if o.goal == "min" else -v
            for j, c in enumerate(self.space.constraints):
                G[i, j] = 0.0 if all(c.ok(r[c.metric]) for r in rs) else 1.0
        return F, G


def run_sweep(
    space: SweepSpace,
    store: ResultStore,
    run: Callable,
    resume: bool = False,
    progress: bool | None = None,
    limit: int | None = None,
) -> SweepRunner:
    """Run ``space``'s search to completion (or until ``limit`` new evaluations, for tests)."""
    runner = SweepRunner(space, store, run, resume, progress)
    method = space.search.get("method", "grid")
    if method == "grid":
        points = space.grid()
        runner.evaluate_points(points[:limit] if limit else points, "grid")
    elif method == "random":
        n = int(space.search.get("samples", min(64, space.size)))
        rng = np.random.default_rng(space.seed)
        grid = space.grid()
        idx = rng.choice(len(grid), size=min(n, len(grid)), replace=False)
        points = [grid[i] for i in sorted(idx)]
        runner.evaluate_points(points[:limit] if limit else points, "random")
    else:
        _nsga2(space, runner, limit)
    return runner


def _nsga2(space: SweepSpace, runner: SweepRunner, limit: int | None) -> None:
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.core.termination import NoTermination
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.repair.rounding import RoundingRepair
    from pymoo.operators.sampling.rnd import IntegerRandomSampling
    from pymoo.problems.static import StaticProblem

    if not space.parameters:
        raise InputError("parameters", "nsga2 needs at least one swept parameter")
    pop_size = int(space.search.get("population", 16))
    generations = int(space.search.get("generations", 8))
    n_con = max(1, len(space.constraints))
    problem = Problem(
        n_var=len(space.parameters),
        n_obj=len(space.objectives),
        n_ieq_constr=n_con,
        xl=np.zeros(len(space.parameters)),
        xu=np.array([len(p.values) - 1 for p in space.parameters]),
        vtype=int,
    )
    algorithm = NSGA2(
        pop_size=pop_size,
        sampling=IntegerRandomSampling(),
        crossover=SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()),
        mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
        eliminate_duplicates=True,
    )
    algorithm.setup(problem, termination=NoTermination(), seed=space.seed, verbose=False)
    for gen in range(generations):
        pop = algorithm.ask()
        X = np.clip(np.rint(pop.get("X")).astype(int), 0, problem.xu.astype(int))
        points = [space.point_from_indices(list(x)) for x in X]
        runner.evaluate_points(points, f"nsga2 gen {gen + 1}/{generations}")
        F, G = runner.objectives(points)
        Evaluator().eval(StaticProblem(problem, F=F, G=G), pop)
        algorithm.tell(infills=pop)
        if limit and runner.evaluated >= limit:
            break
