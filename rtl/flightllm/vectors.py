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

from workloads.quant.dsp_packing import LANE_BITS, WINDOW, dg_step

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
