"""ANT adaptive numeric types: per tensor, pick the int or flint grid of least MSE.

Types (values in units of the LSB; codes ``bits`` wide):

* ``int<b>``: two's complement, symmetric ``-(2^(b-1)-1) .. 2^(b-1)-1`` (``100..0`` unused).
* ``flint<b>`` (float-int): sign-magnitude with ``n = b - 1`` magnitude bits.  A
  magnitude code ``c < 2^(n-1)`` is the integer ``c``; a code ``c >= 2^(n-1)``
  is a float with one exponent bit ``e`` and ``n - 2`` mantissa bits ``m``
  (``c - 2^(n-1) = e << (n-2) | m``): ``(2^(n-2) + m) << (1 + e)``.
  flint4 magnitudes: ``{0,1,2,3,4,6,8,12}``; flint8: ``0..63``, ``64..126`` step 2,
  ``128..252`` step 4.  This is our reading of ANT's float-int type (the spec
  names it without listing values); OVP's flint4 uses the same grid.

Scale search (assumed: ANT clips relative to the absolute maximum): ``alpha =
max|x| * i / 100`` for ``i = 30, 32, ..., 100`` (per channel or per tensor),
``scale = alpha / max_value_of_type``, least MSE.
Rounding: nearest, ties to the larger magnitude; values beyond the range saturate.

API (reused by MixPE)::

    codes, dtype_choice, scale = ant_quantize(x, bits=4, axis=None)
    xq = ant_dequantize(codes, dtype_choice, scale)
"""

from __future__ import annotations

import functools

import numpy as np

from llmaccel.workloads.errors import InputError

ANT_TYPES = {4: ("int4", "flint4"), 8: ("int8", "flint8")}
#: Clipping grid, percent of max|x| (assumed; see module docstring).
CLIP_PERCENTS = tuple(range(30, 101, 2))


def _bits_of(name: str) -> tuple[str, int]:
    for fam in ("flint", "int"):
        if name.startswith(fam) and name[len(fam) :].isdigit():
            return fam, int(name[len(fam) :])
    raise InputError("ant type", f"unknown type {name!r}; allowed: int4, flint4, int8, flint8")


def flint_magnitude(c: np.ndarray | int, mag_bits: int):
    """Magnitude of flint magnitude code(s) ``c`` with ``mag_bits`` bits."""
    c = np.asarray(c, dtype=np.int64)
    half = 1 << (mag_bits - 1)
    cp = c - half
    man_bits = mag_bits - 2
    e = cp >> man_bits
    m = cp & ((1 << man_bits) - 1)
    return np.where(c < half, c, ((1 << man_bits) + m) << (1 + e))


