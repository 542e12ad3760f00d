"""Test vectors for the MixPE PE, with expected values from the numerics in
workloads/quant/group.py (never from the RTL).

* every INT4 x INT8 pair (4096) once, packed ``lanes`` per beat, grouped into outputs;
* random output streams: group sizes 32/64/128 and odd multiples of the lane count,
  partial last groups, random scales (corners 1 and 2**scale_bits - 1) and zero points
  (corners -8 and 7), idle beats with garbage data between and inside streams.
"""

from __future__ import annotations

import numpy as np

from llmaccel.rtl.mixpe.pe import LATENCY, MixPEConfig
from llmaccel.workloads.quant.group import GroupQuantWeights, mpgemm_dequant_first_int, mpgemm_group_int


def _pack(vals, bits: int) -> int:
    out = 0
    for i, v in enumerate(vals):
        out |= (int(v) & ((1 << bits) - 1)) << (i * bits)
    return out


def _expected(a: np.ndarray, q: np.ndarray, mant: np.ndarray, zero: np.ndarray, gs: int) -> int:
    wq = GroupQuantWeights(
        q[:, None],
        zero[:, None],
        mant[:, None].astype(np.float64),
        mant[:, None],
        np.zeros(1, dtype=np.int64),
        4,
        gs,
        "fixed",
    )
    v1 = int(mpgemm_group_int(a[None, :], wq)[0, 0])
    v2 = int(mpgemm_dequant_first_int(a[None, :], wq)[0, 0])  # independent order
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
        beats.append(
            [
                int(rng.integers(0, 1 << (L * cfg.a_bits))),
                int(rng.integers(0, 1 << (L * cfg.w_bits))),
                0,
                int(rng.integers(0, 2)),
                int(rng.integers(0, 2)),
                int(rng.integers(0, smax + 1)),
                int(rng.integers(wlo, whi + 1)),
            ]
        )

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
            hi_k = min(k, lo + L)  # last real element in this beat
            g_of_last = (hi_k - 1) // gs
            grp_end = int(hi_k == k or (hi_k % gs == 0))
            out_end = int(b == nb - 1)
            beats.append(
                [
                    _pack(ap[lo : lo + L], cfg.a_bits),
                    _pack(qp[lo : lo + L], cfg.w_bits),
                    1,
                    grp_end,
                    out_end,
                    int(mant[g_of_last]) if grp_end else int(rng.integers(0, smax + 1)),
                    int(zero[g_of_last]) if grp_end else int(rng.integers(wlo, whi + 1)),
                ]
            )
            prods[str(len(beats) - 1)] = [int(x) for x in ap[lo : lo + L] * qp[lo : lo + L]]  # numpy product
        outs.append([len(beats) - 1, _expected(a, q, mant, zero, gs)])

    # 1. every (a, w) pair once: 4096 pairs -> outputs of 4 groups of 128
    aa, ww = np.meshgrid(np.arange(alo, ahi + 1), np.arange(wlo, whi + 1), indexing="ij")
    order = rng.permutation(aa.size)
    a_all, w_all = aa.ravel()[order], ww.ravel()[order]
    chunk = 4 * 128
    for s in range(0, a_all.size, chunk):
        g = 4
        emit(
            a_all[s : s + chunk],
            w_all[s : s + chunk],
            128,
            rng.integers(1, smax + 1, g),
            rng.integers(wlo, whi + 1, g),
            0.0,
        )

    # 2. random streams with group boundaries, zero points, partial groups, bubbles
    for i in range(n_random):
        gs = int(rng.choice([32, 64, 128, L * int(rng.integers(1, cfg.max_group // L + 1))]))
        k = int(rng.integers(1, 6 * gs + 1))
        g = -(-k // gs)
        a = rng.integers(alo, ahi + 1, k)
        q = rng.integers(wlo, whi + 1, k)
        mant = rng.integers(1, smax + 1, g)
        zero = rng.integers(wlo, whi + 1, g)
        if i % 10 == 0:  # corners: extreme operands and scales
            a = rng.choice([alo, ahi], k)
            q = rng.choice([wlo, whi], k)
            mant = np.full(g, smax)
            zero = rng.choice([wlo, whi], g)
        emit(a, q, gs, mant, zero, 0.0 if i % 3 == 0 else 0.08)
    return {"lanes": L, "prod_bits": cfg.prod_bits, "latency": LATENCY, "beats": beats, "prods": prods, "outs": outs}


def build_fp16(lanes: int = 4, seed: int = 9, n_random: int = 40) -> dict:
    """Vectors for rtl/mixpe/tb_pe_fp16.py, expected sums from
    :func:`workloads.quant.group.fp16_group_sums_fixed`.

    * every 11-bit significand pattern (all 1,024 fractions, exponent field 15) x every INT4
      code (16,384 pairs: the whole shift-add table), and every exponent field 0..30 x both
      signs x every code with random fractions (the exponent shift), in groups of one beat
      (so each group sum is one beat's ``lanes`` products);
    * corners: groups of 128 copies of +-65504 (largest fp16) x -8 and of the smallest
      subnormal;
    * random streams: group sizes 32/64/128 and multiples of ``lanes``, partial last
      groups, idle beats with garbage.
    """
    from llmaccel.rtl.mixpe.pe_fp16 import LATENCY as FP_LATENCY
    from llmaccel.workloads.quant.group import fp16_group_sums_fixed

    rng = np.random.default_rng(seed)
    L = lanes
    beats: list[list[int]] = []
    outs: list[list[int]] = []
    frac, code = np.meshgrid(np.arange(1024), np.arange(-8, 8), indexing="ij")
    sig_bits = ((15 << 10) | frac.ravel()).astype(np.uint16)
    ex, sg, cd = np.meshgrid(np.arange(31), np.arange(2), np.arange(-8, 8), indexing="ij")
    exp_bits = ((sg.ravel() << 15) | (ex.ravel() << 10) | rng.integers(0, 1024, ex.size)).astype(np.uint16)
    pair_bits = np.concatenate([sig_bits, exp_bits])
    pair_codes = np.concatenate([code.ravel(), cd.ravel()])

    def stream(bits: np.ndarray, q: np.ndarray, gs: int, p_idle: float) -> None:
        k = bits.size
        pad = (-k) % L
        bp = np.concatenate([bits, np.zeros(pad, np.uint16)])
        qp = np.concatenate([q, np.zeros(pad, np.int64)])
        P, S = fp16_group_sums_fixed(bits.view(np.float16), q, gs)
        g = 0
        for b in range(bp.size // L):
            while rng.random() < p_idle:
                beats.append(
                    [
                        _pack(rng.integers(0, 1 << 16, L), 16),
                        _pack(rng.integers(0, 16, L), 4),
                        0,
                        int(rng.integers(0, 2)),
                    ]
                )
            hi = min(k, (b + 1) * L)
            end = int(hi == k or hi % gs == 0)
            beats.append([_pack(bp[b * L : (b + 1) * L], 16), _pack(qp[b * L : (b + 1) * L], 4), 1, end])
            if end:
                outs.append([len(beats) - 1, P[g], S[g]])
                g += 1

    order = rng.permutation(pair_bits.size)
    stream(pair_bits[order], pair_codes[order], L, 0.0)
    big = np.array([0x7BFF], np.uint16)  # 65504
    stream(np.repeat(big, 128), np.full(128, -8), 128, 0.0)
    stream(np.repeat(big | 0x8000, 128), np.full(128, -8), 128, 0.0)
    stream(np.repeat(np.array([1], np.uint16), 128), np.full(128, 7), 128, 0.0)
    for i in range(n_random):
        gs = int(rng.choice([32, 64, 128, L * int(rng.integers(1, 128 // L + 1))]))
        k = int(rng.integers(1, 3 * gs + 1))
        bits = rng.integers(0, 1 << 16, k).astype(np.uint16)
        bits = np.where(((bits >> 10) & 0x1F) == 0x1F, bits & 0x83FF, bits).astype(np.uint16)
        stream(bits, rng.integers(-8, 8, k), gs, 0.0 if i % 3 == 0 else 0.08)
    return {"latency": FP_LATENCY, "beats": beats, "outs": outs}
