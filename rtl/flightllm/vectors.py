"""Test vectors for the FlightLLM DG slice, with expected outputs from the functional model
(``workloads.quant.dsp_packing.dg_step``).

Corners: every combination of the INT8 corner values {-128, -127, -1, 0, 1, 127} for
(a_hi, a_lo, w) of DSP 0 (216 beats, DSP 1 random) and of DSP 1 (216 beats), the cascade
corners {-2**31, 2**31 - 1, -1, 0, 1} with and without the Z-MUX, equal indices, all 16
indices; then ``n_random`` random beats (dense: both DSPs used; N:M: w1 = 0 on odd
slots; random zero/emit/valid).  Deterministic for a seed.
"""
from __future__ import annotations

import itertools

import numpy as np

from workloads.quant.dsp_packing import LANE_BITS, WINDOW, chain_step, dg_step

CORNERS = (-128, -127, -1, 0, 1, 127)
CIN_CORNERS = (-(1 << (LANE_BITS - 1)), (1 << (LANE_BITS - 1)) - 1, -1, 0, 1)


def _packwin(vals) -> int:
    out = 0
    for i, v in enumerate(vals):
        out |= (int(v) & 0xFF) << (8 * i)
    return out


def build(seed: int = 7, n_random: int = 3000) -> dict:
    rng = np.random.default_rng(seed)
    beats = []

    def rnd_win():
        return [int(x) for x in rng.integers(-128, 128, WINDOW)]

    def add(win_hi, win_lo, w0, w1, i0, i1, ch, cl, z, e, v):
        beats.append(dict(win_hi=win_hi, win_lo=win_lo, w0=w0, w1=w1, idx0=i0, idx1=i1,
                          cin_hi=ch, cin_lo=cl, zero=z, emit=e, valid=v))

    for dsp in (0, 1):
        for a_hi, a_lo, w in itertools.product(CORNERS, CORNERS, CORNERS):
            wh, wl = rnd_win(), rnd_win()
            i = int(rng.integers(0, WINDOW))
            j = (i + 1 + int(rng.integers(0, WINDOW - 1))) % WINDOW
            wh[i], wl[i] = a_hi, a_lo
            other = int(rng.integers(-128, 128))
            w0, w1, i0, i1 = (w, other, i, j) if dsp == 0 else (other, w, j, i)
            add(wh, wl, w0, w1, i0, i1, int(rng.integers(-1000, 1000)), int(rng.integers(-1000, 1000)), 0, 1, 1)
    for ch, cl in itertools.product(CIN_CORNERS, CIN_CORNERS):
        for z in (0, 1):
            add([-128] * WINDOW, [-128] * WINDOW, -128, -128, 3, 3, ch, cl, z, 1, 1)
    for i in range(WINDOW):
        add(rnd_win(), rnd_win(), int(rng.integers(-128, 128)), int(rng.integers(-128, 128)), i, i, 0, 0, 1, 1, 1)
    for t in range(n_random):
        sparse = t % 2 == 1
        add(rnd_win(), rnd_win(), int(rng.integers(-128, 128)), 0 if sparse else int(rng.integers(-128, 128)),
            int(rng.integers(0, WINDOW)), int(rng.integers(0, WINDOW)),
            int(rng.integers(-(1 << 31), 1 << 31)) if t % 5 == 0 else int(rng.integers(-200000, 200000)),
            int(rng.integers(-(1 << 31), 1 << 31)) if t % 7 == 0 else int(rng.integers(-200000, 200000)),
            int(rng.random() < 0.3), int(rng.random() < 0.5), int(rng.random() < 0.9))
    expect = []
    for b in beats:
        hi, lo = dg_step(b["win_hi"], b["win_lo"], b["w0"], b["w1"], b["idx0"], b["idx1"],
                         b["cin_hi"], b["cin_lo"], bool(b["zero"]))
        expect.append([hi, lo, b["valid"], b["valid"] & b["emit"]])
    drive = [[_packwin(b["win_hi"]), _packwin(b["win_lo"]), b["w0"], b["w1"], b["idx0"], b["idx1"],
              b["cin_hi"], b["cin_lo"], b["zero"], b["emit"], b["valid"]] for b in beats]
    return {"beats": drive, "expect": expect}


def build_chain(groups: int = 8, seed: int = 9, n_random: int = 600) -> dict:
    """Beats for rtl/flightllm/dsp_chain.py: every N:M setting (seg 0..3 -> N = 2..16), dense
    all-(-128) corner beats, beats with unused DSPs (w = 0), random valid gaps.

    ``expect[b]`` = [[hi, lo] per DG] from :func:`chain_step`; ``ends[b]`` = DGs that emit.
    """
    rng = np.random.default_rng(seed)
    beats, expect, ends = [], [], []
    for t in range(n_random + 8):
        corner = t < 8
        wh = [[-128] * WINDOW if corner else [int(x) for x in rng.integers(-128, 128, WINDOW)] for _ in range(groups)]
        wl = [[-128] * WINDOW if corner else [int(x) for x in rng.integers(-128, 128, WINDOW)] for _ in range(groups)]
        w = [-128 if corner else int(x) for x in rng.integers(-128, 128, 2 * groups)]
        if not corner and t % 3 == 0:           # sparse block: some DSPs unused
            for k in rng.choice(2 * groups, int(rng.integers(1, groups)), replace=False):
                w[int(k)] = 0
        idx = [int(x) for x in rng.integers(0, WINDOW, 2 * groups)]
        seg = t % 4 if corner else int(rng.integers(0, 4))
        valid = 1 if corner else int(rng.random() < 0.85)
        pack = lambda rows: sum(_packwin(r) << (WINDOW * 8 * j) for j, r in enumerate(rows))  # noqa: E731
        wp = sum((int(v) & 0xFF) << (8 * k) for k, v in enumerate(w))
        ip = sum(int(v) << (4 * k) for k, v in enumerate(idx))
        beats.append([pack(wh), pack(wl), wp, ip, seg, valid])
        expect.append([list(x) for x in chain_step(wh, wl, w, idx, seg)])
        span = 1 << seg
        ends.append([j for j in range(groups) if j % span == span - 1] if valid else [])
    return {"groups": groups, "beats": beats, "expect": expect, "ends": ends}
