"""Group-wise asymmetric weight quantization and mixed-precision GEMM references (MixPE).

Weights ``w[K, N]`` (reduction dimension K first, as in ``out = a @ w``) are cut
along K into groups of ``group_size`` consecutive values per output column n
(the last group may be shorter).  Every group g of column n has a scale
``s[g, n] > 0`` and a zero point ``z[g, n]``; a code ``q`` represents
``s * (q - z)``.

Codes are stored **signed** (two's complement, ``bits`` wide, range
``[-2**(bits-1), 2**(bits-1) - 1]``): the unsigned asymmetric code ``q_u`` in
``[0, 2**bits - 1]`` is shifted by ``2**(bits-1)`` and so is the zero point.
``q - z`` is unchanged by the shift, and a signed code feeds the shift-and-add
PE directly (its top bit has weight ``-2**(bits-1)``).

Scales come in two formats:

* **fixed point** (the integer path, W4A8, and the RTL): ``s = mant * 2**exp``
  with an unsigned ``scale_bits``-bit mantissa per group and one exponent per
  output column.  Everything before the final ``2**exp * s_act`` is integer, so
  the two mpGEMM orders are *exactly* equal.
* **FP16** (the W4A16 path): ``s`` rounded to float16.

The two mpGEMM orders (MixPE, arXiv 2411.16158):

* dequantize-then-multiply: ``O = a @ (s * (q - z))``;
* per-group integer accumulation, one dequantization per group per output:
  ``O = sum_g s_g * (sum_{k in g} a_k q_k - z_g * sum_{k in g} a_k)``.

Rounding everywhere is round-half-to-even (``numpy.rint``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from llmaccel.workloads.errors import InputError

#: Weight widths supported by the group quantizer (bits).
WEIGHT_BITS = (2, 3, 4, 8)
#: Group sizes the presets use; any positive integer is accepted.
COMMON_GROUP_SIZES = (32, 64, 128)
#: Activation INT8 range (symmetric; -128 unused so that negation is safe).
INT8_QMAX = 127


def _check_matrix(field: str, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise InputError(field, f"must be a non-empty 2-D array, got shape {x.shape}")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise InputError(field, "must hold only finite values")
    return x


def group_index(k: int, group_size: int) -> np.ndarray:
    """Group number of every reduction index ``0..k-1`` (int64 array of length k)."""
    return np.arange(k, dtype=np.int64) // group_size


def n_groups(k: int, group_size: int) -> int:
    """Groups along a reduction of length ``k`` (last one may be partial)."""
    return -(-k // group_size)


@dataclass(frozen=True)
class GroupQuantWeights:
    """Group-quantized weights.

    Attributes:
        q: signed codes, int64 ``[K, N]``.
        zero: signed zero points, int64 ``[G, N]`` (same range as the codes).
        scale: float64 ``[G, N]`` real scales (exactly the value the chosen
            scale format represents).
        scale_mant: unsigned fixed-point mantissas, int64 ``[G, N]`` (fixed format) or None.
        scale_exp: int64 ``[N]`` column exponents (fixed format) or None.
        bits: code width (bits).
        group_size: values per group along K.
        scale_format: ``"fixed"`` or ``"fp16"``.
    """

    q: np.ndarray
    zero: np.ndarray
    scale: np.ndarray
    scale_mant: np.ndarray | None
    scale_exp: np.ndarray | None
    bits: int
    group_size: int
    scale_format: str

    @property
    def k(self) -> int:
        return int(self.q.shape[0])

    @property
    def n(self) -> int:
        return int(self.q.shape[1])

    def expand(self, per_group: np.ndarray) -> np.ndarray:
        """Broadcast a ``[G, N]`` array to ``[K, N]`` (row k takes group k // group_size)."""
        return per_group[group_index(self.k, self.group_size)]

    def dequantize(self) -> np.ndarray:
        """Real weights ``s * (q - z)``, float64 ``[K, N]``."""
        return self.expand(self.scale) * (self.q - self.expand(self.zero))


def quantize_weights(
    w: np.ndarray,
    bits: int = 4,
    group_size: int = 128,
    scale_format: Literal["fixed", "fp16"] = "fixed",
    scale_bits: int = 16,
) -> GroupQuantWeights:
    """Asymmetric min/max group quantization of ``w[K, N]`` along K.

    Per group: ``lo = min(w, 0)``, ``hi = max(w, 0)`` (zero is always exactly
    representable), ``s = (hi - lo) / (2**bits - 1)`` (1.0 for an all-zero
    group), unsigned zero ``z_u = rint(-lo / s)``, ``q_u = clip(rint(w / s) + z_u,
    0, 2**bits - 1)``; stored signed as ``q_u - 2**(bits-1)``.  The scale is then
    put in ``scale_format`` *before* the codes are chosen, so codes are the best
    ones for the scale the hardware actually uses.  The scale is rounded *up*
    into its format (ceil of the mantissa; next fp16 up), so ``[lo, hi]`` stays
    inside the code range and every value is within half a step: ``|w - s(q-z)|
    <= s/2``.

    Args:
        w: real weights, ``[K, N]``.
        bits: 2, 3, 4 or 8.
        group_size: values per group along K (> 0; 32/64/128 in the presets).
        scale_format: ``"fixed"`` (``scale_bits``-bit mantissa, per-column
            power-of-two exponent) or ``"fp16"``.
        scale_bits: mantissa width of fixed-point scales (2..32).

    Raises:
        InputError: bad bits, group size, scale format or array.
    """
    w = _check_matrix("weights", w).astype(np.float64)
    if bits not in WEIGHT_BITS:
        raise InputError("weight bits", f"must be one of {WEIGHT_BITS}, got {bits!r}")
    if isinstance(group_size, bool) or not isinstance(group_size, (int, np.integer)) or group_size <= 0:
        raise InputError("group_size", f"must be a positive integer, got {group_size!r}")
    if scale_format not in ("fixed", "fp16"):
        raise InputError("scale_format", f"allowed: fixed, fp16; got {scale_format!r}")
    if not isinstance(scale_bits, (int, np.integer)) or not 2 <= scale_bits <= 32:
        raise InputError("scale_bits", f"must be an integer in 2..32, got {scale_bits!r}")
    k, n = w.shape
    g = n_groups(k, group_size)
    pad = g * group_size - k
    # Pad the partial last group with zeros: they do not move min(w,0)/max(w,0).
    wp = np.concatenate([w, np.zeros((pad, n))]) if pad else w
    wg = wp.reshape(g, group_size, n)
    lo = np.minimum(wg.min(axis=1), 0.0)
    hi = np.maximum(wg.max(axis=1), 0.0)
    levels = 2**bits - 1
    s = np.where(hi > lo, (hi - lo) / levels, 1.0)

    mant = exp = None
    if scale_format == "fixed":
        mmax = 2**scale_bits - 1
        # Smallest exponent per column such that the largest scale fits the mantissa.
        exp = np.ceil(np.log2(s.max(axis=0) / mmax)).astype(np.int64)
        mant = np.ceil(s / np.exp2(exp)[None, :]).astype(np.int64)
        over = mant > mmax  # log2 round-off at the boundary
        if over.any():
            exp = exp + over.any(axis=0)
            mant = np.ceil(s / np.exp2(exp)[None, :]).astype(np.int64)
        mant = np.maximum(mant, 1)
        s = mant * np.exp2(exp)[None, :]
    else:
        s16 = s.astype(np.float16)
        s16 = np.where(s16.astype(np.float64) < s, np.nextafter(s16, np.float16(np.inf)), s16)
        s = np.maximum(s16, np.float16(np.finfo(np.float16).smallest_subnormal)).astype(np.float64)

    z_u = np.clip(np.rint(-lo / s), 0, levels)
    q_u = np.clip(np.rint(wg / s[:, None, :]) + z_u[:, None, :], 0, levels)
    off = 2 ** (bits - 1)
    q = (q_u.reshape(g * group_size, n)[:k] - off).astype(np.int64)
    z = (z_u - off).astype(np.int64)
    return GroupQuantWeights(q, z, s, mant, exp, bits, int(group_size), scale_format)


@dataclass(frozen=True)
class QuantActivations:
    """Symmetric INT8 activations: real value ``a * scale`` (scale ``[M, 1]`` or ``[1, 1]``)."""

    a: np.ndarray
    scale: np.ndarray
    granularity: str


def quantize_activations_int8(x: np.ndarray, granularity: Literal["token", "tensor"] = "token") -> QuantActivations:
    """Symmetric INT8 quantization of ``x[M, K]``: per token (row) or per tensor.

    ``scale = max|x| / 127`` (1.0 for an all-zero row/tensor); ``a = rint(x / scale)``
    in ``[-127, 127]``.
    """
    x = _check_matrix("activations", x).astype(np.float64)
    if granularity == "token":
        amax = np.abs(x).max(axis=1, keepdims=True)
    elif granularity == "tensor":
        amax = np.abs(x).max(keepdims=True).reshape(1, 1)
    else:
        raise InputError("activation granularity", f"allowed: token, tensor; got {granularity!r}")
    scale = np.where(amax > 0, amax / INT8_QMAX, 1.0)
    a = np.clip(np.rint(x / scale), -INT8_QMAX, INT8_QMAX).astype(np.int64)
    return QuantActivations(a, scale, granularity)


# --------------------------------------------------------------------------- integer path


def exact_int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of integer matrices, exact, as int64.

    Uses float64 BLAS when every partial sum is provably below 2**53 in magnitude
    (``K * max|a| * max|b| < 2**53``), so the float result is exact; int64 otherwise.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if a.size == 0 or b.size == 0:
        return a @ b
    bound = float(a.shape[1]) * float(np.abs(a).max()) * float(np.abs(b).max())
    if bound < 2.0**53:
        return (a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)
    return a @ b


def _check_pair(a: np.ndarray, wq: GroupQuantWeights) -> None:
    if a.ndim != 2 or a.shape[1] != wq.k:
        raise InputError("activations", f"must be [M, {wq.k}] to match the weights, got shape {a.shape}")


def mpgemm_dequant_first_int(a: np.ndarray, wq: GroupQuantWeights) -> np.ndarray:
    """Dequantize-then-multiply in fixed point: ``a @ (mant * (q - z))``, int64 ``[M, N]``.

    The real output is ``result * 2**scale_exp[n] * s_act`` (see :func:`to_real`).
    """
    _check_pair(a, wq)
    if wq.scale_mant is None:
        raise InputError("scale_format", "the integer path needs fixed-point scales")
    w_int = wq.expand(wq.scale_mant) * (wq.q - wq.expand(wq.zero))
    return exact_int_matmul(a, w_int)


def group_partial_sums(a: np.ndarray, wq: GroupQuantWeights) -> tuple[np.ndarray, np.ndarray]:
    """Per-group integer sums: ``P[g, m, n] = sum_{k in g} a[m,k] q[k,n]`` and ``S[g, m] = sum_{k in g} a[m,k]``."""
    _check_pair(a, wq)
    a = np.asarray(a, dtype=np.int64)
    gs, k = wq.group_size, wq.k
    g = n_groups(k, gs)
    P = np.empty((g, a.shape[0], wq.n), dtype=np.int64)
    S = np.empty((g, a.shape[0]), dtype=np.int64)
    for i in range(g):
        sl = slice(i * gs, min(k, (i + 1) * gs))
        P[i] = exact_int_matmul(a[:, sl], wq.q[sl])
        S[i] = a[:, sl].sum(axis=1)
    return P, S


def mpgemm_group_int(a: np.ndarray, wq: GroupQuantWeights) -> np.ndarray:
    """MixPE order in fixed point: ``sum_g mant_g * (P_g - z_g * S_g)``, int64 ``[M, N]``."""
    if wq.scale_mant is None:
        raise InputError("scale_format", "the integer path needs fixed-point scales")
    P, S = group_partial_sums(a, wq)
    D = P - wq.zero[:, None, :] * S[:, :, None]
    return np.einsum("gn,gmn->mn", wq.scale_mant, D)


def to_real(acc: np.ndarray, wq: GroupQuantWeights, act_scale: np.ndarray | float = 1.0) -> np.ndarray:
    """Fixed-point accumulator -> real output: ``acc * 2**scale_exp[n] * act_scale``."""
    if wq.scale_exp is None:
        raise ValueError("to_real needs fixed-format weights (scale_exp set by the fixed quantizer)")
    return acc * np.exp2(wq.scale_exp)[None, :] * act_scale


# --------------------------------------------------------------------------- FP16 path


def mpgemm_dequant_first_fp16_exact(x16: np.ndarray, wq: GroupQuantWeights) -> np.ndarray:
    """Reference for W4A16: ``x @ (s * (q - z))`` with fp16 inputs, computed in float64.

    Every product of an fp16 activation and a dequantized weight is exact in float64;
    only the summation rounds (relative 2**-53 per add): the exact reference.
    """
    _check_pair(x16, wq)
    return np.asarray(x16, dtype=np.float16).astype(np.float64) @ wq.dequantize()


def mpgemm_group_fp16(x16: np.ndarray, wq: GroupQuantWeights) -> np.ndarray:
    """MixPE order for W4A16, as the PE computes it, float32 ``[M, N]``.

    Per group: ``P_g = sum a_k q_k`` and ``S_g = sum a_k`` accumulated in FP32 in
    increasing k (each fp16 x int4 product is exact in FP32: 11 + 4 significand
    bits); ``D = P_g - z_g * S_g`` in FP32; ``O += s_g * D`` in FP32 over groups.
    """
    _check_pair(x16, wq)
    x = np.asarray(x16, dtype=np.float16).astype(np.float32)
    q = wq.q.astype(np.float32)
    m, k = x.shape
    gs = wq.group_size
    out = np.zeros((m, wq.n), dtype=np.float32)
    for gi in range(n_groups(k, gs)):
        P = np.zeros((m, wq.n), dtype=np.float32)
        S = np.zeros((m, 1), dtype=np.float32)
        for kk in range(gi * gs, min(k, (gi + 1) * gs)):
            P = P + x[:, kk : kk + 1] * q[kk][None, :]
            S = S + x[:, kk : kk + 1]
        D = P - wq.zero[gi].astype(np.float32)[None, :] * S
        out = out + wq.scale[gi].astype(np.float32)[None, :] * D
    return out


def fp16_error_bound_terms(x16: np.ndarray, wq: GroupQuantWeights) -> np.ndarray:
    """Magnitude scale for the FP16-path error: ``sum_g s_g sum_{k in g} |a_k| (|q_k| + |z_g|)``, ``[M, N]``.

    The tolerance of :func:`mpgemm_group_fp16` is stated relative to this
    (cancellation in ``P - z S`` makes a plain relative error meaningless).
    """
    x = np.abs(np.asarray(x16, dtype=np.float16).astype(np.float64))
    mag = wq.expand(wq.scale) * (np.abs(wq.q) + np.abs(wq.expand(wq.zero)))
    return x @ mag


# --------------------------------------------------------------------------- shift-and-add PE numerics


def shift_add_product(a: np.ndarray, w: np.ndarray, w_bits: int = 4) -> np.ndarray:
    """``a * w`` as the MixPE PE forms it: one gated, shifted copy of ``a`` per weight bit.

    ``w`` is a ``w_bits``-bit two's-complement code; bit ``i < w_bits-1`` adds
    ``a << i`` when set, the sign bit subtracts ``a << (w_bits-1)``.  Integer
    arrays of any shape (broadcast); int64 result.
    """
    a = np.asarray(a, dtype=np.int64)
    w = np.asarray(w, dtype=np.int64)
    lo, hi = -(1 << (w_bits - 1)), (1 << (w_bits - 1)) - 1
    if np.any(w < lo) or np.any(w > hi):
        raise InputError("weight code", f"must be a {w_bits}-bit signed code in [{lo}, {hi}]")
    u = w & ((1 << w_bits) - 1)
    acc = np.zeros(np.broadcast(a, w).shape, dtype=np.int64)
    for i in range(w_bits - 1):
        acc = acc + np.where((u >> i) & 1, a << i, 0)
    return acc - np.where((u >> (w_bits - 1)) & 1, a << (w_bits - 1), 0)


def fp16_fields(x16: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sign 0/1, unbiased exponent, 11-bit significand with hidden bit) of finite fp16 values.

    ``x = (-1)**sign * significand * 2**(exponent - 10)``; subnormals use exponent -14
    and no hidden bit.
    """
    bits = np.asarray(x16, dtype=np.float16).view(np.uint16).astype(np.int64)
    sign = bits >> 15
    e = (bits >> 10) & 0x1F
    frac = bits & 0x3FF
    if np.any(e == 0x1F):
        raise InputError("activations", "fp16 inf/nan is not supported")
    sig = np.where(e == 0, frac, frac | 0x400)
    exp = np.where(e == 0, -14, e - 15)
    return sign, exp, sig


def fp16_shift_add_product(x16: np.ndarray, w: np.ndarray, w_bits: int = 4) -> np.ndarray:
    """fp16 activation x signed INT code by shift-and-add on the significand (exponent kept).

    The product is ``(-1)**sign * shift_add_product(significand, w) * 2**(exp - 10)``:
    a signed integer of at most ``11 + w_bits`` bits and the activation's exponent.
    Returned as float64, where it is exact.
    """
    sign, exp, sig = fp16_fields(x16)
    mag = shift_add_product(sig, w, w_bits)
    return np.where(sign == 1, -mag, mag) * np.exp2(exp - 10)


def fp16_group_sums_fixed(x16: np.ndarray, q: np.ndarray, group_size: int) -> tuple[list[int], list[int]]:
    """Exact W4A16 group sums of one output: ``P_g = sum x q`` and ``S_g = sum x`` as Python
    integers in units of ``2**-24`` (every finite fp16 value is a multiple of it).

    ``x16``: fp16 activations ``[K]``; ``q``: signed weight codes ``[K]``.  This is what the
    fixed-point W4A16 group stage of rtl/mixpe/pe_fp16.py computes.
    """
    x = np.asarray(x16, dtype=np.float16).astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise InputError("activations", "fp16 inf/nan is not supported")
    xi = [int(v) for v in np.ldexp(x, 24)]  # exact: |x| * 2**24 < 2**40
    qi = [int(v) for v in np.asarray(q)]
    P, S = [], []
    for g0 in range(0, len(xi), group_size):
        P.append(sum(a * b for a, b in zip(xi[g0 : g0 + group_size], qi[g0 : g0 + group_size])))
        S.append(sum(xi[g0 : g0 + group_size]))
    return P, S
