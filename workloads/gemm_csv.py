"""SCALE-Sim GEMM topology CSV -> Trace of GEMM ops.

SCALE-Sim's ``-t`` topology in M, N, K form (``topologies/GEMM_mnk``)::

    Layer, M, N, K,
    QKT, 1024, 1024, 64,
    FF1, 1024, 3072, 1600,

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
from pathlib import Path

from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_presets import QuantPreset, get_quant
from llmaccel.workloads.quant_spec import SparsitySpec
from llmaccel.workloads.trace import Trace

_HEADER = ("layer", "m", "n", "k")


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
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputError("--gemm-csv", f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError("--gemm-csv", f"cannot read {path}: {e}") from None
    qp = get_quant(quant)
    a_spec, b_spec, out_spec = qp.spec_for("gemm")
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as e:
        raise InputError(f"{path.name}", f"malformed CSV ({e})") from None
    if len(rows) > limits.MAX_OPS + 1:
        raise InputError(
            path.name, f"{len(rows) - 1} rows, above the limit {limits.MAX_OPS} (workloads.limits.MAX_OPS)"
        )
    header = [c.strip().lower() for c in rows[0]] if rows else []
    if tuple(header[:4]) != _HEADER:
        raise InputError(f"{path.name} line 1", "header must start with Layer, M, N, K (SCALE-Sim GEMM topology)")
    ops: list[Op] = []
    seen: dict[str, int] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue
        where = f"{path.name} line {line_no}"
        if len(cells) not in (4, 5):
            raise InputError(where, f"need Layer, M, N, K[, N:M], got {len(cells)} cells")
        name = cells[0]
        if not name or not name.isprintable():
            raise InputError(f"{where}: Layer", f"must be a non-empty name of printable characters, got {name!r}")
        dims = []
        for label, cell in zip("MNK", cells[1:4]):
            try:
                v = int(cell)
            except ValueError:
                raise InputError(f"{where}: {label}", f"must be a positive integer, got {cell!r}") from None
            if v <= 0:
                raise InputError(f"{where}: {label}", f"must be a positive integer, got {v}")
            dims.append(v)
        m, n, k = dims
        too_big = limits.op_size_problem(m, n, k)
        if too_big:
            raise InputError(f"{where}: {too_big[0].upper()}", too_big[1])
        b = b_spec
        if len(cells) == 5:
            b = dataclasses.replace(b_spec, sparsity=_parse_sparsity(cells[4], f"{where}: sparsity"))
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
    if not ops:
        raise InputError(path.name, "no GEMM rows after the header")
    return Trace(
        path.stem,
        ops,
        [],
        {"generator": "workloads.gemm_csv", "source": path.name, "phase": "prefill", "quant": qp.name},
    )
