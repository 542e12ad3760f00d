"""Fast per-channel scale searches for 2-D weights ``w[out, in]``: one fused numba pass per row.

The reference searches (:func:`workloads.quant.ovp.search_scale`, ``workloads.quant.ant._search``)
quantize the whole tensor once per candidate clipping value and keep the least MSE per
output channel.  Here every row (output channel) runs all candidates in one compiled loop
(round, victimise, dequantize, accumulate the squared error), rows in parallel, with no
temporaries.  The arithmetic is the reference's (``x / scale``, the same rounding tables
and tie rules, ``value * scale``); only the order of the per-row error sum differs, so the
chosen scales are the reference's except on ties closer than float round-off.  Tests hold
both equal on random tensors.

Used by ``llmaccel quant-eval``; the designs and reproductions keep the reference path.
"""

from __future__ import annotations

import numpy as np

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant import ant, ovp

try:
    from numba import njit, prange
except ImportError:  # pragma: no cover
    njit = None  # type: ignore[assignment]


def _rows(w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.size == 0 or not np.isfinite(w).all():
        raise InputError("tensor", f"must be a non-empty finite 2-D array, got shape {w.shape}")
    return np.ascontiguousarray(w)


if njit is not None:

    @njit(cache=True, inline="always")
    def _ovp_row_err(x, r, scale, top, half_open, half_exact, grid, grid_out, away, keep_larger):
        """Sum of squared errors of row ``r`` after OVP quantization at ``scale`` (pairs along the row)."""
        err = 0.0
        for j in range(0, x.shape[1], 2):
            a = x[r, j] / scale
            b = x[r, j + 1] / scale
            ia = ovp._round_one(a, top, half_open, half_exact, grid, grid_out, away)
            ib = ovp._round_one(b, top, half_open, half_exact, grid, grid_out, away)
            va = grid[ia]
            vb = grid[ib]
            oa = grid_out[ia] == 1
            ob = grid_out[ib] == 1
            if oa and ob:
                if keep_larger and abs(b) > abs(a):
                    va = 0.0
                else:
                    vb = 0.0
            elif oa:
                vb = 0.0
            elif ob:
                va = 0.0
            da = va * scale - x[r, j]
            db = vb * scale - x[r, j + 1]
            err += da * da + db * db
        return err

    @njit(cache=True, inline="always")
    def _type_row_err(x, r, scale, vals):
        """Sum of squared errors of row ``r`` rounded to the value table ``vals`` (ANT rule) at ``scale``."""
        n = vals.shape[0]
        err = 0.0
        for j in range(x.shape[1]):
            v = x[r, j] / scale
            if v <= vals[0]:
                idx = 0
            elif v >= vals[n - 1]:
                idx = n - 1
            else:
                hi = min(max(np.searchsorted(vals, v, side="right"), 1), n - 1)
                lo = hi - 1
                dlo = v - vals[lo]
                dhi = vals[hi] - v
                idx = hi if dhi < dlo or (dhi == dlo and abs(vals[hi]) > abs(vals[lo])) else lo
            d = vals[idx] * scale - x[r, j]
            err += d * d
        return err

    @njit(cache=True, parallel=True)
    def _search(x, xmax, pcts, vmax, k, is_ovp, top, half_open, half_exact, grid, grid_out, away, keep_larger):
        """Per row: the first candidate ``scale = xmax * (p / 100) / vmax`` of least mean squared error."""
        rows = x.shape[0]
        best_err = np.empty(rows)
        best_scale = np.empty(rows)
        for r in prange(rows):
            be = np.inf
            bs = 1.0
            for p in pcts:
                scale = xmax[r] * (p / 100.0) / vmax
                if is_ovp:
                    err = _ovp_row_err(x, r, scale, top, half_open, half_exact, grid, grid_out, away, keep_larger)
                else:
                    err = _type_row_err(x, r, scale, grid)
                err /= k
                if err < be:
                    be = err
                    bs = scale
            best_err[r] = be
            best_scale[r] = bs
        return best_err, best_scale


_NO_TABLE = np.zeros(0, np.int64)


def ovp_search_rows(w: np.ndarray, fmt: ovp.OVPFormat) -> tuple[np.ndarray, float]:
    """Equal of ``ovp.search_scale(w, fmt, axis=1, channel_axis=0)``: (scale ``[rows, 1]``, MSE)."""
    x = _rows(w)
    k = x.shape[1]
    xmax = ovp.xmax_of(x, (1,))[:, 0]
    if njit is None:  # pragma: no cover
        return ovp.search_scale(x, fmt, axis=1, channel_axis=0)
    xp = np.pad(x, ((0, 0), (0, 1))) if k % 2 else x
    t = ovp.tables(fmt)
    err, scale = _search(
        xp,
        xmax,
        np.asarray(ovp.ALPHA_PERCENTS, np.int64),
        float(fmt.max_normal),
        k,
        True,
        int(t.grid[-1]),
        t.half_open,
        t.half_exact,
        t.grid,
        t.grid_out,
        fmt.tie == "away",
        fmt.pair_rule == "larger",
    )
    return scale[:, None], float(np.mean(err))


def ovp_quantize_rows(w: np.ndarray, bits: int) -> ovp.OVPTensor:
    """Equal of ``ovp.ovp_quantize(w, bits, axis=1, channel_axis=0)`` (normal type chosen by MSE at 4 bits)."""
    x = _rows(w)
    fmts = [ovp.ovp4("int4"), ovp.ovp4("flint4")] if bits == 4 else [ovp.ovp8()]
    best = None
    for f in fmts:
        scale, err = ovp_search_rows(x, f)
        if best is None or err < best[0]:
            best = (err, f, scale)
    assert best is not None  # at least one normal type is searched
    _, fmt, scale = best
    codes, stats = ovp.encode(x / scale, fmt, 1, with_stats=True)
    return ovp.OVPTensor(codes, scale, fmt, 1, x.shape[1], stats)


def type_search_rows(w: np.ndarray, name: str) -> tuple[np.ndarray, float]:
    """Equal of ``ant._search(w, name, axis=0)`` (per output channel): (scale ``[rows, 1]``, MSE)."""
    x = _rows(w)
    xmax = np.max(np.abs(x), axis=1)
    xmax = np.where(xmax > 0, xmax, 1.0)
    vals = ant.type_table(name)[0]
    if njit is None:  # pragma: no cover
        return ant._search(x, name, 0)
    pcts = np.asarray(ant.CLIP_PERCENTS, np.int64)
    err, scale = _search(
        x, xmax, pcts, float(vals[-1]), x.shape[1], False, 0, _NO_TABLE, _NO_TABLE, vals, _NO_TABLE, False, False
    )
    return scale[:, None], float(np.mean(err))


def ant_quantize_rows(w: np.ndarray, bits: int, types: tuple[str, ...] | None = None) -> tuple[np.ndarray, str]:
    """Equal of ``ant.ant_quantize(w, bits, axis=0, types)`` dequantized: (``w`` quantized, type chosen)."""
    x = _rows(w)
    best = None
    for name in types or ant.ANT_TYPES[bits]:
        scale, err = type_search_rows(x, name)
        if best is None or err < best[0]:
            best = (err, name, scale)
    assert best is not None  # at least one ANT type is searched
    _, name, scale = best
    return ant.ant_dequantize(ant.encode_type(x / scale, name), name, scale), name
