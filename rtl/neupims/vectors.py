"""Test vectors for the PIM bank MAC: random streams plus corners, with expected results
from :func:`sim.neupims.pim_unit.run_stream`."""

from __future__ import annotations

import numpy as np

from llmaccel.sim.neupims.pim_unit import LATENCY, run_stream


def pack(lanes_vals: np.ndarray, width: int) -> int:
    v = 0
    for i, x in enumerate(lanes_vals.tolist()):
        v |= (int(x) & ((1 << width) - 1)) << (i * width)
    return v


def build(
    lanes: int = 16, width: int = 8, acc_bits: int = 32, seed: int = 0, n_random: int = 1500, wrap_burst: int = 8200
) -> dict:
    rng = np.random.default_rng(seed)
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    cmds, A, B = [], [], []

    def add(c, r, a=None, b=None):
        cmds.append((c, r))
        A.append(np.zeros(lanes, np.int64) if a is None else a)
        B.append(np.zeros(lanes, np.int64) if b is None else b)

    # corners: extreme products, then read
    for va, vb in ((lo, lo), (lo, hi), (hi, hi), (hi, lo), (0, lo), (-1, -1)):
        add(1, 0, np.full(lanes, va), np.full(lanes, vb))
        add(0, 1)
    # back-to-back COMP then READRES then COMP (no bubble)
    add(1, 0, np.full(lanes, 3), np.arange(lanes))
    add(0, 1)
    add(1, 0, np.full(lanes, -2), np.arange(lanes))
    add(0, 1)
    # random stream
    kinds = rng.choice(3, n_random, p=[0.6, 0.15, 0.25])
    for k in kinds:
        if k == 0:
            add(1, 0, rng.integers(lo, hi + 1, lanes), rng.integers(lo, hi + 1, lanes))
        elif k == 1:
            add(0, 1)
        else:
            add(0, 0)
    add(0, 1)
    # accumulator wrap: lo*lo*lanes per COMP, enough COMPs to pass 2^(acc_bits-1)
    for _ in range(wrap_burst):
        add(1, 0, np.full(lanes, lo), np.full(lanes, lo))
    add(0, 1)
    comp = np.array([c for c, _ in cmds])
    rr = np.array([r for _, r in cmds])
    a, b = np.array(A), np.array(B)
    outs = run_stream(comp, rr, a, b, acc_bits)
    beats = [[int(c), int(r), pack(a[t], width), pack(b[t], width)] for t, (c, r) in enumerate(cmds)]
    return {"lanes": lanes, "width": width, "latency": LATENCY, "beats": beats, "outs": outs}


def build_fp16(lanes: int = 16, seed: int = 1, n_random: int = 800, wrap_burst: int = 2100) -> dict:
    """fp16 unit vectors: specials, extremes, subnormals, cancellation, random finite and
    random raw patterns, an accumulator wrap; expected values from ``run_stream_fp16``."""
    from llmaccel.sim.neupims.pim_unit import run_stream_fp16

    rng = np.random.default_rng(seed)
    cmds, A, B = [], [], []

    def add(c, r, a=None, b=None):
        cmds.append((c, r))
        A.append(np.zeros(lanes, np.int64) if a is None else np.asarray(a, np.int64))
        B.append(np.zeros(lanes, np.int64) if b is None else np.asarray(b, np.int64))

    max_f, min_sub, min_norm, one, neg = 0x7BFF, 0x0001, 0x0400, 0x3C00, 0x8000
    for va, vb in (
        (max_f, max_f),
        (max_f | neg, max_f),
        (min_sub, min_sub),
        (min_sub | neg, min_norm),
        (one, one),
        (neg, one),
        (0x7C00, one),
        (0x7E00, 0x3C00),
        (0x03FF, 0x03FF),
    ):
        add(1, 0, np.full(lanes, va), np.full(lanes, vb))
        add(0, 1)
    # exact cancellation: x*y + (-x)*y across lanes
    x = rng.integers(0, 0x7C00, lanes // 2)
    y = rng.integers(0, 0x7C00, lanes // 2)
    add(1, 0, np.concatenate([x, x | neg]), np.concatenate([y, y]))
    add(0, 1)
    finite = lambda n: rng.integers(0, 0x7C00, n) | (rng.integers(0, 2, n) << 15)  # noqa: E731
    for k in rng.choice(4, n_random, p=[0.45, 0.15, 0.15, 0.25]):
        if k == 0:
            add(1, 0, finite(lanes), finite(lanes))
        elif k == 1:
            add(1, 0, rng.integers(0, 1 << 16, lanes), rng.integers(0, 1 << 16, lanes))
        elif k == 2:
            add(0, 1)
        else:
            add(0, 0)
    add(0, 1)
    for _ in range(wrap_burst):
        add(1, 0, np.full(lanes, max_f), np.full(lanes, max_f))
    add(0, 1)
    comp = np.array([c for c, _ in cmds])
    rr = np.array([r for _, r in cmds])
    a, b = np.array(A), np.array(B)
    outs = run_stream_fp16(comp, rr, a, b)
    beats = [[int(c), int(r), pack(a[t], 16), pack(b[t], 16)] for t, (c, r) in enumerate(cmds)]
    return {
        "lanes": lanes,
        "width": 16,
        "latency": LATENCY,
        "beats": beats,
        "outs": [[t, v] for t, v, _s in outs],
        "special": [[t, s] for t, _v, s in outs],
    }
