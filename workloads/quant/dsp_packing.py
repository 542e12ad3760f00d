"""Packed INT8 x2 arithmetic of one DSP48 and of a DSP group (DG) — the functional model.

Two INT8 activations share one INT8 weight in a DSP48 (FlightLLM CSD-chain):

* pre-adder input (27 bit, signed): ``pack = a_hi * 2**18 + a_lo``;
* product (45 bit in the 48-bit P register): ``p = pack * w = (a_hi*w) * 2**18 + a_lo*w``;
* split: the lower product is the sign-extended low 18 bits, ``lo = sext18(p[17:0])``;
  because ``a_lo*w`` may be negative it *borrows* from the upper field, so the upper
  product is corrected by adding back bit 17: ``hi = (p >>> 18) + p[17]``.

The split is exact while the lower field stays in the signed 18-bit range
``[-2**17, 2**17 - 1]``; one INT8 x INT8 product is at most ``2**14`` in magnitude, so a
cascade of at most 8 products (7 with the (-128)(-128) corner) could be split at its
end.  Our DG (2 DSPs) splits after every 2 products (the *Overflow Adjust Unit*), and
keeps the two lanes apart at full width from then on, so any chain length is exact.

This module is what ``rtl/flightllm`` is checked against, bit for bit; it lives in
``workloads.quant`` because rtl/ may import only functional numerics from there
(tests/test_layering.py).  The FlightLLM cycle model uses it via ``sim.flightllm.dsp_chain``.
"""

from __future__ import annotations

import numpy as np

#: lower-field width of the packed product (DSP48 B-port / shift)
LO_BITS = 18
#: width of the two accumulation lanes leaving a DG (hi and lo), two's complement
LANE_BITS = 32
#: activations per sparse-MUX window (M of N:M)
WINDOW = 16


def wrap(x: int, bits: int) -> int:
    """``x`` reduced to a signed ``bits``-bit two's-complement value."""
    m = 1 << bits
    x &= m - 1
    return x - m if x >= (m >> 1) else x


def pack(a_hi: int, a_lo: int) -> int:
    """27-bit pre-adder input holding two INT8 activations offset by 18 bits."""
    return a_hi * (1 << LO_BITS) + a_lo


def split(p: int) -> tuple[int, int]:
    """(hi, lo) of a packed sum: lo = sext18(p[17:0]); hi = (p >> 18) + p[17]."""
    lo = wrap(p, LO_BITS)
    hi = (p >> LO_BITS) + ((p >> (LO_BITS - 1)) & 1)
    return hi, lo


def dg_step(
    win_hi: list[int], win_lo: list[int], w0: int, w1: int, idx0: int, idx1: int, cin_hi: int, cin_lo: int, zero: bool
) -> tuple[int, int]:
    """One DG beat: two DSPs pick activations by index, multiply packed, split, accumulate.

    Args:
        win_hi, win_lo: the M=16 activation window (INT8) of the upper / lower token.
        w0, w1: INT8 weights of DSP 0 and DSP 1 (0 for an unused DSP).
        idx0, idx1: 4-bit sparse indices into the window.
        cin_hi, cin_lo: cascade input lanes (from the previous DG).
        zero: Z-MUX — start a new sum (the previous DG's Reduction Node emitted).

    Returns:
        (hi, lo) lanes after this DG, wrapped to :data:`LANE_BITS`.
    """
    p = pack(win_hi[idx0], win_lo[idx0]) * w0 + pack(win_hi[idx1], win_lo[idx1]) * w1
    hi, lo = split(p)
    base_hi, base_lo = (0, 0) if zero else (cin_hi, cin_lo)
    return wrap(base_hi + hi, LANE_BITS), wrap(base_lo + lo, LANE_BITS)


def dg_step_vec(
    win_hi: np.ndarray,
    win_lo: np.ndarray,
    w0: np.ndarray,
    w1: np.ndarray,
    idx0: np.ndarray,
    idx1: np.ndarray,
    cin_hi: np.ndarray,
    cin_lo: np.ndarray,
    zero: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`dg_step` over a batch of beats (arrays; windows shaped [beats, 16]), int64."""
    r = np.arange(len(w0))
    ph = win_hi.astype(np.int64)
    pl = win_lo.astype(np.int64)
    p = ((ph[r, idx0] << LO_BITS) + pl[r, idx0]) * w0.astype(np.int64) + (
        (ph[r, idx1] << LO_BITS) + pl[r, idx1]
    ) * w1.astype(np.int64)
    lo_mask = (1 << LO_BITS) - 1
    lo = p & lo_mask
    lo = np.where(lo >= (1 << (LO_BITS - 1)), lo - (1 << LO_BITS), lo)
    hi = (p >> LO_BITS) + ((p >> (LO_BITS - 1)) & 1)
    z = zero.astype(bool)
    bh = np.where(z, 0, cin_hi.astype(np.int64))
    bl = np.where(z, 0, cin_lo.astype(np.int64))
    return _wrap_vec(bh + hi, LANE_BITS), _wrap_vec(bl + lo, LANE_BITS)


def _wrap_vec(x: np.ndarray, bits: int) -> np.ndarray:
    m = np.int64(1) << bits
    x = x & (m - 1)
    return np.where(x >= (m >> 1), x - m, x)


def chain_step(
    win_hi: list[list[int]], win_lo: list[list[int]], w: list[int], idx: list[int], seg: int
) -> list[tuple[int, int]]:
    """One beat through a chain of ``len(win_hi)`` DGs configured for blocks of ``1 << seg`` DGs.

    DG ``j`` uses window ``j`` and DSP weights/indices ``2j, 2j+1``; the first DG of each
    block starts a new sum (Z-MUX), the others add their cascade input.  Returns the
    (hi, lo) lanes after every DG; a block's result is the entry of its last DG.
    """
    span = 1 << seg
    out: list[tuple[int, int]] = []
    cin = (0, 0)
    for j in range(len(win_hi)):
        cin = dg_step(
            win_hi[j], win_lo[j], w[2 * j], w[2 * j + 1], idx[2 * j], idx[2 * j + 1], cin[0], cin[1], j % span == 0
        )
        out.append(cin)
    return out
