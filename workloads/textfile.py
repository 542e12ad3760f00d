"""Reading a user's text file (YAML, JSON, CSV) with every failure as one InputError.

A missing file, a folder where a file is expected, an unreadable file, bytes that
are not UTF-8 and malformed or absurdly nested YAML all raise
:class:`~workloads.errors.InputError` naming ``field`` and the path; nothing here
ever writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError


def read_text(path: str | Path, field: str) -> str:
    """The UTF-8 text of ``path`` (InputError naming ``field`` otherwise)."""
    p = Path(path)
    if str(path).strip() == "":
        raise InputError(field, "empty path; give a file")
    if p.is_dir():
        raise InputError(field, f"{p} is a folder; give a file")
    try:
        size = p.stat().st_size
        if size > limits.MAX_FILE_BYTES:
            raise InputError(field, f"{p} is {size} bytes, above the limit {limits.MAX_FILE_BYTES} for a text input")
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(field, f"file not found: {p}") from None
    except UnicodeDecodeError as e:
        raise InputError(field, f"{p} is not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise InputError(field, f"cannot read {p}: {e.strerror or e}") from None


def read_yaml(path: str | Path, field: str) -> Any:
    """Parse a YAML file safely (``yaml.safe_load``: no Python objects)."""
    text = read_text(path, field)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputError(field, f"malformed YAML in {path}{where}") from None
    except RecursionError:
        raise InputError(field, f"YAML in {path} is nested too deeply") from None
