"""Configurable sparse DSP chain (CSD-chain): cycle model, two speeds.

Structure (spec/flightllm.md "Compute"): a core (MPE) holds CSD-chains of ``pk`` DSP48s
split into DSP groups (DG) of ``dsps_per_group`` = 2.  Weights are tiled in 16x16
blocks; block ``(kb, nb)`` has ``N`` in {0, 2, 4, 8, 16} non-zeros per column among its
16 rows (N:M, M = 16) and a 4-bit index per non-zero selects the activation (sparse MUX).

Chain schedule (our reading, docs/flightllm.md): for one output column the compiler
lists that column's blocks with N > 0, sorted by N descending, and packs them into
*beats* of ``pk`` DSPs; a block occupies N consecutive DSPs (N/2 DGs) and the Reduction
Node after its last DG emits the block's partial sum (the next DG's Z-MUX starts a new
sum).  Powers of two packed in descending order fill every beat but the last exactly,
so a column with ``S = sum(N)`` takes ``ceil(S / pk)`` beats and its last beat uses
``S - (beats-1) * pk`` DSPs.  One beat enters a chain per cycle; DG ``j`` sees beat
``b`` at cycle ``b + stages * j`` (cascade skew), its emit reaches the accumulator at
``b + stages * (j + 1)`` and is added in ``accumulate_cycles``.

Parallel chains work in lock step on a *tile*: ``pn`` columns (x ``pm/2`` token pairs in
MM mode, 1 token in MV mode); a tile lasts as many beats as its longest column.
Tiles follow each other without draining the pipeline.

Two speeds, held equal by tests:

* :func:`reference_tile_run` — per cycle, per DG (2 DSPs), computing the actual packed
  INT8 arithmetic (``workloads.quant.dsp_packing``) and the cycle of the last accumulator write;
* :func:`chain_cycles` — closed form over per-column non-zero counts (numpy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant import dsp_packing as packed

ALLOWED_N = (0, 2, 4, 8, 16)


@dataclass(frozen=True)
class ChainShape:
    """Timing-relevant shape of the CSD-chains of one core in one mode.

    Attributes:
        pk: DSPs per chain.
        pn: columns processed in lock step (chains per token group).
        pm: tokens per tile (1 in MV mode; two tokens share a weight in MM mode).
        dsps_per_group: DSPs per DG (2).
        stages: DG pipeline depth (cycles).
        accumulate_cycles: Reduction-Node accumulator latency (cycles).
        block: block edge (16) = M of N:M.
    """

    pk: int
    pn: int
    pm: int
    dsps_per_group: int = 2
    stages: int = 2
    accumulate_cycles: int = 1
    block: int = 16

    def __post_init__(self) -> None:
        if self.pk % self.dsps_per_group:
            raise InputError(
                "compute.mm.pk", f"must be a multiple of dsps_per_group={self.dsps_per_group}, got {self.pk}"
            )

    @property
    def groups(self) -> int:
        return self.pk // self.dsps_per_group

    @property
    def token_groups(self) -> int:
        """Tokens handled per chain: 2 when packed (MM), else 1."""
        return 2 if self.pm >= 2 else 1


def check_block_n(block_n: np.ndarray, field: str = "block_n") -> None:
    bad = ~np.isin(block_n, ALLOWED_N)
    if bad.any():
        raise InputError(field, f"N per 16x16 block must be one of {ALLOWED_N}, got {int(block_n[bad][0])}")


def column_nnz(block_n: np.ndarray, n: int, block: int = 16) -> np.ndarray:
    """Non-zeros per output column (length ``n``) from per-block N (shape [kb, nb])."""
    per_block_col = block_n.sum(axis=0).astype(np.int64)
    return np.repeat(per_block_col, block)[:n]


def chain_cycles(col_nnz: np.ndarray, shape: ChainShape, m: int) -> int:
    """Closed-form cycles for ``m`` tokens x ``len(col_nnz)`` columns on one core.

    Args:
        col_nnz: non-zero weights per output column (sum of N over its blocks).
        shape: chain organisation and pipeline.
        m: tokens (rows of the activation operand).

    Returns:
        Cycles from the first beat entering until the last accumulator write.
    """
    col_nnz = np.asarray(col_nnz, dtype=np.int64)
    if m <= 0 or col_nnz.size == 0:
        return 0
    pk, dg, st = shape.pk, shape.dsps_per_group, shape.stages
    beats = -(-col_nnz // pk)
    used_last = col_nnz - np.maximum(beats - 1, 0) * pk
    pad = (-col_nnz.size) % shape.pn
    if pad:
        beats = np.concatenate([beats, np.zeros(pad, np.int64)])
        used_last = np.concatenate([used_last, np.zeros(pad, np.int64)])
    beats = beats.reshape(-1, shape.pn)
    used_last = used_last.reshape(-1, shape.pn)
    tile_beats = beats.max(axis=1)
    per_pass = int(tile_beats.sum())
    if per_pass == 0:
        return 0
    m_tiles = -(-m // shape.pm)
    starts = (m_tiles - 1) * per_pass + np.concatenate([[0], np.cumsum(tile_beats)[:-1]])
    s = starts[:, None]
    live = beats > 0
    last_dg = -(-used_last // dg)
    cand_last = np.where(live, s + beats - 1 + st * last_dg, -1)
    cand_full = np.where(beats >= 2, s + beats - 2 + st * (pk // dg), -1)
    return int(max(cand_last.max(), cand_full.max())) + shape.accumulate_cycles


def _column_beats(col_blocks: list[tuple[int, int]], pk: int) -> list[list[tuple[int, int, int]]]:
    """Pack one column's blocks into beats: list of beats, each a list of
    (kb, first_nonzero, count) segments in DSP order.  Blocks sorted by N descending;
    a block larger than ``pk`` is split into ``pk``-sized pieces."""
    items = sorted(col_blocks, key=lambda t: (-t[1], t[0]))
    beats: list[list[tuple[int, int, int]]] = []
    cur: list[tuple[int, int, int]] = []
    fill = 0
    for kb, nb in items:
        off = 0
        while off < nb:
            take = min(nb - off, pk - fill)
            cur.append((kb, off, take))
            fill += take
            off += take
            if fill == pk:
                beats.append(cur)
                cur, fill = [], 0
    if cur:
        beats.append(cur)
    return beats


def reference_tile_run(
    a: np.ndarray, w: np.ndarray, mask: np.ndarray, block_n: np.ndarray, shape: ChainShape
) -> tuple[np.ndarray, int]:
    """Per-cycle, per-DG reference of one core: returns (out[m, n] int64, cycles).

    Args:
        a: activations [m, K] INT8.
        w: weights [K, n] INT8 (values outside ``mask`` are ignored).
        mask: bool [K, n], exactly ``block_n[kb, nb]`` True per column per 16-row block.
        block_n: N per block, shape [ceil(K/16), ceil(n/16)].
        shape: chain organisation (``pm`` tokens x ``pn`` columns per tile).

    The loop advances one clock cycle at a time; at each cycle every DG of every chain
    in the current tiles processes the beat its skew assigns to it, using the packed
    two-token arithmetic of :func:`workloads.quant.dsp_packing.dg_step`.
    """
    check_block_n(block_n)
    m, K = a.shape
    n = w.shape[1]
    B, dg, st = shape.block, shape.dsps_per_group, shape.stages
    kp = -(-K // B) * B
    a_p = np.zeros((m + 1, kp), np.int64)
    a_p[:m, :K] = a
    w_p = np.zeros((kp, n), np.int64)
    w_p[:K] = np.where(mask, w, 0)
    m_p = np.zeros((kp, n), bool)
    m_p[:K] = mask
    # Per column: beats of (kb, first, count) segments; nonzero row positions per block.
    col_beats = []
    for c in range(n):
        blocks = [(kb, int(block_n[kb, c // B])) for kb in range(block_n.shape[0]) if block_n[kb, c // B] > 0]
        col_beats.append(_column_beats(blocks, shape.pk))
    out = np.zeros((m, n), np.int64)
    tg = shape.token_groups
    m_tiles = -(-m // shape.pm)
    n_tiles = -(-n // shape.pn)
    # Build the global beat program: list of (tile_tokens, tile_cols, beat_index_in_tile).
    program: list[tuple[range, range, int]] = []
    for mt in range(m_tiles):
        toks = range(mt * shape.pm, min(m, (mt + 1) * shape.pm))
        for nt in range(n_tiles):
            cols = range(nt * shape.pn, min(n, (nt + 1) * shape.pn))
            nb = max((len(col_beats[c]) for c in cols), default=0)
            program.extend((toks, cols, i) for i in range(nb))
    if not program:
        return out, 0
    # lanes[(beat, chain_key)][dg] = (hi, lo) output of DG dg for that beat
    lanes: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
    last_write = -1
    total_beats = len(program)
    groups = shape.groups
    cycle = 0
    horizon = total_beats + st * groups + 1
    while cycle < horizon:
        for j in range(groups):
            b = cycle - st * j
            if b < 0 or b >= total_beats:
                continue
            toks, cols, bi = program[b]
            for pair0 in range(toks.start, toks.stop, tg):
                hi_tok = pair0 + 1 if tg == 2 and pair0 + 1 < toks.stop else m  # row m is zeros
                for c in cols:
                    beats = col_beats[c]
                    if bi >= len(beats):
                        continue
                    # DSP slots of this beat: expand segments
                    slots: list[tuple[int, int, int, bool, bool]] = []  # (kb, row, seg_id, first, last)
                    for si, (kb, first, cnt) in enumerate(beats[bi]):
                        rows = np.flatnonzero(m_p[kb * B : (kb + 1) * B, c])
                        for q in range(cnt):
                            slots.append((kb, int(rows[first + q]), si, q == 0, q == cnt - 1))
                    d0, d1 = j * dg, j * dg + 1
                    if d0 >= len(slots):
                        continue
                    key = (b, pair0, c)
                    prev = lanes.get(key)
                    s0 = slots[d0]
                    s1 = slots[d1] if d1 < len(slots) else None
                    win_hi = a_p[hi_tok, s0[0] * B : (s0[0] + 1) * B]
                    win_lo = a_p[pair0, s0[0] * B : (s0[0] + 1) * B]
                    # both DSPs of a DG share one K-block window (segments are DG-aligned)
                    w0 = int(w_p[s0[0] * B + s0[1], c])
                    w1 = int(w_p[s1[0] * B + s1[1], c]) if s1 else 0
                    i0 = s0[1]
                    i1 = s1[1] if s1 else 0
                    zero = s0[3] or prev is None
                    cin = prev[-1] if prev else (0, 0)
                    hi, lo = packed.dg_step(list(win_hi), list(win_lo), w0, w1, i0, i1, cin[0], cin[1], zero)
                    lanes.setdefault(key, []).append((hi, lo))
                    seg_end = (s1 if s1 else s0)[4]
                    if seg_end:
                        # Reduction Node emits; accumulator adds it
                        visible = cycle + st
                        out[pair0, c] += lo
                        if hi_tok < m:
                            out[hi_tok, c] += hi
                        last_write = max(last_write, visible + shape.accumulate_cycles - 1)
        cycle += 1
    return out, last_write + 1


def op_cycles_uniform(m: int, n: int, k: int, density_n: int, shape: ChainShape, cores: int) -> int:
    """Cycles of an (m, n, k) matmul with the same N in every block, columns split over cores."""
    n_core = -(-n // cores)
    kb = -(-k // shape.block)
    return chain_cycles(np.full(n_core, kb * density_n, np.int64), shape, m)


def op_cycles_blocks(m: int, n: int, block_n: np.ndarray, shape: ChainShape, cores: int) -> int:
    """Cycles with a per-block N map; columns split in contiguous slices over cores (max)."""
    nnz = column_nnz(block_n, n, shape.block)
    n_core = -(-n // cores)
    return max(chain_cycles(nnz[c * n_core : (c + 1) * n_core], shape, m) for c in range(cores) if c * n_core < n)
