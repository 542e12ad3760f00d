"""Test vectors for the PIM bank MAC: random streams plus corners, with expected results
from :func:`sim.neupims.pim_unit.run_stream`."""
from __future__ import annotations

import numpy as np

from sim.neupims.pim_unit import LATENCY, run_stream


def pack(lanes_vals: np.ndarray, width: int) -> int:
    v = 0
    for i, x in enumerate(lanes_vals.tolist()):
        v |= (int(x) & ((1 << width) - 1)) << (i * width)
    return v


def build(lanes: int = 16, width: int = 8, acc_bits: int = 32, seed: int = 0, n_random: int = 3000,
          wrap_burst: int = 8200) -> dict:
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
