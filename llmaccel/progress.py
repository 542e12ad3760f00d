"""Progress bars for long CLI work: tqdm on stderr, silent when stderr is not a TTY or with --quiet.

Usage::

    with stages(["build trace", "simulate", "write"], quiet=args.quiet) as bar:
        bar.step("build trace")
        ...
    for d in progress(designs, "reproduce", quiet=args.quiet):
        ...

Bars never write to stdout, so ``--format json`` output stays clean.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def enabled(quiet: bool = False) -> bool:
    """True when a bar should be drawn: not quiet and stderr is an interactive terminal."""
    return not quiet and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def progress(items: Iterable[T], desc: str, quiet: bool = False, total: int | None = None) -> Iterator[T]:
    """Iterate ``items`` with a bar (or plainly when bars are off)."""
    if not enabled(quiet):
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=desc, total=total, file=sys.stderr, leave=False, dynamic_ncols=True)


class _Stages:
    def __init__(self, names: list[str], bar) -> None:
        self.names = names
        self.bar = bar
        self.done = 0

    def step(self, name: str) -> None:
        """Mark the start of stage ``name`` (the previous stage counts as done)."""
        if self.bar is None:
            return
        if self.done:
            self.bar.update(1)
        self.done += 1
        self.bar.set_description_str(name)


@contextmanager
def stages(names: list[str], quiet: bool = False) -> Iterator[_Stages]:
    """A bar over named stages of one job (e.g. trace, compile, simulate, write)."""
    if not enabled(quiet):
        yield _Stages(names, None)
        return
    from tqdm import tqdm

    bar = tqdm(total=len(names), file=sys.stderr, leave=False, dynamic_ncols=True)
    try:
        s = _Stages(names, bar)
        yield s
        bar.update(bar.total - bar.n)
    finally:
        bar.close()
