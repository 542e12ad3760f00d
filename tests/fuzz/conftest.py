"""Fixtures for the fuzz suite: run ``llmaccel.cli.main`` in a scratch folder and diff the folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fuzz_harness import Outcome, place, tree  # noqa: E402

from llmaccel.cli import main  # noqa: E402


@pytest.fixture
def fuzz_cli(tmp_path, capsys, monkeypatch):
    """``fuzz_cli(argv, files) -> Outcome``: run the CLI in a fresh folder holding ``files``."""
    monkeypatch.chdir(tmp_path)

    def run(argv: list[str], files: dict | None = None) -> Outcome:
        place(tmp_path, files or {})
        capsys.readouterr()
        before = tree(tmp_path)
        try:
            rc = main(list(argv))
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
        cap = capsys.readouterr()
        return Outcome(rc, cap.out, cap.err, before, tree(tmp_path))

    return run
