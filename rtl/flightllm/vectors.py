"""Test vectors for the FlightLLM DG slice, with expected outputs from the functional model
(``workloads.quant.dsp_packing.dg_step``).

Corners: every combination of the INT8 corner values {-128, -127, -1, 0, 1, 127} for
(a_hi, a_lo, w) of DSP 0 (216 beats, DSP 1 random) and of DSP 1 (216 beats), the cascade
corners {-2**31, 2**31 - 1, -1, 0, 1} with and without the Z-MUX, equal indices, all 16
indices; then ``n_random`` random beats (dense: both DSPs used; N:M: w1 = 0 on odd
slots; random zero/emit/valid).  :func:`build_chain` does the same for a whole CSD-chain
(expected sums from ``chain_step``; zero/emit follow from the per-beat N:M setting
``seg``).  Deterministic for a seed.
"""

from __future__ import annotations

import itertools

import numpy as np

from llmaccel.workloads.quant.dsp_packing import LANE_BITS, WINDOW, chain_step, dg_step

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
        beats.append(
            dict(
                win_hi=win_hi,
                win_lo=win_lo,
                w0=w0,
                w1=w1,
                idx0=i0,
                idx1=i1,
                cin_hi=ch,
                cin_lo=cl,
                zero=z,
                emit=e,
                valid=v,
            )
        )

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
        add(
            rnd_win(),
            rnd_win(),
            int(rng.integers(-128, 128)),
            0 if sparse else int(rng.integers(-128, 128)),
            int(rng.integers(0, WINDOW)),
            int(rng.integers(0, WINDOW)),
            int(rng.integers(-(1 << 31), 1 << 31)) if t % 5 == 0 else int(rng.integers(-200000, 200000)),
            int(rng.integers(-(1 << 31), 1 << 31)) if t % 7 == 0 else int(rng.integers(-200000, 200000)),
            int(rng.random() < 0.3),
            int(rng.random() < 0.5),
            int(rng.random() < 0.9),
        )
    expect = []
    for b in beats:
        hi, lo = dg_step(
            b["win_hi"], b["win_lo"], b["w0"], b["w1"], b["idx0"], b["idx1"], b["cin_hi"], b["cin_lo"], bool(b["zero"])
        )
        expect.append([hi, lo, b["valid"], b["valid"] & b["emit"]])
    drive = [
        [
            _packwin(b["win_hi"]),
            _packwin(b["win_lo"]),
            b["w0"],
            b["w1"],
            b["idx0"],
            b["idx1"],
            b["cin_hi"],
            b["cin_lo"],
            b["zero"],
            b["emit"],
            b["valid"],
        ]
        for b in beats
    ]
    return {"beats": drive, "expect": expect}


#: N:M settings of a chain beat: seg s -> blocks of ``1 << s`` DGs (N = 2 << s non-zeros)
SEGS = (0, 1, 2, 3)
#: seg order of the corner beats: every seg, rising then falling, so seg changes between
#: neighbouring beats (the skew must carry it with its beat) and repeats once (3 -> 3, 0 -> 0)
CORNER_SEG_ORDER = (0, 1, 2, 3, 3, 2, 1, 0)


def _pack_rows(rows: list[list[int]]) -> int:
    """Windows of all DGs packed into one port value (DG 0 in the LSBs)."""
    return sum(_packwin(r) << (WINDOW * 8 * j) for j, r in enumerate(rows))


