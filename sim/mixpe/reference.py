"""Per-PE, per-cycle reference of one output-stationary fold of MixPE PEs (slow, small sizes).

The array is R x C MixPE PEs (R = rows of ``a``, C = columns of the weight tile), each
with ``d`` shift-and-add lanes and the 4-stage pipeline of rtl/mixpe/pe.py:

1. shift-add products of the beat's d (activation, weight) pairs, lane sums;
2. group accumulation ``P += sum p``, ``S += sum a`` (restart after a group's last beat);
3. zero-point correction ``D = P - z S``;
4. ``O += mant * D`` (the output's last group closes it).

Operands move like the shared reference (sim/systolic/reference.py): beat ``s`` of row i
of A enters at the left edge in cycle ``s + i`` and moves right one PE per cycle; beat
``s`` of column j of the weights (with that group's scale mantissa and zero point) enters
at the top in cycle ``s + j`` and moves down.  After the last stage-4 update anywhere, the
accumulators shift out at the bottom edge in R cycles.  Returned ``cycles`` = last drain
cycle + 1, *observed* by stepping registers, never computed from a formula.

Numbers are exact integers (the fixed-point form of workloads/quant/group.py).
"""

from __future__ import annotations

import math

import numpy as np

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant.group import shift_add_product


def simulate_mixpe_os_fold(
    a: np.ndarray, q: np.ndarray, zero: np.ndarray, mant: np.ndarray, group_size: int, lanes: int, w_bits: int = 4
) -> tuple[np.ndarray, int]:
    """One fold: ``a[R, K]`` int activations, ``q[K, C]`` signed weight codes,
    ``zero[G, C]`` / ``mant[G, C]`` per group.  Returns ``(O[R, C] int64, cycles)``."""
    a = np.asarray(a, np.int64)
    q = np.asarray(q, np.int64)
    R, K = a.shape
    if q.shape[0] != K:
        raise InputError("tile", f"a is [{R}, {K}] but q has {q.shape[0]} rows")
    C = q.shape[1]
    d = lanes
    if group_size % d:
        raise InputError("quant.group_size", f"must be a multiple of the {d} lanes, got {group_size}")
    T = math.ceil(K / d)
    pad = T * d - K
    a_ch = np.concatenate([a, np.zeros((R, pad), np.int64)], axis=1).reshape(R, T, d)
    q_ch = np.concatenate([q, np.zeros((pad, C), np.int64)]).T.reshape(C, T, d)
    beats_per_group = group_size // d
    grp_of_beat = np.arange(T) // beats_per_group
    grp_end = ((np.arange(T) + 1) % beats_per_group == 0) | (np.arange(T) == T - 1)

    # operand registers: A moves right (value + beat index), B moves down
    a_val = np.zeros((R, C, d), np.int64)
    a_beat = np.full((R, C), -1)
    b_val = np.zeros((R, C, d), np.int64)
    b_beat = np.full((R, C), -1)
    # pipeline registers per PE
    v1 = np.zeros((R, C), bool)
    ge1 = np.zeros((R, C), bool)
    oe1 = np.zeros((R, C), bool)
    p1 = np.zeros((R, C), np.int64)
    s1 = np.zeros((R, C), np.int64)
    g1 = np.zeros((R, C), np.int64)
    P = np.zeros((R, C), np.int64)
    S = np.zeros((R, C), np.int64)
    fresh = np.ones((R, C), bool)
    v2 = np.zeros((R, C), bool)
    oe2 = np.zeros((R, C), bool)
    gP = np.zeros((R, C), np.int64)
    gS = np.zeros((R, C), np.int64)
    g2 = np.zeros((R, C), np.int64)
    v3 = np.zeros((R, C), bool)
    oe3 = np.zeros((R, C), bool)
    D = np.zeros((R, C), np.int64)
    g3 = np.zeros((R, C), np.int64)
    O = np.zeros((R, C), np.int64)
    ofresh = np.ones((R, C), bool)
    done = np.zeros((R, C), bool)
    cols = np.arange(C)[None, :].repeat(R, 0)
    last_update = -1
    cycle = 0
    while not done.all():
        # --- operands present at each PE this cycle (shift registers advance first)
        a_val[:, 1:] = a_val[:, :-1].copy()
        a_beat[:, 1:] = a_beat[:, :-1].copy()
        b_val[1:] = b_val[:-1].copy()
        b_beat[1:] = b_beat[:-1].copy()
        for i in range(R):
            s = cycle - i
            a_beat[i, 0] = s if 0 <= s < T else -1
            a_val[i, 0] = a_ch[i, s] if 0 <= s < T else 0
        for j in range(C):
            s = cycle - j
            b_beat[0, j] = s if 0 <= s < T else -1
            b_val[0, j] = q_ch[j, s] if 0 <= s < T else 0
        # --- stage 4 (uses stage-3 registers of the previous cycle)
        upd = v3
        if upd.any():
            mant_now = mant[g3, cols]
            O = np.where(upd, np.where(ofresh, 0, O) + mant_now * D, O)
            ofresh = np.where(upd, oe3, ofresh)
            newly = upd & oe3
            done |= newly
            last_update = cycle
        # --- stage 3
        z_now = zero[g2, cols]
        D = np.where(v2, gP - shift_add_product(gS, z_now, w_bits), D)
        v3, oe3, g3 = v2.copy(), oe2.copy(), g2.copy()
        # --- stage 2
        p_next = np.where(fresh, 0, P) + p1
        s_next = np.where(fresh, 0, S) + s1
        gP = np.where(v1 & ge1, p_next, gP)
        gS = np.where(v1 & ge1, s_next, gS)
        P = np.where(v1, p_next, P)
        S = np.where(v1, s_next, S)
        fresh = np.where(v1, ge1, fresh)
        v2, oe2, g2 = v1 & ge1, v1 & oe1, np.where(v1 & ge1, g1, g2)
        # --- stage 1 (MAC cycle of the operands present now)
        live = a_beat >= 0
        if np.any(live != (b_beat >= 0)) or np.any(a_beat[live] != b_beat[live]):
            raise AssertionError("operand skew broken")  # the wavefronts must meet
        beat = np.where(live, a_beat, 0)
        p1 = shift_add_product(a_val, b_val, w_bits).sum(axis=2)
        s1 = a_val.sum(axis=2)
        v1 = live
        ge1 = live & grp_end[beat]
        oe1 = live & (beat == T - 1)
        g1 = grp_of_beat[beat]
        cycle += 1
    return O, last_update + R + 1
