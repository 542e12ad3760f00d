"""Real weights: tensors from ``.safetensors``, ``.npy`` and ``.npz`` files, lazily.

* ``.safetensors`` — opened with the ``safetensors`` package (``safe_open``,
  which memory-maps the file and reads one tensor at a time).  numpy has no
  bfloat16, so BF16 tensors (the usual dtype of LLaMA checkpoints) are read from
  the file's own header with ``numpy.memmap`` and widened exactly to float32
  (a bf16 value is the top 16 bits of the float32 with the same value).
* ``.npy`` — ``numpy.load(mmap_mode="r")``: memory-mapped, nothing read up front.
* ``.npz`` — members are read one at a time on access (zip members cannot be mapped).

:func:`iter_weights` walks a file or a checkpoint folder (sorted file names, so
sharded checkpoints come out in shard order) and yields ``(name, array)`` for
tensors of the requested rank (2-D weight matrices by default).
"""

from __future__ import annotations

import json
import pickle
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from llmaccel.workloads.errors import InputError

SUFFIXES = (".safetensors", ".npy", ".npz")
#: safetensors dtype names numpy reads natively.
_ST_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "U16": np.uint16,
    "U32": np.uint32,
    "U64": np.uint64,
    "BOOL": np.bool_,
}


#: What numpy and zipfile raise on a truncated, garbage or pickled .npy/.npz (turned into InputError).
_READ_ERRORS = (
    OSError,
    ValueError,
    EOFError,
    KeyError,
    SyntaxError,  # numpy parses the .npy header as a Python literal
    tokenize.TokenError,
    zipfile.BadZipFile,
    zlib.error,
    pickle.UnpicklingError,
)


def _safetensor_error() -> type[Exception]:
    try:
        from safetensors import SafetensorError
    except ImportError:  # pragma: no cover - older safetensors
        return OSError
    return SafetensorError


@contextmanager
def _reading(path: Path, what: str):
    """Turn any failure to parse ``path`` into one InputError naming the file."""
    try:
        yield
    except InputError:
        raise
    except (*_READ_ERRORS, _safetensor_error()) as e:
        raise InputError("tensors", f"{path.name}: cannot read {what} ({e.__class__.__name__}: {e})") from None


def _check_numeric(path: Path, name: str, arr: np.ndarray) -> np.ndarray:
    """Only real numeric tensors (int, uint, float) can be quantized."""
    if arr.dtype.kind not in "iuf":
        raise InputError("tensors", f"{path.name}:{name}: dtype {arr.dtype} is not a real numeric type")
    return arr


def _check_file(path: Path) -> Path:
    if str(path).strip() in ("", "."):
        raise InputError("tensors", "empty path; give a tensor file or checkpoint folder")
    if path.is_dir():
        raise InputError("tensors", f"{path} is a folder; give a tensor file")
    if not path.exists():
        raise InputError("tensors", f"file not found: {path}")
    if path.suffix not in SUFFIXES:
        raise InputError("tensors", f"unsupported file {path.name}; allowed suffixes: {', '.join(SUFFIXES)}")
    return path


def _st_header(path: Path) -> tuple[dict, int]:
    """The safetensors JSON header and the byte offset where tensor data starts."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise InputError("tensors", f"{path.name}: not a safetensors file (too short)")
        (n,) = struct.unpack("<Q", raw)
        if n > path.stat().st_size - 8:
            raise InputError("tensors", f"{path.name}: corrupt safetensors header length {n}")
        try:
            header = json.loads(f.read(n))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InputError("tensors", f"{path.name}: corrupt safetensors header") from None
    return header, 8 + n


def _safe_open(path: Path):
    from safetensors import safe_open

    try:
        return safe_open(str(path), framework="np")
    except Exception as e:  # the package raises its own SafetensorError for corrupt files
        raise InputError("tensors", f"{path.name}: cannot open as safetensors ({e})") from None


def tensor_names(path: str | Path) -> list[str]:
    """Names of the tensors in one file (``.npy``: the file stem)."""
    p = _check_file(Path(path))
    if p.suffix == ".npy":
        return [p.stem]
    if p.suffix == ".npz":
        with _reading(p, "npz"), np.load(p, allow_pickle=False) as z:
            return sorted(z.files)
    with _safe_open(p) as f:
        return sorted(f.keys())


def _bf16(path: Path, name: str) -> np.ndarray:
    header, start = _st_header(path)
    info = header[name]
    b, e = info["data_offsets"]
    shape = tuple(info["shape"])
    raw = np.memmap(path, dtype="<u2", mode="r", offset=start + b, shape=((e - b) // 2,))
    return (raw.astype(np.uint32) << 16).view(np.float32).reshape(shape)


def load_tensor(path: str | Path, name: str | None = None) -> np.ndarray:
    """One tensor. ``name`` may be omitted when the file holds exactly one."""
    p = _check_file(Path(path))
    if p.suffix == ".npy":
        with _reading(p, "npy"):
            return _check_numeric(p, p.stem, np.load(p, mmap_mode="r", allow_pickle=False))
    names = tensor_names(p)
    if name is None:
        if len(names) != 1:
            raise InputError(
                "tensor name", f"{p.name} holds {len(names)} tensors; pick one of: {', '.join(names[:20])}"
            )
        name = names[0]
    if name not in names:
        raise InputError("tensor name", f"no tensor {name!r} in {p.name}; allowed: {', '.join(names[:20])}")
    if p.suffix == ".npz":
        with _reading(p, "npz"), np.load(p, allow_pickle=False) as z:
            return _check_numeric(p, name, z[name])
    with _reading(p, "safetensors"), _safe_open(p) as f:
        dtype = f.get_slice(name).get_dtype()
        if dtype == "BF16":
            return _bf16(p, name)
        if dtype not in _ST_DTYPES:
            raise InputError(
                "tensors", f"{p.name}:{name}: dtype {dtype} not supported; allowed: BF16, {', '.join(_ST_DTYPES)}"
            )
        return _check_numeric(p, name, f.get_tensor(name))


def _files(path: Path) -> list[Path]:
    if str(path).strip() in ("", "."):
        raise InputError("tensors", "empty path; give a tensor file or checkpoint folder")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        if not files:
            raise InputError("tensors", f"no {', '.join(SUFFIXES)} files in {path}")
        return files
    return [_check_file(path)]


def iter_weights(path: str | Path, ndim: int | None = 2) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(name, array)`` for every tensor of rank ``ndim`` (None: all) in a file or folder.

    Tensors are loaded one at a time, in file-name then tensor-name order, so a
    70B checkpoint can be walked without holding it in memory.
    """
    for f in _files(Path(path)):
        for name in tensor_names(f):
            if ndim is not None:
                shape = _shape(f, name)
                if len(shape) != ndim:
                    continue
            yield name, load_tensor(f, name)


def _shape(path: Path, name: str) -> tuple[int, ...]:
    """Shape without reading the data."""
    if path.suffix == ".npy":
        with _reading(path, "npy"):
            return tuple(np.load(path, mmap_mode="r", allow_pickle=False).shape)
    if path.suffix == ".npz":
        with _reading(path, "npz"), np.load(path, allow_pickle=False) as z:
            return tuple(z[name].shape)
    with _reading(path, "safetensors"), _safe_open(path) as f:
        return tuple(f.get_slice(name).get_shape())
