"""The one numeric validator, and every size limit of llmaccel, in one place.

:func:`check_number` is what every numeric preset field, workload field and
command-line flag goes through: the value must be a real number of the right
kind (an integer field takes integers; ``true``/``false`` and strings are not
numbers), finite (NaN and infinities are refused) and inside its documented
range.  The :class:`~workloads.errors.InputError` it raises names the key and the
allowed range, e.g. ``dram.bandwidth_gbps: must be a finite number in
[0, 1e+12], got nan``.

Size limits.  llmaccel either finishes a request in bounded time and memory or
refuses it up front; these limits are where "bounded" is drawn.  Each is far
above every published configuration the simulators model (the largest zoo model
has 96 layers, hidden size 12,288, vocabulary 256k; the papers' batches are at
most 512), and far below what would exhaust a workstation:

* :data:`MAX_REQUESTS` - a batch is materialised as one request record each, and
  attention ops are emitted per request, so memory and time grow linearly.
* :data:`MAX_LAYERS` - ops are emitted per layer (a config.json with 10^6 layers
  would build ~10^7 op records before simulating).
* :data:`MAX_TP` - tensor-parallel degree (a shard of a zoo model has at least one head).
* :data:`MAX_SEED` - seeds are handed to numpy's generator as 64-bit integers.
* :data:`MAX_TOKENS` - prompt / generated / KV lengths; every cost is a closed form
  in them, the limit only keeps MAC and byte counts inside int64.
* :data:`MAX_DIM` - one GEMM dimension or model width (hidden, FFN, vocabulary).
* :data:`MAX_MACS_PER_OP` - cycle and MAC counters are int64 in the simulators.
* :data:`MAX_OPS` - ops in one trace (a trace file or GEMM CSV is read into memory).
* :data:`MAX_SWEEP_POINTS` - design points x workloads of one sweep (each is one
  simulation and one database row).
* :data:`MAX_TENSOR_ELEMENTS` - elements of one weight tensor quant-eval quantizes
  in memory (float64, and each method holds a few copies: 2^26 elements ~ 2 GB peak);
  :data:`MAX_TENSORS` - tensors of one synthetic set (each is generated and quantized in turn).
* :data:`MAX_FILE_BYTES` - a text input (YAML, JSON, CSV, trace; a gzip trace after
  decompression) is read whole into memory; 1 GiB is ~50x the largest trace of a
  70B model step, and a gzip bomb stops there.
* :data:`MIN_PRESET_MAGNITUDE` / :data:`MAX_PRESET_MAGNITUDE` - a positive preset
  number (clock in MHz, bandwidth in GB/s, energy in pJ, area in mm^2, sizes in
  KB or elements) must lie in this range: every shipped preset does, by many
  orders of magnitude, and outside it the simulated cycle counts overflow.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from llmaccel.workloads.errors import InputError

MAX_REQUESTS = 1 << 16
MAX_LAYERS = 1 << 12
MAX_TP = 1 << 12
MAX_SEED = (1 << 63) - 1
MAX_TOKENS = 1 << 24
MAX_DIM = 1 << 24
MAX_MACS_PER_OP = 1 << 60
MAX_OPS = 1 << 21
MAX_SWEEP_POINTS = 100_000
MAX_TENSOR_ELEMENTS = 1 << 26
MAX_TENSORS = 1 << 16
MAX_FILE_BYTES = 1 << 30
MIN_PRESET_MAGNITUDE = 1e-6
MAX_PRESET_MAGNITUDE = 1e12


def _fmt(x: float | None) -> str:
    if x is None:
        return "inf"
    return str(int(x)) if isinstance(x, int) else f"{x:g}"


def range_text(lo: float | None, hi: float | None, lo_open: bool = False) -> str:
    """``in [1, 65536]``, ``in (0, 1e+12]`` or ``>= 0`` for messages."""
    if hi is None:
        return f"{'>' if lo_open else '>='} {_fmt(lo)}" if lo is not None else ""
    return f"in {'(' if lo_open else '['}{_fmt(lo) if lo is not None else '-inf'}, {_fmt(hi)}]"


def check_number(
    field: str,
    value: Any,
    *,
    integer: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
) -> int | float:
    """``value`` as int (``integer``) or float if it is a finite number in range, else InputError.

    Args:
        field: key named in the message (``"--batch"``, ``"array.rows"``, ``"workloads[0].batch"``).
        value: the raw value (YAML/JSON scalar, argparse result, numpy scalar).
        integer: the field holds a count; an integer-valued float such as ``64.0`` is accepted.
        lo, hi: inclusive bounds (``lo`` exclusive when ``lo_open``); None: unbounded.
    """
    kind = "integer" if integer else "number"
    rng = range_text(lo, hi, lo_open)
    rng = f" {rng}" if rng else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(field, f"must be a finite {kind}{rng}, got {value!r}")
    if isinstance(value, numbers.Integral):
        v: int | float = int(value)
    else:
        f = float(value)
        if not math.isfinite(f):
            raise InputError(field, f"must be a finite {kind}{rng}, got {f}")
        if integer and not f.is_integer():
            raise InputError(field, f"must be an integer{rng}, got {f!r}")
        v = int(f) if integer else f
    if not integer:
        v = float(v)
    if (lo is not None and (v < lo or (lo_open and v == lo))) or (hi is not None and v > hi):
        raise InputError(field, f"must be {'an integer' if integer else 'a number'}{rng}, got {value!r}")
    return v


def check_count(field: str, value: Any, limit: int, lo: int = 1) -> int:
    """An integer in ``[lo, limit]`` (sizes such as ``--batch``; the limit is one of this module's)."""
    return int(check_number(field, value, integer=True, lo=lo, hi=limit))


def check_product(field: str, factors: dict[str, int], limit: int, what: str) -> int:
    """Refuse up front when a product of sizes (the estimated work or memory) exceeds ``limit``."""
    total = 1
    for v in factors.values():
        total *= int(v)
    if total > limit:
        parts = " x ".join(f"{k} {v}" for k, v in factors.items())
        raise InputError(field, f"{parts} = {total:.3g} {what}, above the limit {limit:.3g}; use smaller sizes")
    return total


def op_size_problem(m: int, n: int, k: int, count: int = 1) -> tuple[str, str] | None:
    """``(field, problem)`` when one GEMM's sizes exceed :mod:`workloads.limits`, else None (trace files, GEMM CSVs)."""
    for field, v in (("m", m), ("n", n), ("k", k)):
        if v > MAX_DIM:
            return field, f"must be <= {MAX_DIM} (the limit workloads.limits.MAX_DIM), got {v}"
    macs = m * n * k * count
    if macs > MAX_MACS_PER_OP:
        return "m", f"m x n x k x count = {macs:.3g} MACs, above the limit {MAX_MACS_PER_OP:.3g}"
    return None
