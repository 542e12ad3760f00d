"""Which tensors of a checkpoint are Linear (GEMM) weights, read without loading the data.

A tensor is a *Linear weight* when it is 2-D, floating point, its name ends in
``weight`` (``...q_proj.weight``, GPT-2's ``c_attn.weight``, a bare array name in a
``.npy``/``.npz`` without dots also counts), and no part of its name marks an
embedding, a position table or a norm (:data:`NOT_LINEAR`).  ``include`` /
``exclude`` are shell-style patterns (``fnmatch``) on the tensor name:
``include`` replaces the name rule (shape and dtype still apply), ``exclude`` drops.

Every tensor that is left out is counted under one reason, so a caller can state
what it skipped.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.tensors import _files, _safe_open, load_tensor, tensor_names

#: Name parts (lower case) of tensors that are not GEMM weights although 2-D.
NOT_LINEAR = ("embed", "wte", "wpe", "position", "token_type", "norm", "ln_", "layernorm", "rotary")
#: Errors numpy / zipfile raise on truncated, garbage or pickled (object) files.
_READ_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile)
#: safetensors dtype names that are floating point.
_ST_FLOAT = {"F64", "F32", "F16", "BF16"}


def bert_block_linears(hidden: int, ffn: int) -> list[tuple[str, tuple[int, int]]]:
    """The Linear layers of one Hugging Face ``BertLayer``: (name under ``encoder.layer.<i>.``,
    weight shape ``[out_features, in_features]``)."""
    return [
        ("attention.self.query", (hidden, hidden)),
        ("attention.self.key", (hidden, hidden)),
        ("attention.self.value", (hidden, hidden)),
        ("attention.output.dense", (hidden, hidden)),
        ("intermediate.dense", (ffn, hidden)),
        ("output.dense", (hidden, ffn)),
    ]


@dataclass
class Selection:
    """What :func:`linear_weights` kept and why it left the rest out (reason -> count)."""

    kept: int = 0
    skipped: Counter = field(default_factory=Counter)

    def describe(self) -> str:
        """One line, e.g. ``"36 Linear weights; skipped 5 (not 2-D 3, embedding/norm 2)"``."""
        total = sum(self.skipped.values())
        if not total:
            return f"{self.kept} tensors"
        parts = ", ".join(f"{why} {n}" for why, n in sorted(self.skipped.items()))
        return f"{self.kept} tensors; skipped {total} ({parts})"


def _info(path: Path, name: str) -> tuple[tuple[int, ...], bool]:
    """(shape, is floating point) of one tensor without reading its data where the format allows."""
    try:
        if path.suffix == ".npy":
            a = np.load(path, mmap_mode="r", allow_pickle=False)
            return tuple(a.shape), a.dtype.kind == "f"
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                a = z[name]
            return tuple(a.shape), a.dtype.kind == "f"
        with _safe_open(path) as f:
            sl = f.get_slice(name)
            return tuple(sl.get_shape()), sl.get_dtype() in _ST_FLOAT
    except InputError:
        raise
    except _READ_ERRORS as e:
        raise InputError("tensors", f"{path.name}:{name}: cannot read ({type(e).__name__}: {e})") from None


def _linear_name(name: str) -> bool:
    low = name.lower()
    if "." in low and low.rsplit(".", 1)[-1] != "weight":
        return False
    return not any(part in low for part in NOT_LINEAR)


def linear_weights(
    path: str | Path,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    selection: Selection | None = None,
) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(name, array)`` of the Linear weights of a file or checkpoint folder, in file then
    name order, one at a time; ``selection`` (if given) collects the counts."""
    sel = selection if selection is not None else Selection()
    try:
        files = _files(Path(path))
    except _READ_ERRORS as e:
        raise InputError("path", f"cannot read {path}: {e}") from None
    for f in files:
        try:
            names = tensor_names(f)
        except _READ_ERRORS as e:
            raise InputError("tensors", f"{f.name}: cannot read ({type(e).__name__}: {e})") from None
        for name in names:
            shape, is_float = _info(f, name)
            if len(shape) != 2:
                sel.skipped["not 2-D"] += 1
            elif not is_float:
                sel.skipped["not floating point"] += 1
            elif 0 in shape:
                sel.skipped["empty"] += 1
            elif exclude and any(fnmatchcase(name, p) for p in exclude):
                sel.skipped["--exclude"] += 1
            elif include and not any(fnmatchcase(name, p) for p in include):
                sel.skipped["not matching --include"] += 1
            elif not include and not _linear_name(name):
                sel.skipped["embedding/norm/other"] += 1
            else:
                try:
                    arr = load_tensor(f, name)
                except _READ_ERRORS as e:
                    raise InputError("tensors", f"{f.name}:{name}: cannot read ({type(e).__name__}: {e})") from None
                sel.kept += 1
                yield name, arr