@functools.lru_cache(maxsize=16)
def type_table(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(values, codes)`` of a type: every signed value (sorted) and its code."""
    fam, bits = _bits_of(name)
    if bits not in ANT_TYPES:
        raise InputError("ant bits", f"must be 4 or 8, got {bits}")
    sign = 1 << (bits - 1)
    if fam == "int":
        vals = np.arange(-(sign - 1), sign, dtype=np.int64)
        codes = vals & ((1 << bits) - 1)
    else:
        mag = flint_magnitude(np.arange(sign), bits - 1)
        vals = np.concatenate([-mag[1:][::-1], mag])
        codes = np.concatenate([(np.arange(1, sign) | sign)[::-1], np.arange(sign)])
    order = np.argsort(vals, kind="stable")
    return vals[order].astype(np.float64), codes[order].astype(np.int64)


def decode_table(name: str) -> np.ndarray:
    """``lut[code] -> value`` (unused codes map to 0)."""
    fam, bits = _bits_of(name)
    vals, codes = type_table(name)
    lut = np.zeros(1 << bits, np.float64)
    lut[codes] = vals
    return lut


def round_to_type(x_lsb: np.ndarray, name: str) -> np.ndarray:
    """Index into the type's sorted value table of the nearest value (ties to larger magnitude)."""
    vals, _ = type_table(name)
    x = np.asarray(x_lsb, dtype=np.float64)
    hi = np.clip(np.searchsorted(vals, x, side="right"), 1, len(vals) - 1)
    lo = hi - 1
    dlo = x - vals[lo]
    dhi = vals[hi] - x
    pick_hi = (dhi < dlo) | ((dhi == dlo) & (np.abs(vals[hi]) > np.abs(vals[lo])))
    idx = np.where(pick_hi, hi, lo)
    idx = np.where(x <= vals[0], 0, idx)
    return np.where(x >= vals[-1], len(vals) - 1, idx)


def encode_type(x_lsb: np.ndarray, name: str) -> np.ndarray:
    """uint8 codes of ``x`` (LSB units) in type ``name``."""
    _, codes = type_table(name)
    return codes[round_to_type(x_lsb, name)].astype(np.uint8)


def decode_type(codes: np.ndarray, name: str) -> np.ndarray:
    """Values (LSB units) of codes in type ``name``."""
    return decode_table(name)[np.asarray(codes, dtype=np.int64)]


def _reduce_axes(x: np.ndarray, axis: int | None) -> tuple[int, ...] | None:
    if axis is None:
        return None
    return tuple(a for a in range(x.ndim) if a != axis % x.ndim)


def _search(x: np.ndarray, name: str, axis: int | None) -> tuple[np.ndarray, float]:
    red = _reduce_axes(x, axis)
    xmax = np.max(np.abs(x), axis=red, keepdims=red is not None)
    xmax = np.where(xmax > 0, xmax, 1.0)
    vmax = type_table(name)[0][-1]
    vals = type_table(name)[0]
    best_err = np.full(np.shape(xmax), np.inf)
    best_scale = np.ones(np.shape(xmax))
    for p in CLIP_PERCENTS:
        scale = xmax * (p / 100.0) / vmax
        xq = vals[round_to_type(x / scale, name)] * scale
        err = np.mean((xq - x) ** 2, axis=red, keepdims=red is not None)
        better = err < best_err
        best_err = np.where(better, err, best_err)
        best_scale = np.where(better, scale, best_scale)
    return best_scale, float(np.mean(best_err))


def ant_quantize(
    x: np.ndarray, bits: int = 4, axis: int | None = None, types: tuple[str, ...] | None = None
) -> tuple[np.ndarray, str, np.ndarray]:
    """ANT quantization of one tensor.

    Args:
        x: real tensor.
        bits: 4 or 8.
        axis: per-channel scale axis (weights: output channel); None = per-tensor scale.
        types: candidate types (default: int and flint of ``bits``).

    Returns:
        ``(codes, dtype_choice, scale)``: uint8 codes shaped like ``x``, the chosen
        type name (one per tensor), and the scale (broadcastable against ``x``).
    """
    x = np.asarray(x, dtype=np.float64)
    if bits not in ANT_TYPES:
        raise InputError("bits", f"ANT supports 4 or 8 bits, got {bits!r}")
    if x.size == 0 or not np.isfinite(x).all():
        raise InputError("tensor", "must be non-empty and finite")
    cands = types or ANT_TYPES[bits]
    best = None
    for name in cands:
        if _bits_of(name)[1] != bits:
            raise InputError("types", f"{name} is not a {bits}-bit type")
        scale, err = _search(x, name, axis)
        if best is None or err < best[0]:
            best = (err, name, scale)
    assert best is not None  # types is never empty
    _, name, scale = best
    return encode_type(x / scale, name), name, scale


def ant_dequantize(codes: np.ndarray, dtype_choice: str, scale: np.ndarray) -> np.ndarray:
    """Real values of ANT codes."""
    return decode_type(codes, dtype_choice) * np.asarray(scale, dtype=np.float64)


def int_quantize(x: np.ndarray, bits: int, axis: int | None = None) -> np.ndarray:
    """Plain symmetric int quantize-dequantize (per channel along ``axis`` or per tensor), MSE scale."""
    codes, name, scale = ant_quantize(x, bits, axis, types=(f"int{bits}",))
    return ant_dequantize(codes, name, scale)


__all__ = [
    "ANT_TYPES",
    "ant_quantize",
    "ant_dequantize",
    "int_quantize",
    "type_table",
    "encode_type",
    "decode_type",
    "flint_magnitude",
]
