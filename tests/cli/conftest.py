"""Fixtures for CLI tests: invoke ``llmaccel.cli.main`` and capture its streams."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from llmaccel.cli import main  # noqa: E402


class Ran:
    def __init__(self, rc: int, out: str, err: str) -> None:
        self.rc, self.out, self.err = rc, out, err


@pytest.fixture
def cli(capsys):
    """``cli(*argv) -> Ran(rc, out, err)``; SystemExit from argparse becomes its code."""

    def run(*argv: str) -> Ran:
        try:
            rc = main(list(argv))
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
        cap = capsys.readouterr()
        return Ran(rc, cap.out, cap.err)

    return run
