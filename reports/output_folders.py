"""Output folders and files llmaccel writes: markers, up-front checks, atomic replacement.

The rules (docs/outputs.md): a command never deletes or changes a file it did not
create.  Every folder llmaccel writes carries a marker file (:data:`MARKER`) naming
its kind and layout version; an existing folder is replaced only if its marker names
the same kind or ``force`` is given, and only after the new one is complete.  An
existing single output file is never overwritten without ``force``.  Output
locations are checked before any work.  Hidden temporary siblings of a killed
writer are removed by the next write to the same target.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from llmaccel.workloads.errors import InputError

#: The marker file every folder llmaccel writes carries: ``{"format": "llmaccel-<kind>", "version": N}``.
#: A folder is recognised as llmaccel's own (and may be replaced) by this file, never by
#: the presence of a common name such as summary.json.
MARKER = ".llmaccel-folder.json"
#: Version of the marker file itself (bumped when its fields change).
MARKER_VERSION = 1
#: Folder kinds and the layout version each is written with (run-folder: ``run_folder.RUN_FOLDER_SCHEMA``;
#: a test holds them equal).
FOLDER_KINDS = {
    "run-folder": 1,
    "run-report": 1,
    "plots": 1,
    "reproduce-report": 1,
    "sweep-report": 1,
    "serve-folder": 1,
}
_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-(?P<pid>\d+)-[^/]*$")


def marker_text(kind: str) -> str:
    """Content of the marker file of a folder of ``kind`` (one of :data:`FOLDER_KINDS`)."""
    doc = {"format": f"llmaccel-{kind}", "marker_version": MARKER_VERSION, "version": FOLDER_KINDS[kind]}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def folder_kind(path: str | Path) -> str | None:
    """The kind named by ``path``'s marker file, or None when it has no readable llmaccel marker."""
    try:
        doc = json.loads((Path(path) / MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    fmt = doc.get("format") if isinstance(doc, dict) else None
    if isinstance(fmt, str) and fmt.startswith("llmaccel-") and fmt[len("llmaccel-") :] in FOLDER_KINDS:
        return fmt[len("llmaccel-") :]
    return None


def check_output_path(out: str | Path, flag: str = "--out", what: str = "file") -> Path:
    """Refuse an output location that cannot be written, before any work (InputError naming ``flag``).

    Rejects an empty path, a path whose nearest existing ancestor is a file, and a
    location whose nearest existing ancestor folder is not writable.  ``what`` is
    ``"file"`` (an existing folder there is refused) or ``"folder"`` (an existing file is refused).
    """
    if str(out).strip() == "":
        raise InputError(flag, f"must be a path to a {what}, got ''")
    out = Path(out)
    if what == "file" and out.is_dir():
        raise InputError(flag, f"{out} is a folder; give a file path")
    if what == "folder" and out.exists() and not out.is_dir():
        raise InputError(flag, f"{out} exists and is not a folder; give a new or llmaccel folder path")
    anc = out.parent if str(out.parent) else Path(".")
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise InputError(flag, f"{anc} is a file, so {out} cannot be created")
    if not os.access(anc, os.W_OK | os.X_OK):
        raise InputError(flag, f"folder {anc} is not writable")
    try:  # permissions can pass while the file system refuses (root on /proc, read-only mounts)
        os.rmdir(tempfile.mkdtemp(prefix=".llmaccel-probe-", dir=anc))
    except OSError as e:
        raise InputError(flag, f"cannot create anything in {anc} ({e.strerror or e})") from None
    return out


def check_new_file(out: str | Path, flag: str = "--out", force: bool = False) -> Path:
    """An output file location that is writable and, unless ``force``, does not exist yet (InputError naming ``flag``).

    A single output file has no marker, so an existing file is never replaced without ``force``.
    """
    out = check_output_path(out, flag, "file")
    if out.exists() and not force:
        raise InputError(flag, f"{out} already exists; refusing to overwrite it (choose a new path, or pass --force)")
    if out.exists() and not os.access(out, os.W_OK):
        raise InputError(flag, f"{out} is not writable")
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale_temps(out: Path) -> list[Path]:
    """Remove hidden temporary siblings ``.<name>.tmp-<pid>-*`` / ``.old-<pid>-*`` of ``out`` left by a killed run.

    Only folders whose writer process is gone and that are empty or carry an llmaccel
    marker are removed, so nothing a user made is touched.  Returns what was removed.
    """
    parent = out.parent if str(out.parent) else Path(".")
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for p in entries:
        m = _TEMP_RE.match(p.name)
        if not m or m.group("name") != out.name or not p.is_dir() or p.is_symlink():
            continue
        if _pid_alive(int(m.group("pid"))):
            continue
        try:
            empty = not any(p.iterdir())
        except OSError:
            continue
        if empty or folder_kind(p) is not None:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def check_target(out: str | Path, kind: str = "run-folder", force: bool = False, flag: str = "--out") -> Path:
    """Validate an output folder before any work: InputError if it cannot be (re)placed safely.

    An existing non-empty folder is replaced only if its marker file names the same
    ``kind`` or ``force`` is given; otherwise nothing is touched.
    """
    out = check_output_path(out, flag, "folder")
    if out.is_dir() and not force and any(out.iterdir()) and folder_kind(out) != kind:
        raise InputError(
            flag,
            f"{out} is a non-empty folder without an llmaccel {kind} marker ({MARKER}); "
            "refusing to replace it (choose a new path, or pass --force to replace it)",
        )
    return out


def atomic_folder(
    out: str | Path, build: Callable[[Path], object], kind: str = "run-folder", force: bool = False
) -> Path:
    """Create folder ``out`` by calling ``build(tmp)`` on a temporary sibling, then renaming.

    The temporary folder gets the marker of ``kind`` first.  If ``build`` raises,
    the temporary folder is removed and ``out`` is untouched.  An existing folder at
    ``out`` is replaced only after ``build`` succeeded, and only if it carries the
    same marker or ``force`` is given (see :func:`check_target`).
    """
    out = check_target(out, kind, force)
    clean_stale_temps(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{pid}-", dir=out.parent))
    try:
        (tmp / MARKER).write_text(marker_text(kind), encoding="utf-8")
        build(tmp)
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{pid}-", dir=out.parent))
            old.rmdir()
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
