"""OliVe outlier-victim-pair (OVP) quantization: bit-exact encoder and decoder.

Values are paired along the reduction (K) axis: elements ``(2i, 2i+1)``.  Each
value is rounded to the nearest member of the combined *normal* + *outlier* set
(in units of the normal LSB).  When one member of a pair rounds to an outlier,
its neighbour (the *victim*) is stored as the identifier code ``100..0`` and
decodes to 0; the outlier itself is stored in the wide-range ``abfloat`` type.

Codes (``bits`` wide, sign bit first):

* normal ``int4`` / ``int8``: two's complement, ``-(2^(b-1)-1) .. 2^(b-1)-1``
  (the code ``100..0`` is never produced: it is the identifier).
* normal ``flint4``: sign-magnitude; magnitude code ``c`` (3 bits) means ``c``
  for ``c < 4`` and ``(2 + (c & 1)) << (1 + (c >> 1 & 1))`` for ``c >= 4``:
  magnitudes ``{0,1,2,3,4,6,8,12}``; ``1000`` (= -0) is the identifier.
* outlier ``abfloat`` ``[s | e (E bits) | m (M bits)]``: magnitude
  ``(2^M + m) << (e + bias)``; ``(e, m) = (0, 0)`` is never emitted, so no
  outlier code equals the identifier.

Exponent-integer form (what the hardware decoder emits): normal int ``v`` ->
``<0, v>``; flint ``c >= 4`` -> ``<1 + (c>>1 & 1), +-(2 + (c & 1))>``;
victim -> ``<0, 0>``; abfloat -> ``<e + bias, +-(2^M + m)>``.  Value =
``int << exp``.

Rounding (``tie``): ``"up"`` (default; the authors' kernel) sends an exact tie
toward +infinity inside the normal grid and inside the outlier grid, and to the
outlier at the normal/outlier boundary; ``"away"`` sends every tie to the larger
magnitude.  Values beyond the largest outlier saturate to it.

Outlier-outlier pairs (``pair_rule``): ``"left"`` (default; the authors' code)
keeps the left value and victimises the right; ``"larger"`` keeps the value of
larger input magnitude (left on a tie).

Packed storage: 4-bit codes two per byte, element ``2i`` in the LOW nibble and
``2i+1`` in the HIGH nibble; 8-bit codes one per byte.

A reduction axis of odd length is padded with one zero; codes then have the
padded (even) length and :func:`decode` takes ``length=`` to trim.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from llmaccel.workloads.errors import InputError

try:  # numba is a declared dependency; the pure-numpy path is kept as a fallback
    import numba
    from numba import njit, prange
except ImportError:  # pragma: no cover
    numba = None  # type: ignore[assignment]

NORMAL_TYPES = ("int4", "flint4", "int8")
TIE_RULES = ("up", "away")
PAIR_RULES = ("left", "larger")
#: Scale-search grid of the authors' code: alpha = xmax * i / 100, i = 75, 77, ..., 249.
ALPHA_PERCENTS = tuple(range(75, 250, 2))
#: xmax = max(|mu + k sigma|, |mu - k sigma|) with k = 3 (olive.md).
XMAX_SIGMAS = 3.0


@dataclass(frozen=True)
class OVPFormat:
    """One OVP number format.

    Attributes:
        bits: code width (4 or 8).
        normal: normal type, one of :data:`NORMAL_TYPES` (``int8`` only at 8 bits).
        exp_bits, man_bits: abfloat field widths (``1 + exp_bits + man_bits == bits``).
        bias: abfloat exponent bias, in powers of two of the normal LSB.
        tie: tie rule, ``"up"`` or ``"away"``.
        pair_rule: outlier-outlier rule, ``"left"`` or ``"larger"``.
    """

    bits: int = 4
    normal: str = "int4"
    exp_bits: int = 2
    man_bits: int = 1
    bias: int = 2
    tie: str = "up"
    pair_rule: str = "left"

    def __post_init__(self) -> None:
        if self.bits not in (4, 8):
            raise InputError("ovp.bits", f"must be 4 or 8, got {self.bits!r}")
        if self.normal not in NORMAL_TYPES:
            raise InputError("ovp.normal", f"unknown normal type {self.normal!r}; allowed: {', '.join(NORMAL_TYPES)}")
        if (self.normal == "int8") != (self.bits == 8):
            raise InputError(
                "ovp.normal", f"{self.normal} does not fit {self.bits}-bit codes; 4-bit: int4, flint4; 8-bit: int8"
            )
        if self.exp_bits < 1 or self.man_bits < 0 or 1 + self.exp_bits + self.man_bits != self.bits:
            raise InputError(
                "ovp.exp_bits", f"need 1 + exp_bits + man_bits == {self.bits}, got E{self.exp_bits}M{self.man_bits}"
            )
        if self.bias < 0:
            raise InputError("ovp.bias", f"must be >= 0, got {self.bias}")
        if self.tie not in TIE_RULES:
            raise InputError("ovp.tie", f"unknown tie rule {self.tie!r}; allowed: {', '.join(TIE_RULES)}")
        if self.pair_rule not in PAIR_RULES:
            raise InputError("ovp.pair_rule", f"unknown rule {self.pair_rule!r}; allowed: {', '.join(PAIR_RULES)}")
        if self.min_outlier <= self.max_normal:
            raise InputError(
                "ovp.bias", f"smallest outlier {self.min_outlier} must exceed the largest normal {self.max_normal}"
            )

    @property
    def identifier(self) -> int:
        """The victim/identifier code ``100..0``."""
        return 1 << (self.bits - 1)

    @property
    def max_normal(self) -> int:
        return 12 if self.normal == "flint4" else (1 << (self.bits - 1)) - 1

    @property
    def min_outlier(self) -> int:
        return _outlier_mag(self, 0, 1) if self.man_bits else _outlier_mag(self, 1, 0)

    @property
    def max_outlier(self) -> int:
        return _outlier_mag(self, (1 << self.exp_bits) - 1, (1 << self.man_bits) - 1)

    @property
    def name(self) -> str:
        return f"ovp{self.bits}-{self.normal}-E{self.exp_bits}M{self.man_bits}b{self.bias}"


def ovp4(normal: str = "int4", tie: str = "up", pair_rule: str = "left") -> OVPFormat:
    """4-bit OVP: E2M1 abfloat with the per-type bias (int4: 2, flint4: 3)."""
    if normal not in ("int4", "flint4"):
        raise InputError("ovp.normal", f"4-bit normal type must be int4 or flint4, got {normal!r}")
    return OVPFormat(4, normal, 2, 1, 2 if normal == "int4" else 3, tie, pair_rule)


def ovp8(exp_bits: int = 2, man_bits: int = 5, bias: int = 2, tie: str = "up", pair_rule: str = "left") -> OVPFormat:
    """8-bit OVP: int8 normals, abfloat outliers (default E2M5 bias 2, as the authors' code)."""
    return OVPFormat(8, "int8", exp_bits, man_bits, bias, tie, pair_rule)


def _outlier_mag(fmt: OVPFormat, e: int, m: int) -> int:
    return ((1 << fmt.man_bits) + m) << (e + fmt.bias)


def _flint4_exp_int(c: int) -> tuple[int, int]:
    """flint4 magnitude code (0..7) -> (exp, int)."""
    if c < 4:
        return 0, c
    return 1 + ((c >> 1) & 1), 2 + (c & 1)


@dataclass(frozen=True)
class _Tables:
    """Derived lookup tables of one format (built once, cached)."""

    grid: np.ndarray  # sorted signed representable values (float64)
    grid_code: np.ndarray  # code of each grid value (int64)
    grid_out: np.ndarray  # 1 where the grid value is an outlier
    normal_exp: np.ndarray  # [2^bits] exponent of the code read as a normal (identifier -> 0)
    normal_int: np.ndarray  # [2^bits] integer of the code read as a normal
    out_exp: np.ndarray  # [2^bits] exponent of the code read as an abfloat outlier
    out_int: np.ndarray  # [2^bits] integer of the code read as an abfloat outlier
    pair_lut: np.ndarray  # [65536, 2] float32 decoded pair values, index c0 | c1 << 8
    half_open: np.ndarray  # [4*max_outlier+1] grid index for v in (u/2, (u+1)/2), u = floor(2v)
    half_exact: np.ndarray  # [4*max_outlier+1] grid index for v == u/2 exactly


#: Largest outlier magnitude for which O(1) rounding tables are built (4*top+1 entries each).
HALF_TABLE_MAX = 1 << 16


@functools.lru_cache(maxsize=64)
def tables(fmt: OVPFormat) -> _Tables:
    """Lookup tables for ``fmt`` (cached)."""
    n = 1 << fmt.bits
    sign = fmt.identifier
    normal_exp = np.zeros(n, np.int64)
    normal_int = np.zeros(n, np.int64)
    out_exp = np.zeros(n, np.int64)
    out_int = np.zeros(n, np.int64)
    vals: dict[int, tuple[int, int]] = {}
    for c in range(n):
        if c == fmt.identifier:
            continue
        if fmt.normal == "flint4":
            e, i = _flint4_exp_int(c & 7)
            i = -i if c & sign else i
            if c & sign and (c & 7) == 0:
                continue
        else:
            e, i = 0, c - n if c & sign else c
        normal_exp[c], normal_int[c] = e, i
        vals[i << e] = (c, 0)
    for c in range(n):
        mag_bits = c & (sign - 1)
        e, m = mag_bits >> fmt.man_bits, mag_bits & ((1 << fmt.man_bits) - 1)
        i = (1 << fmt.man_bits) + m
        out_exp[c], out_int[c] = e + fmt.bias, -i if c & sign else i
        if e == 0 and m == 0:
            continue  # never emitted
        v = (-i if c & sign else i) << (e + fmt.bias)
        vals[v] = (c, 1)
    keys = sorted(vals)
    grid = np.array(keys, np.float64)
    grid_code = np.array([vals[k][0] for k in keys], np.int64)
    grid_out = np.array([vals[k][1] for k in keys], np.int64)
    # pair LUT: value of each element given the pair (c0, c1)
    c0 = np.arange(65536) & 0xFF
    c1 = np.arange(65536) >> 8
    valid = (c0 < n) & (c1 < n)
    c0 = np.where(valid, c0, 0)
    c1 = np.where(valid, c1, 0)
    nv = (normal_int << normal_exp).astype(np.float64)
    ov = (out_int << out_exp).astype(np.float64)
    ident = fmt.identifier
    v0 = np.where(c1 == ident, ov[c0], np.where(c0 == ident, 0.0, nv[c0]))
    v1 = np.where(c0 == ident, ov[c1], np.where(c1 == ident, 0.0, nv[c1]))
    lut = np.stack([v0, v1], axis=1).astype(np.float32)
    lut[~valid] = np.nan
    lut[(c0 == ident) & (c1 == ident)] = np.nan  # never produced
    t = _Tables(
        grid,
        grid_code,
        grid_out,
        normal_exp,
        normal_int,
        out_exp,
        out_int,
        lut,
        np.zeros(0, np.int64),
        np.zeros(0, np.int64),
    )
    # Every tie point is a midpoint of two integers, i.e. a multiple of 1/2: rounding is
    # constant on each open interval (u/2, (u+1)/2), so two tables indexed by
    # u = floor(2v) give O(1) rounding (u offset by 2*max_outlier).
    # Formats with a huge range (e.g. 8-bit E4M3) use binary search instead (empty tables).
    top = int(grid[-1])
    if top > HALF_TABLE_MAX:
        return t
    u = np.arange(-2 * top, 2 * top + 1, dtype=np.float64)
    away = fmt.tie == "away"
    half_open = _round_idx_numpy(u / 2 + 0.25, t, away)
    half_exact = _round_idx_numpy(u / 2, t, away)
    return replace(t, half_open=half_open.astype(np.int64), half_exact=half_exact.astype(np.int64))


def representable_values(fmt: OVPFormat) -> np.ndarray:
    """All values one element can decode to (LSB units), sorted; victims decode to 0."""
    return tables(fmt).grid.copy()


# ---------------------------------------------------------------- reference (slow, obvious)


def round_value_ref(v: float, fmt: OVPFormat) -> tuple[int, int, bool]:
    """Round one value (LSB units) to the combined set: ``(value, code, is_outlier)``.

    The slow reference: a linear scan of the representable values in ascending order.
    """
    t = tables(fmt)
    best = None
    for val, code, out in zip(t.grid.tolist(), t.grid_code.tolist(), t.grid_out.tolist()):
        d = abs(v - val)
        if best is None or d < best[0]:
            best = (d, val, code, out)
        elif d == best[0]:  # exact tie between best[1] < val (grid is ascending)
            lo_out, hi_out = best[3], out
            if lo_out != hi_out:
                pick_hi = bool(hi_out)  # boundary: to the outlier
            elif fmt.tie == "up":
                pick_hi = True  # toward +inf
            else:
                pick_hi = abs(val) > abs(best[1])  # larger magnitude
            if pick_hi:
                best = (d, val, code, out)
        else:
            break  # the grid ascends: distances only grow from here
    assert best is not None  # the grid is never empty
    return int(best[1]), int(best[2]), bool(best[3])


def encode_pair_ref(a: float, b: float, fmt: OVPFormat) -> tuple[int, int]:
    """Codes of one pair (left ``a``, right ``b``, LSB units) — the slow reference."""
    _, ca, oa = round_value_ref(a, fmt)
    _, cb, ob = round_value_ref(b, fmt)
    if oa and ob:
        keep_left = fmt.pair_rule == "left" or abs(a) >= abs(b)
        return (ca, fmt.identifier) if keep_left else (fmt.identifier, cb)
    if oa:
        return ca, fmt.identifier
    if ob:
        return fmt.identifier, cb
    return ca, cb


def decode_pair_ref(ca: int, cb: int, fmt: OVPFormat) -> tuple[tuple[int, int], tuple[int, int]]:
    """Exponent-integer pairs ``((exp_a, int_a), (exp_b, int_b))`` of one code pair — reference."""
    t = tables(fmt)
    ident = fmt.identifier
    if ca == ident and cb == ident:
        raise InputError("ovp code pair", "two identifier codes in one pair are never produced")
    if cb == ident:
        return (int(t.out_exp[ca]), int(t.out_int[ca])), (0, 0)
    if ca == ident:
        return (0, 0), (int(t.out_exp[cb]), int(t.out_int[cb]))
    return ((int(t.normal_exp[ca]), int(t.normal_int[ca])), (int(t.normal_exp[cb]), int(t.normal_int[cb])))


# ---------------------------------------------------------------- fast path


def _round_idx_numpy(x: np.ndarray, t: _Tables, away: bool) -> np.ndarray:
    grid = t.grid
    hi = np.clip(np.searchsorted(grid, x, side="right"), 1, len(grid) - 1)
    lo = hi - 1
    dlo = x - grid[lo]
    dhi = grid[hi] - x
    boundary = t.grid_out[lo] != t.grid_out[hi]
    tie = dlo == dhi
    if away:
        tie_hi = np.abs(grid[hi]) > np.abs(grid[lo])
    else:
        tie_hi = np.ones_like(tie)
    tie_hi = np.where(boundary, t.grid_out[hi] == 1, tie_hi)
    pick_hi = (dhi < dlo) | (tie & tie_hi)
    idx = np.where(pick_hi, hi, lo)
    idx = np.where(x <= grid[0], 0, idx)
    return np.where(x >= grid[-1], len(grid) - 1, idx)


def _encode_rows_numpy(x2: np.ndarray, fmt: OVPFormat) -> tuple[np.ndarray, np.ndarray]:
    t = tables(fmt)
    idx = _round_idx_numpy(x2, t, fmt.tie == "away")
    codes = t.grid_code[idx]
    out = t.grid_out[idx].astype(bool)
    a, b = out[:, 0::2], out[:, 1::2]
    if fmt.pair_rule == "left":
        keep_left = np.ones_like(a)
    else:
        keep_left = np.abs(x2[:, 0::2]) >= np.abs(x2[:, 1::2])
    victim_right = a & (~b | keep_left)
    victim_left = b & (~a | ~keep_left)
    codes[:, 1::2] = np.where(victim_right, fmt.identifier, codes[:, 1::2])
    codes[:, 0::2] = np.where(victim_left, fmt.identifier, codes[:, 0::2])
    counts = np.array([a.size, int(np.sum(a ^ b)), int(np.sum(a & b))], np.int64)
    return codes.astype(np.uint8), counts


if numba is not None:

    @njit(cache=True, inline="always")
    def _round_one(v, top, half_open, half_exact, grid, grid_out, away):
        n = grid.shape[0]
        if v >= grid[n - 1]:
            return n - 1
        if v <= grid[0]:
            return 0
        if half_exact.shape[0] > 0:  # O(1): tables indexed by floor(2v)
            w = 2.0 * v
            u = np.floor(w)
            i = int(u) + 2 * top
            if w == u:
                return half_exact[i]
            return half_open[i]
        lo, hi = 0, n - 1  # binary search: grid[lo] <= v < grid[hi]
        while hi - lo > 1:
            mid = (lo + hi) >> 1
            if grid[mid] <= v:
                lo = mid
            else:
                hi = mid
        dlo = v - grid[lo]
        dhi = grid[hi] - v
        if dhi < dlo:
            return hi
        if dlo < dhi:
            return lo
        if grid_out[lo] != grid_out[hi]:
            return hi if grid_out[hi] == 1 else lo
        if away:
            return hi if abs(grid[hi]) > abs(grid[lo]) else lo
        return hi

    @njit(cache=True, parallel=True)
    def _encode_rows_numba(
        x2, top, half_open, half_exact, grid, grid_code, grid_out, away, keep_larger, ident, codes, counts
    ):
        rows, k = x2.shape
        for r in prange(rows):
            on = 0
            oo = 0
            for j in range(0, k, 2):
                a = x2[r, j]
                b = x2[r, j + 1]
                ia = _round_one(a, top, half_open, half_exact, grid, grid_out, away)
                ib = _round_one(b, top, half_open, half_exact, grid, grid_out, away)
                ca = grid_code[ia]
                cb = grid_code[ib]
                oa = grid_out[ia] == 1
                ob = grid_out[ib] == 1
                if oa and ob:
                    oo += 1
                    if keep_larger and abs(b) > abs(a):
                        ca = ident
                    else:
                        cb = ident
                elif oa:
                    on += 1
                    cb = ident
                elif ob:
                    on += 1
                    ca = ident
                codes[r, j] = ca
                codes[r, j + 1] = cb
            counts[r, 0] = on
            counts[r, 1] = oo


if numba is not None:

    @njit(cache=True, parallel=True)
    def _decode_pairs_numba(pairs, lut, out):
        n = pairs.shape[0]
        bad = 0
        for p in prange(n):
            idx = np.int64(pairs[p, 0]) | (np.int64(pairs[p, 1]) << 8)
            a = lut[idx, 0]
            out[p, 0] = a
            out[p, 1] = lut[idx, 1]
            if a != a:
                bad += 1
        return bad


if numba is not None:
    _encode_rows_serial = njit(cache=True)(_encode_rows_numba.py_func)
    _decode_pairs_serial = njit(cache=True)(_decode_pairs_numba.py_func)

#: Below this many values the single-threaded kernels are used (thread start-up dominates).
PARALLEL_MIN_VALUES = 1 << 18


def _to_rows(x: np.ndarray, axis: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """Move ``axis`` last, pad it to even length, flatten to (rows, K_even)."""
    xm = np.moveaxis(x, axis, -1)
    if xm.shape[-1] % 2:
        pad = [(0, 0)] * (xm.ndim - 1) + [(0, 1)]
        xm = np.pad(xm, pad)
    shape = xm.shape
    return np.ascontiguousarray(xm.reshape(-1, shape[-1])), shape


def encode(x_lsb: np.ndarray, fmt: OVPFormat, axis: int = -1, *, with_stats: bool = False, backend: str = "auto"):
    """Encode values given in LSB units (i.e. already divided by the scale).

    Args:
        x_lsb: real values in units of the normal LSB.
        fmt: the OVP format.
        axis: reduction axis along which pairs ``(2i, 2i+1)`` are formed.
        with_stats: also return pair statistics (see :func:`pair_stats`).
        backend: ``"numba"``, ``"numpy"`` or ``"auto"`` (numba if installed).

    Returns:
        uint8 codes (one per value; the axis padded to even length), and with
        ``with_stats`` a dict ``{pairs, outlier_normal, outlier_outlier}``.
    """
    x = np.asarray(x_lsb)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    if x.ndim == 0:
        raise InputError("tensor", "needs at least one dimension")
    if x.size and not np.isfinite(x).all():
        raise InputError("tensor", "contains NaN or infinity")
    axis = axis % x.ndim
    rows, shape = _to_rows(x, axis)
    if backend == "auto":
        backend = "numba" if numba is not None else "numpy"
    if backend == "numba":
        t = tables(fmt)
        codes = np.empty(rows.shape, np.uint8)
        cnt = np.zeros((rows.shape[0], 2), np.int64)
        kernel = _encode_rows_numba if rows.size >= PARALLEL_MIN_VALUES else _encode_rows_serial
        kernel(
            rows,
            int(t.grid[-1]),
            t.half_open,
            t.half_exact,
            t.grid,
            t.grid_code.astype(np.uint8),
            t.grid_out,
            fmt.tie == "away",
            fmt.pair_rule == "larger",
            np.uint8(fmt.identifier),
            codes,
            cnt,
        )
        counts = np.array([rows.size // 2, int(cnt[:, 0].sum()), int(cnt[:, 1].sum())], np.int64)
    elif backend == "numpy":
        codes, counts = _encode_rows_numpy(rows, fmt)
    else:
        raise InputError("backend", f"unknown backend {backend!r}; allowed: auto, numba, numpy")
    codes = np.moveaxis(codes.reshape(shape), -1, axis)
    if with_stats:
        return codes, {"pairs": int(counts[0]), "outlier_normal": int(counts[1]), "outlier_outlier": int(counts[2])}
    return codes


def _check_codes(codes: np.ndarray, fmt: OVPFormat, axis: int) -> np.ndarray:
    c = np.asarray(codes)
    if c.ndim == 0 or c.shape[axis] % 2:
        raise InputError("ovp codes", "the pair axis must have even length")
    if c.dtype != np.uint8:
        if c.size and (c.min() < 0 or c.max() >= (1 << fmt.bits)):
            raise InputError("ovp codes", f"must be {fmt.bits}-bit codes 0..{(1 << fmt.bits) - 1}")
        c = c.astype(np.uint8)
    elif fmt.bits == 4 and c.size and c.max() > 15:
        raise InputError("ovp codes", "must be 4-bit codes 0..15 (unpack packed bytes first)")
    return c


def decode(
    codes: np.ndarray, fmt: OVPFormat, axis: int = -1, length: int | None = None, dtype=np.float32
) -> np.ndarray:
    """Decode codes to values in LSB units (``length`` trims a padded axis)."""
    c = _check_codes(codes, fmt, axis)
    axis = axis % c.ndim
    cm = np.ascontiguousarray(np.moveaxis(c, axis, -1))
    pairs = cm.reshape(-1, 2)
    lut = tables(fmt).pair_lut
    if numba is not None:
        out = np.empty(pairs.shape, np.float32)
        kernel = _decode_pairs_numba if pairs.size >= PARALLEL_MIN_VALUES else _decode_pairs_serial
        bad = kernel(pairs, lut, out)
        vals = out.reshape(cm.shape)
    else:
        pi = pairs.astype(np.uint16)
        vals = lut[pi[:, 0] | (pi[:, 1] << 8)].reshape(cm.shape)
        bad = int(np.isnan(vals).sum())
    if bad:
        raise InputError("ovp codes", "contain a pair of two identifiers or an out-of-range code")
    if length is not None:
        vals = vals[..., :length]
    return np.moveaxis(vals, -1, axis).astype(dtype, copy=False)


def decode_exp_int(codes: np.ndarray, fmt: OVPFormat, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Exponent-integer form ``(exp, int)`` of every element (what the HW decoder emits)."""
    c = _check_codes(codes, fmt, axis).astype(np.int64)
    t = tables(fmt)
    cm = np.moveaxis(c, axis % c.ndim, -1)
    c0, c1 = cm[..., 0::2], cm[..., 1::2]
    ident = fmt.identifier
    if np.any((c0 == ident) & (c1 == ident)):
        raise InputError("ovp codes", "contain a pair of two identifiers")
    e = np.empty_like(cm)
    i = np.empty_like(cm)
    e[..., 0::2] = np.where(c1 == ident, t.out_exp[c0], np.where(c0 == ident, 0, t.normal_exp[c0]))
    i[..., 0::2] = np.where(c1 == ident, t.out_int[c0], np.where(c0 == ident, 0, t.normal_int[c0]))
    e[..., 1::2] = np.where(c0 == ident, t.out_exp[c1], np.where(c1 == ident, 0, t.normal_exp[c1]))
    i[..., 1::2] = np.where(c0 == ident, t.out_int[c1], np.where(c1 == ident, 0, t.normal_int[c1]))
    return np.moveaxis(e, -1, axis), np.moveaxis(i, -1, axis)


def pack4(codes: np.ndarray, axis: int = -1) -> np.ndarray:
    """Two 4-bit codes per byte: element 2i in the low nibble, 2i+1 in the high nibble."""
    c = np.moveaxis(np.asarray(codes, np.uint8), axis, -1)
    if c.shape[-1] % 2:
        raise InputError("ovp codes", "the pair axis must have even length")
    if c.size and c.max() > 15:
        raise InputError("ovp codes", "must be 4-bit codes 0..15")
    return np.moveaxis(c[..., 0::2] | (c[..., 1::2] << 4), -1, axis)


def unpack4(packed: np.ndarray, axis: int = -1) -> np.ndarray:
    """Inverse of :func:`pack4`."""
    p = np.moveaxis(np.asarray(packed, np.uint8), axis, -1)
    out = np.empty(p.shape[:-1] + (2 * p.shape[-1],), np.uint8)
    out[..., 0::2] = p & 0xF
    out[..., 1::2] = p >> 4
    return np.moveaxis(out, -1, axis)


# ---------------------------------------------------------------- scale search and tensors


def quantize(x: np.ndarray, fmt: OVPFormat, scale, axis: int = -1) -> np.ndarray:
    """Quantize-dequantize ``x`` with ``scale`` (real units per LSB; broadcastable)."""
    x = np.asarray(x, dtype=np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    codes = encode(x / scale, fmt, axis)
    return decode(codes, fmt, axis, length=x.shape[axis], dtype=np.float64) * scale


def xmax_of(x: np.ndarray, reduce_axes: tuple[int, ...] | None) -> np.ndarray:
    """``max(|mu + 3 sigma|, |mu - 3 sigma|)`` over ``reduce_axes`` (None: whole tensor)."""
    mu = np.mean(x, axis=reduce_axes, keepdims=reduce_axes is not None)
    sd = np.std(x, axis=reduce_axes, keepdims=reduce_axes is not None)
    xm = np.maximum(np.abs(mu + XMAX_SIGMAS * sd), np.abs(mu - XMAX_SIGMAS * sd))
    return np.where(xm > 0, xm, 1.0)


def search_scale(
    x: np.ndarray,
    fmt: OVPFormat,
    axis: int = -1,
    channel_axis: int | None = None,
    percents: tuple[int, ...] = ALPHA_PERCENTS,
) -> tuple[np.ndarray, float]:
    """Least-MSE scale over the alpha grid, after full OVP quantization (victims included).

    ``alpha`` is the clipping value mapped to the largest normal: ``scale = alpha / max_normal``.

    Args:
        x: the tensor.
        axis: reduction (pairing) axis.
        channel_axis: per-channel scales along this axis (weights: output channel);
            None for one per-tensor scale (activations).

    Returns:
        ``(scale, mse)``: scale shaped to broadcast against ``x`` and the resulting MSE.
    """
    x = np.asarray(x, dtype=np.float64)
    if channel_axis is None:
        red = None
    else:
        channel_axis %= x.ndim
        if channel_axis == axis % x.ndim:
            raise InputError("channel_axis", "must differ from the reduction axis")
        red = tuple(a for a in range(x.ndim) if a != channel_axis)
    xmax = xmax_of(x, red)
    best_err = np.full(np.shape(xmax), np.inf)
    best_scale = np.ones(np.shape(xmax))
    for p in percents:
        scale = xmax * (p / 100.0) / fmt.max_normal
        err = np.mean((quantize(x, fmt, scale, axis) - x) ** 2, axis=red, keepdims=red is not None)
        better = err < best_err
        best_err = np.where(better, err, best_err)
        best_scale = np.where(better, scale, best_scale)
    total = float(np.mean(best_err)) if red is not None else float(best_err)
    return best_scale, total


@dataclass
class OVPTensor:
    """A quantized tensor: codes (unpacked, one uint8 per value), scale and format."""

    codes: np.ndarray
    scale: np.ndarray
    fmt: OVPFormat
    axis: int
    length: int
    stats: dict

    def dequantize(self) -> np.ndarray:
        return decode(self.codes, self.fmt, self.axis, self.length, np.float64) * self.scale

    def packed(self) -> np.ndarray:
        """Storage bytes: 4-bit codes packed two per byte; 8-bit codes as they are."""
        return pack4(self.codes, self.axis) if self.fmt.bits == 4 else self.codes


def ovp_quantize(
    x: np.ndarray,
    bits: int = 4,
    axis: int = -1,
    channel_axis: int | None = None,
    normal: str | None = None,
    tie: str = "up",
    pair_rule: str = "left",
    exp_bits: int = 2,
    man_bits: int = 5,
    bias: int = 2,
) -> OVPTensor:
    """Full OVP quantization: scale search and (at 4 bits) per-tensor normal-type choice by MSE.

    Args:
        x: real tensor.
        bits: 4 or 8.
        axis: reduction axis (pairs are formed along it).
        channel_axis: per-channel scale axis for weights; None for a per-tensor scale.
        normal: force ``"int4"``/``"flint4"`` at 4 bits (None: choose by MSE).
        exp_bits, man_bits, bias: the 8-bit abfloat split (ignored at 4 bits).
    """
    x = np.asarray(x, dtype=np.float64)
    if bits == 4:
        cands = [normal] if normal else ["int4", "flint4"]
        fmts = [ovp4(n, tie, pair_rule) for n in cands]
    elif bits == 8:
        fmts = [ovp8(exp_bits, man_bits, bias, tie, pair_rule)]
    else:
        raise InputError("bits", f"OVP supports 4 or 8 bits, got {bits!r}")
    best = None
    for f in fmts:
        scale, err = search_scale(x, f, axis, channel_axis)
        if best is None or err < best[0]:
            best = (err, f, scale)
    assert best is not None  # fmts is never empty
    _, fmt, scale = best
    codes, stats = encode(x / scale, fmt, axis, with_stats=True)
    return OVPTensor(codes, scale, fmt, axis % x.ndim, x.shape[axis], stats)


def pair_stats(stats: dict) -> dict:
    """Fractions of pairs that are outlier-normal and outlier-outlier."""
    n = max(stats["pairs"], 1)
    return {"outlier_normal_frac": stats["outlier_normal"] / n, "outlier_outlier_frac": stats["outlier_outlier"] / n}


__all__ = [
    "OVPFormat",
    "ovp4",
    "ovp8",
    "encode",
    "decode",
    "decode_exp_int",
    "pack4",
    "unpack4",
    "quantize",
    "search_scale",
    "ovp_quantize",
    "OVPTensor",
    "pair_stats",
    "representable_values",
    "round_value_ref",
    "encode_pair_ref",
    "decode_pair_ref",
    "tables",
    "ALPHA_PERCENTS",
    "NORMAL_TYPES",
    "replace",
]
