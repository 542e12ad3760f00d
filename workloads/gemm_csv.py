"""SCALE-Sim GEMM topology CSV -> Trace of GEMM ops.

SCALE-Sim's ``-t`` topology in M, N, K form (``topologies/GEMM_mnk``)::

    Layer, M, N, K,
    QKT, 1024, 1024, 64,
    FF1, 1024, 3072, 1600,

(the first header cell may also read ``Layer Name``, as in SCALE-Sim's own files; cells may
carry spaces, lines may end in CRLF, a UTF-8 BOM is ignored).  Unlike SCALE-Sim, which drops
the last cell of every row, the trailing comma is optional here.

SCALE-Sim maps a row to an IFMAP of M x K and N filters of K, i.e.
``out[M, N] = A[M, K] @ B[K, N]`` — the same convention as :mod:`workloads.ops`,
so M, N, K carry over unchanged.  The header row is required (SCALE-Sim always
skips line 1); trailing commas and blank lines are accepted; an optional fifth
column ``N:M`` (SCALE-Sim v3 sparsity) marks the B operand as N:M structured
sparse.  Each row becomes one op named after its layer (a repeated name gets
``#2``, ``#3`` ...), ``role="gemm"``, ``layer`` = row index (0-based),
``phase="prefill"`` (a GEMM list has no KV cache), kind ``gemv`` when M is 1.
"""

from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_presets import QuantPreset, get_quant
from llmaccel.workloads.quant_spec import SparsitySpec
from llmaccel.workloads.trace import Trace

#: First header cell as SCALE-Sim's repository spells it (``Layer`` or ``Layer Name``).
_LAYER_HEADERS = ("layer", "layer name")
_DIM_HEADERS = ("m", "n", "k")


@dataclass(frozen=True)
class GemmRow:
    """One topology row: ``out[m, n] = a[m, k] @ b[k, n]``; ``sparsity`` is the optional
    fifth cell (``N:M``, "" when absent); ``line`` is the 1-based line in the file."""

    name: str
    m: int
    n: int
    k: int
    sparsity: str
    line: int


def read_utf8_text(path: str | Path, field: str = "--gemm-csv") -> str:
    """The text of an input file such as a topology (UTF-8, an optional BOM stripped);
    InputError naming ``field`` when it is missing, a folder, unreadable or not UTF-8."""
    path = Path(path)
    if str(path).strip() == "":
        raise InputError(field, "empty path; give a file")
    try:
        size = path.stat().st_size
        if size > limits.MAX_FILE_BYTES:
            raise InputError(field, f"{path} is {size} bytes, above the limit {limits.MAX_FILE_BYTES} for a text input")
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(field, f"file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(field, f"{path} is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(field, f"cannot read {path} as UTF-8 text: {e}") from None


def parse_positive_int(text: str, field: str) -> int:
    """``int(text)`` if it is a positive integer, else InputError naming ``field``."""
    try:
        value = int(text)
    except ValueError:
        raise InputError(field, f"must be a positive integer, got {text!r}") from None
    if value <= 0:
        raise InputError(field, f"must be a positive integer, got {value}")
    return value


def parse_gemm_rows(text: str, source: str) -> list[GemmRow]:
    """Rows of a SCALE-Sim GEMM topology (module docstring); ``source`` names the file in
    errors.  Cells are stripped, trailing empty cells and blank lines ignored, CRLF accepted."""
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as e:
        raise InputError(source, f"malformed CSV ({e})") from None
    if len(rows) > limits.MAX_OPS + 1:
        raise InputError(source, f"{len(rows) - 1} rows, above the limit {limits.MAX_OPS} (workloads.limits.MAX_OPS)")
    header = [c.strip().lower() for c in rows[0]] if rows else []
    if len(header) < 4 or header[0] not in _LAYER_HEADERS or tuple(header[1:4]) != _DIM_HEADERS:
        raise InputError(
            f"{source} line 1", "header must start with Layer, M, N, K or Layer Name, M, N, K (SCALE-Sim GEMM topology)"
        )
    out: list[GemmRow] = []
    for line_no, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue
        where = f"{source} line {line_no}"
        if len(cells) not in (4, 5):
            raise InputError(where, f"need Layer, M, N, K[, N:M], got {len(cells)} cells")
        if not cells[0] or not cells[0].isprintable():
            raise InputError(f"{where}: Layer", f"must be a non-empty name of printable characters, got {cells[0]!r}")
        dims = [parse_positive_int(cell, f"{where}: {label}") for label, cell in zip("MNK", cells[1:4])]
        too_big = limits.op_size_problem(*dims)
        if too_big:
            raise InputError(f"{where}: {too_big[0].upper()}", too_big[1])
        m, n, k = dims
        out.append(GemmRow(cells[0], m, n, k, cells[4] if len(cells) == 5 else "", line_no))
    if not out:
        raise InputError(source, "no GEMM rows after the header")
    return out


def _parse_sparsity(cell: str, where: str) -> SparsitySpec:
    try:
        n_s, m_s = cell.split(":")
        n, m = int(n_s), int(m_s)
    except ValueError:
        raise InputError(where, f"sparsity must look like N:M (e.g. 2:4), got {cell!r}") from None
    if m <= 0 or not 0 < n <= m:
        raise InputError(where, f"sparsity needs 0 < N <= M, got {cell!r}")
    return SparsitySpec(n, m, n / m)


def read_gemm_csv(path: str | Path, quant: str | QuantPreset = "fp16") -> Trace:
    """Read a SCALE-Sim GEMM topology file into a Trace (see module docstring)."""
    path = Path(path)
    rows = parse_gemm_rows(read_utf8_text(path), path.name)
    qp = get_quant(quant)
    a_spec, b_spec, out_spec = qp.spec_for("gemm")
    ops: list[Op] = []
    seen: dict[str, int] = {}
    for row in rows:
        name, m, n, k = row.name, row.m, row.n, row.k
        b = b_spec
        if row.sparsity:
            where = f"{path.name} line {row.line}: sparsity"
            b = dataclasses.replace(b_spec, sparsity=_parse_sparsity(row.sparsity, where))
        seen[name] = seen.get(name, 0) + 1
        op_name = name if seen[name] == 1 else f"{name}#{seen[name]}"
        ops.append(
            Op(
                op_name,
                OpKind.GEMV if m == 1 else OpKind.GEMM,
                len(ops),
                Phase.PREFILL,
                m,
                n,
                k,
                1,
                a_spec,
                b,
                out_spec,
                "weight",
                (),
                "scalesim",
                "gemm",
            )
        )
    return Trace(
        path.stem,
        ops,
        [],
        {"generator": "workloads.gemm_csv", "source": path.name, "phase": "prefill", "quant": qp.name},
    )
