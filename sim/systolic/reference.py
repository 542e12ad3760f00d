"""Per-PE, per-cycle reference simulation of one systolic array fold (slow, small sizes).

Each function keeps the register state of every PE (operand registers with a
valid bit, accumulators / partial-sum pipelines) and advances it one clock at a
time; the cycle count is *observed* (the cycle the last output leaves the
array), never computed from a formula.  The numeric result is exact
(``int64`` for integer inputs, ``float64`` otherwise) and equals ``A @ B``.

Timing conventions shared with the RTL baseline array (rtl/baseline):

* **Cycle 0** is the cycle in which the first operands are presented at the
  array edge: for ``os`` ``A[0, 0]`` and ``B[0, 0]`` at PE(0, 0)'s inputs; for
  ``ws``/``is`` the first stationary row is shifted in at the top edge.
* **The last cycle** is the cycle in which the last output value leaves the
  array; the returned ``cycles`` = last cycle + 1.
* ``os``: operand ``A[i, s]`` reaches PE(i, j) in cycle ``s + i + j + e``
  (A moves right, B moves down, one PE per cycle; ``e`` = edge decoder latency).
  A product enters its accumulator ``L - 1`` cycles after the MAC cycle.  How the
  finished sums leave depends on the fold convention (``sim.systolic.dataflow``):

  - ``scalesim-v3``: every PE hands its sum to an output port in the cycle of its
    own last accumulation (the drain overlaps the skew, as SCALE-Sim 3 charges it);
    the last output leaves with PE(R-1, C-1)'s last accumulation.  With L=1, e=0:
    ``cycles = T + R + C - 2``.
  - ``drain`` (the RTL baseline array): the cycle after the last accumulation the
    accumulators shift down one row per cycle; the bottom edge emits row R-1 first
    and row 0 last (R drain cycles).  With L=1, e=0: ``cycles = 2R + C + T - 2``;
    drain cycle 0 is ``T + R + C - 2``.

* ``ws``: cycles 0..R-1 shift the weight rows in from the top (row R-1 first).
  Streamed row ``m`` of A enters array row ``r`` in cycle ``R + e + m + r*L``
  and moves right one PE per cycle; the partial sum of output (m, j) leaves
  PE(r, j) L cycles after that PE's MAC and enters PE(r+1, j).  Output (m, j)
  leaves the bottom edge at the end of cycle ``R + e + m + R*L + j - 1``.
* ``is``: ``ws`` with ``A^T`` stationary and the columns of B streamed.

``d`` (``macs_per_pe``) > 1 makes every PE a d-wide dot product: operands
travel as d-element chunks of the reduction dimension (zero-padded).

PE lanes over M and N (``os`` only, :func:`simulate_os_tile_lanes`): PE(i, j) holds
``lanes_m x lanes_n`` accumulators, for output rows ``i*lanes_m .. i*lanes_m + lanes_m - 1``
and columns ``j*lanes_n .. j*lanes_n + lanes_n - 1``.  PE row i receives the ``lanes_m``
activation rows as one vector per beat, PE column j the ``lanes_n`` weight columns; the
vectors move one PE per cycle like a plain PE's operands, every lane of a PE fires in the
same cycle, and under ``drain`` the lanes of a PE row shift out side by side.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from llmaccel.sim.systolic.dataflow import DEFAULT_FOLD_CONVENTION, check_fold_convention, check_lanes
from llmaccel.workloads.errors import InputError


def _result_dtype(*arrays: np.ndarray) -> np.dtype:
    """int64 when every operand is an integer array (exact sums), else float64."""
    return np.dtype(np.int64) if all(np.issubdtype(a.dtype, np.integer) for a in arrays) else np.dtype(np.float64)


def _chunks(x: np.ndarray, axis_len: int, d: int, dtype) -> np.ndarray:
    """Pad the last axis of ``x`` to a multiple of d and split it into (.., n, d)."""
    t = math.ceil(axis_len / d)
    pad = np.zeros(x.shape[:-1] + (t * d,), dtype=dtype)
    pad[..., :axis_len] = x
    return pad.reshape(x.shape[:-1] + (t, d))


def _check2(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0] or 0 in a.shape or 0 in b.shape:
        raise InputError("tile", f"need non-empty A[M,K] and B[K,N] with equal K, got {a.shape} and {b.shape}")
    return a, b


def _os_readout(acc: np.ndarray, pe_retire: np.ndarray, convention: str) -> tuple[np.ndarray, int]:
    """Read the finished accumulators of an os fold out of the array.

    Args:
        acc: final sums per PE (R x C).
        pe_retire: per PE, the cycle its last product entered its accumulator.
        convention: ``scalesim-v3`` (each PE emits in its last accumulation cycle) or
            ``drain`` (rows shift out of the bottom edge from the cycle after the last one).

    Returns:
        ``(out, cycles)``: cycles = the cycle the last output leaves + 1.
    """
    R = acc.shape[0]
    if check_fold_convention(convention) == "scalesim-v3":
        return acc.copy(), int(pe_retire.max()) + 1
    out = np.zeros_like(acc)
    chain = acc.copy()
    first = int(pe_retire.max()) + 1
    last = first
    for step in range(R):
        out[R - 1 - step] = chain[R - 1]
        chain[1:] = chain[:-1].copy()
        chain[0] = 0
        last = first + step
    return out, last + 1


def simulate_os_tile(
    A: np.ndarray,
    B: np.ndarray,
    pipeline_latency: int = 1,
    edge_latency: int = 0,
    macs_per_pe: int = 1,
    fold_convention: str = DEFAULT_FOLD_CONVENTION,
) -> tuple[np.ndarray, int]:
    """Output-stationary fold on an R x C array, R = A.shape[0], C = B.shape[1], T = ceil(K/d).

    Returns ``(C = A @ B, cycles)``; see the module docstring for the cycle conventions.
    """
    A, B = _check2(A, B)
    dt = _result_dtype(A, B)
    R, K = A.shape
    C = B.shape[1]
    d, L, e = macs_per_pe, pipeline_latency, edge_latency
    a_ch = _chunks(A.astype(dt), K, d, dt)  # (R, T, d)
    b_ch = _chunks(B.T.astype(dt), K, d, dt)  # (C, T, d)
    T = a_ch.shape[1]
    a_reg = np.zeros((R, C, d), dt)
    a_val = np.zeros((R, C), bool)
    b_reg = np.zeros((R, C, d), dt)
    b_val = np.zeros((R, C), bool)
    acc = np.zeros((R, C), dt)
    pe_retire = np.full((R, C), -1, np.int64)
    t = 0
    while True:
        # operands move one PE per cycle: A to the right, B down
        a_reg[:, 1:] = a_reg[:, :-1].copy()
        a_val[:, 1:] = a_val[:, :-1].copy()
        b_reg[1:, :] = b_reg[:-1, :].copy()
        b_val[1:, :] = b_val[:-1, :].copy()
        for i in range(R):  # left edge, row i skewed by i
            s = t - i - e
            a_val[i, 0] = 0 <= s < T
            a_reg[i, 0] = a_ch[i, s] if a_val[i, 0] else 0
        for j in range(C):  # top edge, column j skewed by j
            s = t - j - e
            b_val[0, j] = 0 <= s < T
            b_reg[0, j] = b_ch[j, s] if b_val[0, j] else 0
        fire = a_val & b_val
        if fire.any():
            acc += np.where(fire, (a_reg * b_reg).sum(axis=-1), 0)
            pe_retire[fire] = t + L - 1
        if t >= T + R + C + e and not a_val.any() and not b_val.any():
            break
        t += 1
    return _os_readout(acc, pe_retire, fold_convention)


def _ws_core(S: np.ndarray, W: np.ndarray, L: int, e: int, d: int) -> tuple[np.ndarray, int]:
    """Weight-stationary core: W (Kw x C) stationary, rows of S (T x Kw) streamed."""
    dt = _result_dtype(S, W)
    T, K = S.shape
    C = W.shape[1]
    s_ch = _chunks(S.astype(dt), K, d, dt)  # (T, R, d)
    w_ch = _chunks(W.T.astype(dt), K, d, dt)  # (C, R, d)
    R = s_ch.shape[1]
    w_reg = np.zeros((R, C, d), dt)
    for t in range(R):  # load phase: shift rows in from the top
        w_reg[1:] = w_reg[:-1].copy()
        w_reg[0] = w_ch[:, R - 1 - t, :]
    a_reg = np.zeros((R, C, d), dt)
    a_val = np.zeros((R, C), bool)
    a_tag = np.full((R, C), -1, np.int64)  # which streamed row m an operand belongs to
    # psum pipeline per PE: slot[t % L] holds what leaves the PE at cycle t (+ its row tag)
    pipe_v = np.zeros((L, R, C), dt)
    pipe_tag = np.full((L, R, C), -1, np.int64)
    out = np.zeros((T, C), dt)
    seen = np.zeros((T, C), bool)
    last_out = -1
    t = R
    while True:
        slot = t % L
        emerging_v = pipe_v[slot].copy()  # left PE (r, j) at this cycle
        emerging_tag = pipe_tag[slot].copy()
        pipe_tag[slot] = -1
        # bottom edge: outputs of row R-1 are final sums; they were complete at cycle t-1
        for j in range(C):
            m = emerging_tag[R - 1, j]
            if m >= 0:
                out[m, j] = emerging_v[R - 1, j]
                seen[m, j] = True
                last_out = t - 1
        a_reg[:, 1:] = a_reg[:, :-1].copy()
        a_val[:, 1:] = a_val[:, :-1].copy()
        a_tag[:, 1:] = a_tag[:, :-1].copy()
        for r in range(R):  # left edge, row r skewed by r*L
            m = t - R - e - r * L
            a_val[r, 0] = 0 <= m < T
            a_reg[r, 0] = s_ch[m, r] if a_val[r, 0] else 0
            a_tag[r, 0] = m if a_val[r, 0] else -1
        psum_in = np.zeros((R, C), dt)
        psum_in[1:] = emerging_v[:-1]
        # a PE below the top row must see the partial sum of the same streamed row
        ok = (~a_val[1:]) | (emerging_tag[:-1] == a_tag[1:])
        if not ok.all():
            raise AssertionError("ws reference: partial sum and operand out of step")
        prod = (a_reg * w_reg).sum(axis=-1)
        pipe_v[slot] = np.where(a_val, psum_in + prod, 0)
        pipe_tag[slot] = np.where(a_val, a_tag, -1)
        if t > R + e + T + R * L + C and not a_val.any() and (pipe_tag < 0).all():
            break
        t += 1
    if not seen.all():
        raise AssertionError("ws reference: not every output left the array")
    return out, last_out + 1


def simulate_ws_tile(
    A: np.ndarray, B: np.ndarray, pipeline_latency: int = 1, edge_latency: int = 0, macs_per_pe: int = 1
) -> tuple[np.ndarray, int]:
    """Weight-stationary fold: B (K x N) stationary on R = ceil(K/d) rows x C = N columns, T = M rows of A streamed.

    Returns ``(A @ B, cycles)``.
    """
    A, B = _check2(A, B)
    return _ws_core(A, B, pipeline_latency, edge_latency, macs_per_pe)


def simulate_is_tile(
    A: np.ndarray, B: np.ndarray, pipeline_latency: int = 1, edge_latency: int = 0, macs_per_pe: int = 1
) -> tuple[np.ndarray, int]:
    """Input-stationary fold: A^T (K x M) stationary on R = ceil(K/d) rows x C = M columns, T = N columns of B streamed.

    Returns ``(A @ B, cycles)``.
    """
    A, B = _check2(A, B)
    out_t, cycles = _ws_core(B.T, A.T, pipeline_latency, edge_latency, macs_per_pe)
    return out_t.T, cycles


_TILE_SIMS = {"os": simulate_os_tile, "ws": simulate_ws_tile, "is": simulate_is_tile}


def simulate_os_tile_lanes(
    A: np.ndarray,
    B: np.ndarray,
    lanes_m: int,
    lanes_n: int,
    pipeline_latency: int = 1,
    edge_latency: int = 0,
    macs_per_pe: int = 1,
    fold_convention: str = DEFAULT_FOLD_CONVENTION,
) -> tuple[np.ndarray, int]:
    """Output-stationary fold on an R x C array of ``lanes_m x lanes_n``-lane PEs,
    ``R = A.shape[0] / lanes_m``, ``C = B.shape[1] / lanes_n``, T = ceil(K/d) (module docstring).

    Returns ``(A @ B, cycles)``; the cycle is observed from the register state, as in
    :func:`simulate_os_tile`.
    """
    A, B = _check2(A, B)
    if A.shape[0] % lanes_m or B.shape[1] % lanes_n:
        raise InputError(
            "tile", f"A rows {A.shape[0]} / B cols {B.shape[1]} not multiples of lanes {lanes_m}x{lanes_n}"
        )
    dt = _result_dtype(A, B)
    K = A.shape[1]
    R, C = A.shape[0] // lanes_m, B.shape[1] // lanes_n
    d, L, e = macs_per_pe, pipeline_latency, edge_latency
    a_ch = _chunks(A.astype(dt), K, d, dt).reshape(R, lanes_m, -1, d)  # (R, lanes_m, T, d)
    b_ch = _chunks(B.T.astype(dt), K, d, dt).reshape(C, lanes_n, -1, d)  # (C, lanes_n, T, d)
    T = a_ch.shape[2]
    a_reg = np.zeros((R, C, lanes_m, d), dt)
    a_val = np.zeros((R, C), bool)
    b_reg = np.zeros((R, C, lanes_n, d), dt)
    b_val = np.zeros((R, C), bool)
    acc = np.zeros((R, C, lanes_m, lanes_n), dt)
    pe_retire = np.full((R, C), -1, np.int64)
    t = 0
    while True:
        # operand vectors move one PE per cycle: A to the right, B down
        a_reg[:, 1:] = a_reg[:, :-1].copy()
        a_val[:, 1:] = a_val[:, :-1].copy()
        b_reg[1:, :] = b_reg[:-1, :].copy()
        b_val[1:, :] = b_val[:-1, :].copy()
        for i in range(R):  # left edge, PE row i skewed by i
            s = t - i - e
            a_val[i, 0] = 0 <= s < T
            a_reg[i, 0] = a_ch[i, :, s] if a_val[i, 0] else 0
        for j in range(C):  # top edge, PE column j skewed by j
            s = t - j - e
            b_val[0, j] = 0 <= s < T
            b_reg[0, j] = b_ch[j, :, s] if b_val[0, j] else 0
        fire = a_val & b_val
        if fire.any():
            # every lane (u, v) of a firing PE: a d-wide dot product of its row u and column v
            prod = np.einsum("rcud,rcvd->rcuv", a_reg, b_reg)
            acc += np.where(fire[:, :, None, None], prod, 0)
            pe_retire[fire] = t + L - 1
        if t >= T + R + C + e and not a_val.any() and not b_val.any():
            break
        t += 1
    # the lanes of PE row i leave together: lay them side by side as one wide accumulator row
    wide = acc.transpose(0, 2, 1, 3).reshape(R, lanes_m * C * lanes_n)
    out_wide, cycles = _os_readout(wide, pe_retire, fold_convention)
    out = out_wide.reshape(R, lanes_m, C, lanes_n).reshape(R * lanes_m, C * lanes_n)
    return out, cycles


def simulate_gemm(
    A: np.ndarray,
    B: np.ndarray,
    rows: int,
    cols: int,
    dataflow: str,
    pipeline_latency: int = 1,
    edge_latency: int = 0,
    macs_per_pe: int = 1,
    fold_convention: str = DEFAULT_FOLD_CONVENTION,
    lanes_m: int = 1,
    lanes_n: int = 1,
) -> tuple[np.ndarray, int]:
    """A whole GEMM as back-to-back folds on an R x C array (edge folds zero-padded).

    ``fold_convention`` sets how an os fold's outputs leave (module docstring); ws/is
    folds behave the same under both conventions.  ``lanes_m x lanes_n`` (os only): PEs with
    lanes over M and N, each fold covering ``(R * lanes_m) x (C * lanes_n)`` outputs
    (:func:`simulate_os_tile_lanes`).  Returns ``(A @ B, total cycles)`` -- the per-fold
    observed cycles summed.
    """
    A, B = _check2(A, B)
    check_lanes(dataflow, lanes_m, lanes_n)
    if dataflow not in _TILE_SIMS:
        raise InputError("array.dataflow", f"unknown value {dataflow!r}; allowed: os, ws, is")
    dt = _result_dtype(A, B)
    M, K = A.shape
    N = B.shape[1]
    out = np.zeros((M, N), dt)
    total = 0
    kw = rows * macs_per_pe
    sim = _TILE_SIMS[dataflow]
    kw_args: dict[str, Any] = dict(
        pipeline_latency=pipeline_latency, edge_latency=edge_latency, macs_per_pe=macs_per_pe
    )
    if dataflow == "os":
        kw_args["fold_convention"] = fold_convention
    else:
        check_fold_convention(fold_convention)
    if dataflow == "os":
        fr, fc = rows * lanes_m, cols * lanes_n  # outputs of one fold
        for i0 in range(0, M, fr):
            for j0 in range(0, N, fc):
                a = np.zeros((fr, K), A.dtype)
                b = np.zeros((K, fc), B.dtype)
                a[: min(fr, M - i0)] = A[i0 : i0 + fr]
                b[:, : min(fc, N - j0)] = B[:, j0 : j0 + fc]
                if (lanes_m, lanes_n) == (1, 1):
                    c, cyc = sim(a, b, **kw_args)
                else:
                    c, cyc = simulate_os_tile_lanes(a, b, lanes_m, lanes_n, **kw_args)
                out[i0 : i0 + fr, j0 : j0 + fc] += c[: min(fr, M - i0), : min(fc, N - j0)]
                total += cyc
    elif dataflow == "ws":
        for k0 in range(0, K, kw):
            for j0 in range(0, N, cols):
                a = np.zeros((M, kw), A.dtype)
                b = np.zeros((kw, cols), B.dtype)
                a[:, : min(kw, K - k0)] = A[:, k0 : k0 + kw]
                b[: min(kw, K - k0), : min(cols, N - j0)] = B[k0 : k0 + kw, j0 : j0 + cols]
                c, cyc = sim(a, b, **kw_args)
                out[:, j0 : j0 + cols] += c[:, : min(cols, N - j0)]
                total += cyc
    else:
        for k0 in range(0, K, kw):
            for i0 in range(0, M, cols):
                a = np.zeros((cols, kw), A.dtype)
                b = np.zeros((kw, N), B.dtype)
                a[: min(cols, M - i0), : min(kw, K - k0)] = A[i0 : i0 + cols, k0 : k0 + kw]
                b[: min(kw, K - k0)] = B[k0 : k0 + kw]
                c, cyc = sim(a, b, **kw_args)
                out[i0 : i0 + cols] += c[: min(cols, M - i0)]
                total += cyc
    return out, total


def sparse_slots(
    B: np.ndarray, mask: np.ndarray, block_k: int, n: int, m: int
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Compress the weight columns of ``B`` (K x C) under an N:M ``mask`` into MUX slots.

    Every window of ``block_k`` weights along K gets exactly ``kept(w)`` slots per column
    (``kept(w) = (w // m) * n + min(n, w % m)``), filled with the kept weights in K order and
    zero-padded (index 0, weight 0) when a group has fewer than ``n`` non-zeros.

    Returns:
        ``(idx, val, window_of_slot)``: ``idx[C, S]`` index inside the window, ``val[C, S]``
        the weight, and per slot the window it belongs to (S = total slots per column).

    Raises:
        InputError: a group of ``m`` weights keeps more than ``n``.
    """
    K, C = B.shape
    idx_cols: list[list[int]] = [[] for _ in range(C)]
    val_cols: list[list] = [[] for _ in range(C)]
    win_of: list[int] = []
    for w0 in range(0, K, block_k):
        w = min(block_k, K - w0)
        kept = (w // m) * n + min(n, w % m)
        for j in range(C):
            pos = [i for i in range(w) if mask[w0 + i, j]]
            for g0 in range(0, w, m):
                if sum(1 for i in pos if g0 <= i < g0 + m) > n:
                    raise InputError("sparsity", f"column {j} keeps more than {n} of {m} weights at K {w0 + g0}")
            pad = kept - len(pos)
            idx_cols[j] += pos + [0] * pad
            val_cols[j] += [B[w0 + i, j] for i in pos] + [0] * pad
        win_of += [w0 // block_k] * kept
    return np.array(idx_cols, np.int64).reshape(C, -1), np.array(val_cols, B.dtype).reshape(C, -1), win_of


def simulate_os_tile_sparse(
    A: np.ndarray,
    B: np.ndarray,
    mask: np.ndarray,
    block_k: int,
    n: int,
    m: int,
    pipeline_latency: int = 1,
    edge_latency: int = 0,
    macs_per_pe: int = 1,
    fold_convention: str = DEFAULT_FOLD_CONVENTION,
) -> tuple[np.ndarray, int]:
    """Output-stationary fold with N:M weights behind a per-PE sparse MUX (slow, per PE per cycle).

    Beats: the kept weight slots of each window are grouped ``d`` at a time (a window's
    last beat zero-padded); beat ``s`` carries, per column, ``d`` (index, weight) slots moving
    down, and, per row, the whole ``block_k``-activation window the beat belongs to moving
    right.  PE(i, j) multiplies ``window[idx] * weight`` for its d slots.  Timing as
    :func:`simulate_os_tile` with T = beats.  Returns ``(A @ (B * mask), cycles)``.
    """
    A, B = _check2(A, B)
    mask = np.asarray(mask, bool)
    if mask.shape != B.shape:
        raise InputError("sparsity", f"mask shape {mask.shape} differs from B {B.shape}")
    dt = _result_dtype(A, B)
    R, K = A.shape
    C = B.shape[1]
    d, L, e = macs_per_pe, pipeline_latency, edge_latency
    idx, val, win_of = sparse_slots(B.astype(dt), mask, block_k, n, m)
    # group the slots of each window into beats of d
    beats_win: list[int] = []
    beat_slots: list[list[int]] = []
    s = 0
    while s < len(win_of):
        w = win_of[s]
        end = s
        while end < len(win_of) and win_of[end] == w:
            end += 1
        for b0 in range(s, end, d):
            beats_win.append(w)
            beat_slots.append(list(range(b0, min(b0 + d, end))))
        s = end
    T = len(beats_win)
    b_idx = np.zeros((C, T, d), np.int64)
    b_w = np.zeros((C, T, d), dt)
    for t_, slots in enumerate(beat_slots):
        b_idx[:, t_, : len(slots)] = idx[:, slots]
        b_w[:, t_, : len(slots)] = val[:, slots]
    n_win = math.ceil(K / block_k)
    a_win = np.zeros((R, n_win, block_k), dt)
    a_pad = np.zeros((R, n_win * block_k), dt)
    a_pad[:, :K] = A.astype(dt)
    a_win[:] = a_pad.reshape(R, n_win, block_k)
    a_reg = np.zeros((R, C, block_k), dt)
    a_val = np.zeros((R, C), bool)
    bi_reg = np.zeros((R, C, d), np.int64)
    bw_reg = np.zeros((R, C, d), dt)
    b_val = np.zeros((R, C), bool)
    acc = np.zeros((R, C), dt)
    pe_retire = np.full((R, C), -1, np.int64)
    t = 0
    rows_ix = np.arange(R)[:, None, None]
    cols_ix = np.arange(C)[None, :, None]
    while True:
        a_reg[:, 1:] = a_reg[:, :-1].copy()
        a_val[:, 1:] = a_val[:, :-1].copy()
        bi_reg[1:, :] = bi_reg[:-1, :].copy()
        bw_reg[1:, :] = bw_reg[:-1, :].copy()
        b_val[1:, :] = b_val[:-1, :].copy()
        for i in range(R):  # left edge: the window of beat s
            s = t - i - e
            a_val[i, 0] = 0 <= s < T
            a_reg[i, 0] = a_win[i, beats_win[s]] if a_val[i, 0] else 0
        for j in range(C):  # top edge: d (index, weight) slots
            s = t - j - e
            b_val[0, j] = 0 <= s < T
            bi_reg[0, j] = b_idx[j, s] if b_val[0, j] else 0
            bw_reg[0, j] = b_w[j, s] if b_val[0, j] else 0
        fire = a_val & b_val
        if fire.any():
            picked = a_reg[rows_ix, cols_ix, bi_reg]  # the sparse MUX of every lane
            acc += np.where(fire, (picked * bw_reg).sum(axis=-1), 0)
            pe_retire[fire] = t + L - 1
        if t >= T + R + C + e and not a_val.any() and not b_val.any():
            break
        t += 1
    return _os_readout(acc, pe_retire, fold_convention)


def simulate_gemm_sparse(
    A: np.ndarray,
    B: np.ndarray,
    mask: np.ndarray,
    rows: int,
    cols: int,
    block_k: int,
    n: int,
    m: int,
    pipeline_latency: int = 1,
    edge_latency: int = 0,
    macs_per_pe: int = 1,
    fold_convention: str = DEFAULT_FOLD_CONVENTION,
) -> tuple[np.ndarray, int]:
    """A whole GEMM with sparse-MUX weights as back-to-back os folds (edge folds zero-padded)."""
    A, B = _check2(A, B)
    dt = _result_dtype(A, B)
    M, K = A.shape
    N = B.shape[1]
    out = np.zeros((M, N), dt)
    total = 0
    for i0 in range(0, M, rows):
        for j0 in range(0, N, cols):
            a = np.zeros((rows, K), A.dtype)
            b = np.zeros((K, cols), B.dtype)
            mk = np.zeros((K, cols), bool)
            a[: min(rows, M - i0)] = A[i0 : i0 + rows]
            b[:, : min(cols, N - j0)] = B[:, j0 : j0 + cols]
            mk[:, : min(cols, N - j0)] = mask[:, j0 : j0 + cols]
            c, cyc = simulate_os_tile_sparse(
                a, b, mk, block_k, n, m, pipeline_latency, edge_latency, macs_per_pe, fold_convention
            )
            out[i0 : i0 + rows, j0 : j0 + cols] = c[: min(rows, M - i0), : min(cols, N - j0)]
            total += cyc
    return out, total
