"""Find a Hugging Face model id (``org/name``) in the local Hugging Face cache, without network.

Cache layout (``huggingface_hub``): ``<hub>/models--<org>--<name>/snapshots/<revision>/config.json``
with ``<hub>/models--<org>--<name>/refs/main`` naming the revision of the ``main`` branch.
The hub folder is, in order: ``$HF_HUB_CACHE``, ``$HUGGINGFACE_HUB_CACHE``,
``$HF_HOME/hub``, ``~/.cache/huggingface/hub``; every one that exists is searched.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from llmaccel.workloads.errors import InputError

#: ``org/name``: the shape of a Hub model id (letters, digits, ``-_.``).
_HF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def is_hf_id(text: str) -> bool:
    """True when ``text`` looks like ``org/name`` (and so is looked up in the cache)."""
    return bool(_HF_ID.match(text))


def hub_dirs() -> list[Path]:
    """Candidate cache folders, in search order (they need not exist)."""
    env = os.environ
    dirs = [env.get("HF_HUB_CACHE"), env.get("HUGGINGFACE_HUB_CACHE")]
    if env.get("HF_HOME"):
        dirs.append(str(Path(env["HF_HOME"]) / "hub"))
    dirs.append(str(Path.home() / ".cache" / "huggingface" / "hub"))
    out: list[Path] = []
    for d in dirs:
        if d and Path(d) not in out:
            out.append(Path(d))
    return out


def _snapshot_config(repo: Path) -> Path | None:
    """config.json of the ``main`` revision, else of the newest snapshot holding one."""
    snaps = repo / "snapshots"
    ref = repo / "refs" / "main"
    if ref.is_file():
        try:
            rev = ref.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            rev = ""
        cfg = snaps / rev / "config.json"
        if rev and cfg.is_file():
            return cfg
    if not snaps.is_dir():
        return None
    found = [p / "config.json" for p in snaps.iterdir() if (p / "config.json").is_file()]
    return max(found, key=lambda p: (p.stat().st_mtime_ns, p.parent.name)) if found else None


def find_config(model_id: str) -> Path:
    """Path of the cached ``config.json`` of ``org/name``; InputError saying where it looked."""
    folder = "models--" + model_id.replace("/", "--")
    for hub in hub_dirs():
        cfg = _snapshot_config(hub / folder)
        if cfg is not None:
            return cfg
    where = ", ".join(str(d / folder) for d in hub_dirs())
    raise InputError(
        "--model",
        f"{model_id!r} is not a zoo model and has no config.json in the local Hugging Face cache "
        f"(looked in {where}; no network is used)",
    )
