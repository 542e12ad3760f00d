"""Helpers of the fuzz suite: place files, snapshot a folder, and the bad-input assertion."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def tree(root: Path) -> dict[str, str]:
    """relative path -> content hash (folders as ``dir``) of everything under ``root``."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = "dir"
        for f in filenames:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def place(root: Path, files: dict[str, bytes | str | None]) -> None:
    """Create ``files`` under ``root``: bytes/str -> file, None -> empty folder (a key ending in /)."""
    for rel, content in files.items():
        p = root / rel
        if content is None:
            p.mkdir(parents=True, exist_ok=True)
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)


class Outcome:
    def __init__(self, rc: int, out: str, err: str, before: dict, after: dict) -> None:
        self.rc, self.out, self.err = rc, out, err
        self.changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def assert_refused(o: Outcome, field: str) -> None:
    """The README's promise for bad input: exit 2, one stderr line naming ``field``, nothing touched."""
    lines = o.err.strip().splitlines()
    assert o.rc == 2, (o.rc, o.err[-800:])
    assert "Traceback" not in o.err
    assert len(lines) == 1, o.err
    assert "error:" in lines[0] and field in lines[0], lines[0]
    assert o.changed == [], o.changed
