"""Where evaluations run: in-process, a local process pool, or a Dask cluster.

All three yield ``(index, outcome)`` pairs as evaluations finish, so the caller
stores each result the moment it exists (a killed sweep keeps everything done).
No home-made job system: process pools come from ``concurrent.futures``, the
distributed path from ``dask.distributed``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from llmaccel.workloads.errors import InputError

Task = tuple[str, dict[str, Any], dict[str, Any]]


def run_serial(fn: Callable[[Task], dict], tasks: Sequence[Task]) -> Iterator[tuple[int, dict]]:
    for i, t in enumerate(tasks):
        yield i, fn(t)


#: Seconds between a pool worker's checks that its parent process is still alive.
PARENT_POLL_S = 0.5


def _exit_with_parent(parent_pid: int) -> None:
    """Pool-worker initializer: exit as soon as the parent sweep process is gone (even after SIGKILL).

    A worker blocked waiting for work would otherwise live on as an orphan.  A
    daemon thread polls the parent pid; on Linux the kernel's parent-death signal
    is requested too, so the exit is immediate there.
    """
    import threading

    try:  # Linux: SIGTERM to this worker when the parent dies
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(PARENT_POLL_S)

    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class PoolRunner:
    """Local process pool of ``workers`` processes, created on first use and kept across calls.

    Calling it yields ``(index, outcome)`` as evaluations finish; :meth:`close`
    shuts the pool down.  Workers exit by themselves if the parent is killed.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def __call__(self, fn: Callable[[Task], dict], tasks: Sequence[Task]) -> Iterator[tuple[int, dict]]:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers, initializer=_exit_with_parent, initargs=(os.getpid(),)
            )
        futures = {self.pool.submit(fn, t): i for i, t in enumerate(tasks)}
        for f in as_completed(futures):
            yield futures[f], f.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def run_pool(fn: Callable[[Task], dict], tasks: Sequence[Task], workers: int) -> Iterator[tuple[int, dict]]:
    """One-off local process pool of ``workers`` processes (one task per submission)."""
    runner = PoolRunner(workers)
    try:
        yield from runner(fn, tasks)
    finally:
        runner.close()


class DaskRunner:
    """An existing Dask scheduler (``tcp://host:port``) or a ``Client`` object.

    A scheduler address is connected to at construction, so an unreachable one is
    refused before a sweep creates or touches its database.
    """

    def __init__(self, scheduler: Any) -> None:
        from llmaccel.extras import require_extra

        require_extra("--scheduler", "dse", ["distributed"])
        from distributed import Client

        self.own = isinstance(scheduler, str)
        try:
            self.client = Client(scheduler, timeout="10s") if self.own else scheduler
        except (OSError, TimeoutError, ValueError) as e:
            raise InputError(
                "--scheduler", f"cannot reach Dask scheduler {scheduler!r} ({e.__class__.__name__})"
            ) from None

    def __call__(self, fn: Callable[[Task], dict], tasks: Sequence[Task]) -> Iterator[tuple[int, dict]]:
        from distributed import as_completed as dask_completed

        futures = self.client.map(fn, list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for f in dask_completed(futures):
            yield index[f.key], f.result()

    def close(self) -> None:
        if self.own:
            self.client.close()


def run_dask(fn: Callable[[Task], dict], tasks: Sequence[Task], scheduler: Any) -> Iterator[tuple[int, dict]]:
    """One-off evaluation of ``tasks`` on a Dask scheduler (see :class:`DaskRunner`)."""
    runner = DaskRunner(scheduler)
    try:
        yield from runner(fn, tasks)
    finally:
        runner.close()


def executor(workers: int | None, scheduler: Any = None) -> Callable[[Callable, Sequence[Task]], Iterator]:
    """Pick the executor: Dask if a scheduler is given, else a pool (or serial for 1 worker).

    Pool and Dask executors hold resources: call their ``close()`` when the sweep ends
    (:func:`close_executor`).
    """
    if scheduler is not None:
        return DaskRunner(scheduler)
    n = workers or os.cpu_count() or 1
    if n <= 0:
        raise InputError("--workers", f"must be a positive integer, got {workers}")
    if n == 1:
        return run_serial
    return PoolRunner(n)


def close_executor(run: Any) -> None:
    """Release an executor's pool or Dask client (no-op for the serial one)."""
    close = getattr(run, "close", None)
    if close is not None:
        close()
