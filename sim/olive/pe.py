"""Functional model of OliVe's PE arithmetic (bit-exact integers; values in LSB units).

* :func:`exp_int_mac` — ``<ea, ia> x <eb, ib> = (ia * ib) << (ea + eb)``.
* :func:`mul8_via_4bit` — an 8-bit MAC on four 4-bit PEs (spec/olive.md):
  ``x = hx * 16 + lx`` with ``hx`` the signed high nibble and ``lx`` the unsigned
  low nibble, so ``x*y = <4,hx><4,hy> + <4,hx><0,ly> + <0,lx><4,hy> + <0,lx><0,ly>``
  (exponents add: the first term is shifted by 8), summed by one adder.
"""

from __future__ import annotations

import numpy as np

NIBBLE = 4


def exp_int_mac(ea, ia, eb, ib) -> np.ndarray:
    """Shifted integer products (int64)."""
    return (np.asarray(ia, np.int64) * np.asarray(ib, np.int64)) << (
        np.asarray(ea, np.int64) + np.asarray(eb, np.int64)
    )


def split8(x) -> tuple[np.ndarray, np.ndarray]:
    """Signed 8-bit ints -> (signed high nibble, unsigned low nibble)."""
    x = np.asarray(x, np.int64)
    return x >> NIBBLE, x & ((1 << NIBBLE) - 1)


def mul8_via_4bit(x, y) -> np.ndarray:
    """``x * y`` for signed 8-bit ints computed as four 4-bit exponent-integer products."""
    hx, lx = split8(x)
    hy, ly = split8(y)
    return (
        exp_int_mac(NIBBLE, hx, NIBBLE, hy)
        + exp_int_mac(NIBBLE, hx, 0, ly)
        + exp_int_mac(0, lx, NIBBLE, hy)
        + exp_int_mac(0, lx, 0, ly)
    )
