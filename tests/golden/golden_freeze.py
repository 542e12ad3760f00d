"""Re-freeze the golden outputs: ``python tests/golden/golden_freeze.py`` (about two minutes).

Writes ``tests/golden/runs/<case>.json`` (the ``llmaccel run --format json`` document of
each case in golden_cases.py) and ``tests/golden/reproduce_all.json`` (every reproduction row).
Only run this in a commit that names the number it means to change.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from golden_cases import RUN_CASES  # noqa: E402


def run_json(argv: list[str]) -> dict:
    """The parsed stdout of one in-process ``llmaccel`` call (exit status 0 required)."""
    from llmaccel.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(argv)
    if rc != 0:
        raise RuntimeError(f"llmaccel {' '.join(argv)} exited {rc}")
    return json.loads(buf.getvalue())


def run_case(name: str) -> dict:
    return run_json(["run", "--quiet", "--format", "json", *RUN_CASES[name]])


def reproduce_all() -> list:
    return run_json(["reproduce", "all", "--quiet", "--format", "json"])


def _dump(obj, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main() -> int:
    for name in RUN_CASES:
        print(f"freezing {name}", file=sys.stderr)
        _dump(run_case(name), HERE / "runs" / f"{name}.json")
    print("freezing reproduce all", file=sys.stderr)
    _dump(reproduce_all(), HERE / "reproduce_all.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
