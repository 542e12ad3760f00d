"""Test vectors for the MixPE PE, with expected values from the numerics in
workloads/quant/group.py (never from the RTL).

* every INT4 x INT8 pair (4096) once, packed ``lanes`` per beat, grouped into outputs;
* random output streams: group sizes 32/64/128 and odd multiples of the lane count,
  partial last groups, random scales (corners 1 and 2**scale_bits - 1) and zero points
  (corners -8 and 7), idle beats with garbage data between and inside streams.
"""
from __future__ import annotations

import numpy as np

from workloads.quant.group import GroupQuantWeights, mpgemm_dequant_first_int, mpgemm_group_int
from rtl.mixpe.pe import LATENCY, MixPEConfig


def _pack(vals, bits: int) -> int:
    out = 0
    for i, v in enumerate(vals):
        out |= (int(v) & ((1 << bits) - 1)) << (i * bits)
    return out


def _expected(a: np.ndarray, q: np.ndarray, mant: np.ndarray, zero: np.ndarray, gs: int) -> int:
    wq = GroupQuantWeights(q[:, None], zero[:, None], mant[:, None].astype(np.float64), mant[:, None],
                           np.zeros(1, dtype=np.int64), 4, gs, "fixed")
    v1 = int(mpgemm_group_int(a[None, :], wq)[0, 0])
    v2 = int(mpgemm_dequant_first_int(a[None, :], wq)[0, 0])   # independent order
    assert v1 == v2
    return v1


def build(cfg: MixPEConfig, seed: int = 7, n_random: int = 160) -> dict:
    """Vectors dict for rtl/mixpe/tb_pe.py."""
    rng = np.random.default_rng(seed)
    L = cfg.lanes
    wlo, whi = -(1 << (cfg.w_bits - 1)), (1 << (cfg.w_bits - 1)) - 1
    alo, ahi = -(1 << (cfg.a_bits - 1)), (1 << (cfg.a_bits - 1)) - 1
    smax = (1 << cfg.scale_bits) - 1
    beats: list[list[int]] = []
    prods: dict[str, list[int]] = {}
    outs: list[list[int]] = []

    def idle():
        beats.append([int(rng.integers(0, 1 << (L * cfg.a_bits))), int(rng.integers(0, 1 << (L * cfg.w_bits))),
                      0, int(rng.integers(0, 2)), int(rng.integers(0, 2)), int(rng.integers(0, smax + 1)),
                      int(rng.integers(wlo, whi + 1))])

    def emit(a: np.ndarray, q: np.ndarray, gs: int, mant: np.ndarray, zero: np.ndarray, p_idle: float) -> None:
        k = a.size
        pad = (-k) % L
        ap = np.concatenate([a, np.zeros(pad, np.int64)])
        qp = np.concatenate([q, np.zeros(pad, np.int64)])
        nb = ap.size // L
        for b in range(nb):
            while rng.random() < p_idle:
                idle()
            lo = b * L
            hi_k = min(k, lo + L)                      # last real element in this beat
            g_of_last = (hi_k - 1) // gs
            grp_end = int(hi_k == k or (hi_k % gs == 0))
            out_end = int(b == nb - 1)
            beats.append([_pack(ap[lo:lo + L], cfg.a_bits), _pack(qp[lo:lo + L], cfg.w_bits), 1, grp_end,
                          out_end, int(mant[g_of_last]) if grp_end else int(rng.integers(0, smax + 1)),
                          int(zero[g_of_last]) if grp_end else int(rng.integers(wlo, whi + 1))])
            prods[str(len(beats) - 1)] = [int(x) for x in ap[lo:lo + L] * qp[lo:lo + L]]   # numpy product
        outs.append([len(beats) - 1, _expected(a, q, mant, zero, gs)])

    # 1. every (a, w) pair once: 4096 pairs -> outputs of 4 groups of 128
    aa, ww = np.meshgrid(np.arange(alo, ahi + 1), np.arange(wlo, whi + 1), indexing="ij")
    order = rng.permutation(aa.size)
    a_all, w_all = aa.ravel()[order], ww.ravel()[order]
    chunk = 4 * 128
    for s in range(0, a_all.size, chunk):
        g = 4
        emit(a_all[s:s + chunk], w_all[s:s + chunk], 128, rng.integers(1, smax + 1, g), rng.integers(wlo, whi + 1, g), 0.0)

    # 2. random streams with group boundaries, zero points, partial groups, bubbles
    for i in range(n_random):
        gs = int(rng.choice([32, 64, 128, L * int(rng.integers(1, cfg.max_group // L + 1))]))
        k = int(rng.integers(1, 6 * gs + 1))
        g = -(-k // gs)
        a = rng.integers(alo, ahi + 1, k)
        q = rng.integers(wlo, whi + 1, k)
        mant = rng.integers(1, smax + 1, g)
        zero = rng.integers(wlo, whi + 1, g)
        if i % 10 == 0:                               # corners: extreme operands and scales
            a = rng.choice([alo, ahi], k)
            q = rng.choice([wlo, whi], k)
            mant = np.full(g, smax)
            zero = rng.choice([wlo, whi], g)
        emit(a, q, gs, mant, zero, 0.0 if i % 3 == 0 else 0.08)
    return {"lanes": L, "prod_bits": cfg.prod_bits, "latency": LATENCY, "beats": beats, "prods": prods, "outs": outs}
