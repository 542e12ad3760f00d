"""Where evaluations run: in-process, a local process pool, or a Dask cluster.

All three yield ``(index, outcome)`` pairs as evaluations finish, so the caller
stores each result the moment it exists (a killed sweep keeps everything done).
No home-made job system: process pools come from ``concurrent.futures``, the
distributed path from ``dask.distributed``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from llmaccel.workloads.errors import InputError

Task = tuple[str, dict[str, Any], dict[str, Any]]


def run_serial(fn: Callable[[Task], dict], tasks: Sequence[Task]) -> Iterator[tuple[int, dict]]:
    for i, t in enumerate(tasks):
        yield i, fn(t)


def run_pool(fn: Callable[[Task], dict], tasks: Sequence[Task], workers: int) -> Iterator[tuple[int, dict]]:
    """Local process pool of ``workers`` processes (one task per submission)."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(fn, t): i for i, t in enumerate(tasks)}
        for f in as_completed(futures):
            yield futures[f], f.result()


def run_dask(fn: Callable[[Task], dict], tasks: Sequence[Task], scheduler: str) -> Iterator[tuple[int, dict]]:
    """An existing Dask scheduler (``tcp://host:port``) or a ``Client`` object."""
    from llmaccel.extras import require_extra

    require_extra("--scheduler", "dse", ["distributed"])
    from distributed import Client
    from distributed import as_completed as dask_completed

    own = isinstance(scheduler, str)
    try:
        client = Client(scheduler, timeout="10s") if own else scheduler
    except (OSError, TimeoutError) as e:
        raise InputError("--scheduler", f"cannot reach Dask scheduler {scheduler!r} ({e.__class__.__name__})") from None
    try:
        futures = client.map(fn, list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for f in dask_completed(futures):
            yield index[f.key], f.result()
    finally:
        if own:
            client.close()


def executor(workers: int | None, scheduler: Any = None) -> Callable[[Callable, Sequence[Task]], Iterator]:
    """Pick the executor: Dask if a scheduler is given, else a pool (or serial for 1 worker)."""
    if scheduler is not None:
        return lambda fn, tasks: run_dask(fn, tasks, scheduler)
    n = workers or os.cpu_count() or 1
    if n <= 0:
        raise InputError("--workers", f"must be a positive integer, got {workers}")
    if n == 1:
        return run_serial
    return lambda fn, tasks: run_pool(fn, tasks, n)
