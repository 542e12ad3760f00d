"""Outlier-aware functional quantizers of the prior designs OliVe compares with.

* :func:`gobo_quantize` (GOBO, MICRO 2020): weights only.  Values farther than
  ``sigmas`` standard deviations from the mean are outliers kept in FP32; the
  rest are replaced by one of ``2^bits`` centroids (1-D k-means, Lloyd
  iterations from a uniform start).  Stored: ``bits`` per normal value plus, per
  outlier, its FP32 value and a position index.
* :func:`olaccel_quantize` (OLAccel, ISCA 2018): the ``outlier_ratio`` largest
  magnitudes are outliers kept at ``outlier_bits`` (int, own scale); the rest are
  ``bits``-bit symmetric ints with the outlier threshold as their range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmaccel.workloads.errors import InputError

#: GOBO's outlier threshold: |x - mean| > 3 sigma (GOBO paper, Sec. 3).
GOBO_SIGMAS = 3.0
#: Lloyd iterations for GOBO's centroids (assumed: converged to < 1e-3 relative change on Gaussian data).
GOBO_ITERS = 12


@dataclass
class OutlierQuant:
    """Result of an outlier-aware quantizer.

    Attributes:
        xq: dequantized tensor (same shape as the input).
        outlier_mask: True where the value went to the outlier path.
        bits_per_value: average storage bits per value (normals + outlier payload + index).
    """

    xq: np.ndarray
    outlier_mask: np.ndarray
    bits_per_value: float

    @property
    def outlier_frac(self) -> float:
        return float(np.mean(self.outlier_mask))


def _check(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0 or not np.isfinite(x).all():
        raise InputError("tensor", "must be non-empty and finite")
    return x


def _index_bits(n: int) -> int:
    return max(1, int(np.ceil(np.log2(max(n, 2)))))


def gobo_quantize(x: np.ndarray, bits: int = 3, sigmas: float = GOBO_SIGMAS, iters: int = GOBO_ITERS) -> OutlierQuant:
    """GOBO-style: FP32 outliers beyond ``sigmas`` std devs, ``2^bits`` centroids for the rest."""
    x = _check(x)
    if not 1 <= bits <= 8:
        raise InputError("bits", f"must be 1..8, got {bits}")
    mu, sd = float(x.mean()), float(x.std())
    out = np.abs(x - mu) > sigmas * sd
    normal = x[~out]
    xq = x.copy()
    if normal.size:
        k = 1 << bits
        lo, hi = float(normal.min()), float(normal.max())
        cent = np.linspace(lo, hi, k) if hi > lo else np.full(k, lo)
        for _ in range(iters):
            edges = (cent[1:] + cent[:-1]) / 2
            idx = np.searchsorted(edges, normal)
            sums = np.bincount(idx, weights=normal, minlength=k)
            cnts = np.bincount(idx, minlength=k)
            cent = np.where(cnts > 0, sums / np.maximum(cnts, 1), cent)
            cent = np.sort(cent)
        idx = np.searchsorted((cent[1:] + cent[:-1]) / 2, normal)
        xq[~out] = cent[idx]
    xq[out] = x[out].astype(np.float32)
    n_out = int(out.sum())
    bpv = (bits * (x.size - n_out) + n_out * (32 + _index_bits(x.size))) / x.size
    return OutlierQuant(xq, out, bpv)


def olaccel_quantize(x: np.ndarray, bits: int = 4, outlier_bits: int = 8, outlier_ratio: float = 0.03) -> OutlierQuant:
    """OLAccel-style: top ``outlier_ratio`` magnitudes at ``outlier_bits``, the rest ``bits``-bit ints."""
    x = _check(x)
    if not 0.0 <= outlier_ratio < 1.0:
        raise InputError("outlier_ratio", f"must be in [0, 1), got {outlier_ratio}")
    if not 2 <= bits < outlier_bits <= 16:
        raise InputError("bits", f"need 2 <= bits < outlier_bits <= 16, got {bits}, {outlier_bits}")
    mag = np.abs(x)
    thr = float(np.quantile(mag, 1.0 - outlier_ratio)) if outlier_ratio > 0 else float(mag.max())
    if thr == 0.0:
        thr = float(mag.max()) or 1.0
    out = mag > thr
    qn = (1 << (bits - 1)) - 1
    qo = (1 << (outlier_bits - 1)) - 1
    s_n = thr / qn
    s_o = float(mag.max()) / qo if out.any() else 1.0
    xq = np.where(out, np.clip(np.round(x / s_o), -qo, qo) * s_o, np.clip(np.round(x / s_n), -qn, qn) * s_n)
    n_out = int(out.sum())
    bpv = (bits * x.size + n_out * (outlier_bits + _index_bits(x.size))) / x.size
    return OutlierQuant(xq, out, bpv)


__all__ = ["gobo_quantize", "olaccel_quantize", "OutlierQuant", "GOBO_SIGMAS"]
