"""Quantization-quality metrics: mean squared error and signal-to-quantization-noise ratio.

All functions take the original tensor ``x`` and its quantize-dequantize image
``xq`` (same shape, same units) and return plain floats.
"""

from __future__ import annotations

import math

import numpy as np

from llmaccel.workloads.errors import InputError


def _pair(x: np.ndarray, xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    xq = np.asarray(xq, dtype=np.float64)
    if x.shape != xq.shape:
        raise InputError("tensor", f"shapes differ: {x.shape} vs {xq.shape}")
    if x.size == 0:
        raise InputError("tensor", "must not be empty")
    return x, xq


def mse(x: np.ndarray, xq: np.ndarray) -> float:
    """Mean squared error ``mean((x - xq)^2)`` in squared units of ``x``."""
    x, xq = _pair(x, xq)
    return float(np.mean((x - xq) ** 2))


def sqnr_db(x: np.ndarray, xq: np.ndarray) -> float:
    """SQNR in dB: ``10 log10(sum x^2 / sum (x - xq)^2)``; +inf when exact, -inf for a zero signal."""
    x, xq = _pair(x, xq)
    noise = float(np.sum((x - xq) ** 2))
    signal = float(np.sum(x**2))
    if noise == 0.0:
        return math.inf
    if signal == 0.0:
        return -math.inf
    return 10.0 * math.log10(signal / noise)


__all__ = ["mse", "sqnr_db"]