def _corner_patterns(groups: int, rng: np.random.Generator) -> list[tuple[str, list, list, list, list]]:
    """(name, win_hi rows, win_lo rows, weights, indices) of the chain corner beats.

    Extremes of one packed DSP product (a_hi, a_lo, w): (-128, -128, -128) = +16384 in both
    lanes, (-128, -128, 127) = -16256, mixed lane signs (the lower product borrows from
    the upper one), a lone -1 in the lower lane, all DSPs unused (w = 0: an empty beat),
    the last beat of a column (a used head of DSPs, the tail unused), index 0 / 15 /
    both DSPs of a DG on the same index, and beats of values drawn from CORNERS.
    """
    dsps = 2 * groups

    def full(v: int) -> list[list[int]]:
        return [[v] * WINDOW for _ in range(groups)]

    def rnd() -> list[list[int]]:
        return [[int(x) for x in rng.integers(-128, 128, WINDOW)] for _ in range(groups)]

    def rnd_w() -> list[int]:
        return [int(x) for x in rng.integers(-128, 128, dsps)]

    def rnd_i() -> list[int]:
        return [int(x) for x in rng.integers(0, WINDOW, dsps)]

    def corner_rows() -> list[list[int]]:
        return [[int(x) for x in rng.choice(CORNERS, WINDOW)] for _ in range(groups)]

    out = [
        ("max positive", full(-128), full(-128), [-128] * dsps, rnd_i()),
        ("max negative", full(-128), full(-128), [127] * dsps, rnd_i()),
        ("mixed lanes -", full(-128), full(127), [-128] * dsps, rnd_i()),
        ("mixed lanes +", full(127), full(-128), [127] * dsps, rnd_i()),
        ("lower borrow", full(0), full(-1), [1] * dsps, rnd_i()),
        ("empty", rnd(), rnd(), [0] * dsps, rnd_i()),
        ("index 0", rnd(), rnd(), rnd_w(), [0] * dsps),
        ("index 15", rnd(), rnd(), rnd_w(), [WINDOW - 1] * dsps),
        ("shared index", rnd(), rnd(), rnd_w(), [k // 2 * 3 % WINDOW for k in range(dsps)]),
    ]
    for used in (2, 4, 8, dsps - 2):  # a column's last beat: head used, tail w = 0
        w = rnd_w()
        out.append((f"tail {used}", rnd(), rnd(), [x if k < used else 0 for k, x in enumerate(w)], rnd_i()))
    for k in range(4):
        out.append(
            (f"corner mix {k}", corner_rows(), corner_rows(), [int(x) for x in rng.choice(CORNERS, dsps)], rnd_i())
        )
    return out


def build_chain(groups: int = 8, seed: int = 9, n_random: int = 800) -> dict:
    """Beats for rtl/flightllm/dsp_chain.py with expected sums from :func:`chain_step`.

    1. Corner beats (all valid): every pattern of :func:`_corner_patterns` under every seg
       in :data:`CORNER_SEG_ORDER`.
    2. Invalid beats (all-(-128) data, each seg): no emit may follow, and they sit between
       valid beats.
    3. ``n_random`` random beats: seg uniform in 0..3 (so the Z-MUX of a block's first DG
       and the RN emit of its last DG vary beat by beat), valid with probability 0.85,
       activations and weights uniform INT8 or (1 in 4) drawn from CORNERS, one beat in
       three with random unused DSPs and one in ten a column's last beat (tail unused).

    Returns:
        ``groups``; ``beats`` = [win_hi, win_lo, w, idx, seg, valid] port values per beat;
        ``expect[b]`` = [[hi, lo] per DG]; ``ends[b]`` = DGs that emit for beat ``b``
        (none when invalid); ``valid_beats``.
    """
    rng = np.random.default_rng(seed)
    dsps = 2 * groups
    rows: list[tuple[list, list, list, list, int, int]] = []
    for _name, wh, wl, w, idx in _corner_patterns(groups, rng):
        for seg in CORNER_SEG_ORDER:
            rows.append((wh, wl, w, idx, seg, 1))
    for seg in SEGS:
        rows.append(([[-128] * WINDOW] * groups, [[-128] * WINDOW] * groups, [-128] * dsps, [0] * dsps, seg, 0))
        rows.append(rows[0][:4] + (seg, 1))
    for t in range(n_random):

        def int8(n: int) -> list[int]:
            if rng.random() < 0.25:
                return [int(x) for x in rng.choice(CORNERS, n)]
            return [int(x) for x in rng.integers(-128, 128, n)]

        wh = [int8(WINDOW) for _ in range(groups)]
        wl = [int8(WINDOW) for _ in range(groups)]
        w = int8(dsps)
        if t % 3 == 0:  # sparse beat: some DSPs unused
            for k in rng.choice(dsps, int(rng.integers(1, groups)), replace=False):
                w[int(k)] = 0
        elif t % 10 == 1:  # a column's last beat: tail unused
            used = int(rng.integers(1, dsps))
            w = [x if k < used else 0 for k, x in enumerate(w)]
        idx = [int(x) for x in rng.integers(0, WINDOW, dsps)]
        rows.append((wh, wl, w, idx, int(rng.integers(0, len(SEGS))), int(rng.random() < 0.85)))
    beats, expect, ends = [], [], []
    for wh, wl, w, idx, seg, valid in rows:
        wp = sum((int(v) & 0xFF) << (8 * k) for k, v in enumerate(w))
        ip = sum(int(v) << (4 * k) for k, v in enumerate(idx))
        beats.append([_pack_rows(wh), _pack_rows(wl), wp, ip, seg, valid])
        expect.append([list(x) for x in chain_step(wh, wl, w, idx, seg)])
        span = 1 << seg
        ends.append([j for j in range(groups) if j % span == span - 1] if valid else [])
    return {"groups": groups, "beats": beats, "expect": expect, "ends": ends, "valid_beats": sum(r[5] for r in rows)}
