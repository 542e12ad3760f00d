"""NPU timing: weight-stationary GEMM instruction pipeline (spec/neupims.md cost) and vector units.

Every GEMM instruction on a ``R x C`` array has latency ``R + C - 2 + max(s, min_stream)``
cycles for ``s`` streamed rows (spec/neupims.md "NPU as the authors model it").  As in the
authors' artifact (casys-kaist/NeuPIMs ``NeuPIMSystolicWS::issue_ex_inst``) instructions are
*pipelined*: an instruction that reuses the loaded stationary tile starts
``max(s_prev, min_stream)`` cycles after the previous one; one that loads a new stationary
tile (a *preload*) starts ``R`` cycles after it; only an instruction entering an empty
pipeline pays the full ``2R - 1`` preload.  Fill/drain (``R + C - 2``) is therefore paid once
per GEMM, not once per tile.  Two schedules (preset ``npu.gemm_schedule``):

``pipelined`` — weights stationary, the ``m`` tokens streamed; the ``ceil(k/R) x ceil(n/C)``
weight tiles are spread over the ``arrays`` arrays (N/K split, each array its own tiles, one
preload per tile).  A preload may overlap the previous stream but not the previous preload,
and a stream may not overlap the previous stream, so with ``T = ceil(tiles / arrays)``::

    cycles = (2R - 1) + (T - 1) * max(R, s) + (R + C - 2 + s),   s = max(m, min_stream)

``artifact`` — the artifact's ``MatMul`` mapping: the product is computed transposed
(``out^T = w^T a^T``), so a ``K x tokens`` tile of *activations* is stationary and the output
features stream through it; the GEMM is first cut into L2 tiles that fit half of a
``spad_kib`` scratchpad (double buffer; largest dimension halved, rounded up, until
``(m k + k n + n m) * elem_bytes <= spad/2`` with each dimension padded to ``C``), then into
``C``-sized L1 tiles; the 8 arrays are lumped into one array streaming ``C / arrays`` rows
per L1 tile.  Per L2 tile and per stationary (token, K) L1 tile: one preload instruction and
``(L1 tiles along n) - 1`` reuse instructions::

    cycles = (2R - 1) + (P - 1) * R + G * s + (R + C - 2 + s),   s = max(C / arrays, min_stream)

with ``P`` preloads and ``G`` reuse instructions.  L1 tiles lying wholly outside the matrix
(the artifact asserts on them) are not issued.

Vector ops: ``passes x ceil(elements / lanes)`` cycles.
"""

from __future__ import annotations

import math
from functools import lru_cache

from llmaccel.sim.neupims.params import NpuParams
from llmaccel.sim.systolic.dataflow import fold_geometry
from llmaccel.workloads.errors import InputError


def gemm_tiles(m: int, n: int, k: int, p: NpuParams) -> int:
    """Weight tiles ``ceil(k/R) x ceil(n/C)`` of the ``pipelined`` schedule."""
    rf, cf, _t = fold_geometry(m, n, k, p.rows, p.cols, "ws")
    return rf * cf


def tile_cycles(m: int, p: NpuParams) -> int:
    """Latency (cycles) of one GEMM instruction streaming ``m`` rows (spec/neupims.md)."""
    return p.rows + p.cols - 2 + max(m, p.min_stream)


def l2_tiles(m: int, k: int, n: int, p: NpuParams) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Artifact L2 tiling of ``(m tokens, k, n outputs)``: inner sizes and outer counts."""
    inner, outer = [m, k, n], [1, 1, 1]
    budget = p.spad_kib * 1024 // 2
    if 3 * p.cols * p.cols * p.elem_bytes > budget:
        raise InputError(
            "npu.spad_kib",
            f"half the scratchpad must hold three {p.cols}x{p.cols} tiles "
            f"(>= {3 * p.cols * p.cols * p.elem_bytes * 2 // 1024} KiB); got {p.spad_kib}",
        )

    def need(v):
        a, b, c = (x + (-x) % p.cols for x in v)
        return (a * b + b * c + c * a) * p.elem_bytes

    while need(inner) > budget and max(inner) > 1:
        i = inner.index(max(inner))
        outer[i] *= 2
        inner[i] = (inner[i] + 1) // 2
    return (inner[0], inner[1], inner[2]), (outer[0], outer[1], outer[2])


def l1_count(dim: int, inner: int, outer: int, size: int) -> int:
    """L1 tiles of ``size`` along one axis that hold at least one in-range element."""
    return sum(math.ceil(max(0, min(inner, dim - o * inner)) / size) for o in range(outer))


def l2_nonempty(dim: int, inner: int, outer: int) -> int:
    """L2 tiles along one axis that hold at least one in-range element."""
    return sum(1 for o in range(outer) if dim - o * inner > 0)


@lru_cache(maxsize=4096)
def artifact_counts(m: int, n: int, k: int, p: NpuParams) -> tuple[int, int]:
    """(preloads, reuse instructions) of the ``artifact`` schedule (closed form)."""
    (mi, ki, ni), (mo, ko, no) = l2_tiles(m, k, n, p)
    tok = l1_count(m, mi, mo, p.cols)
    kk = l1_count(k, ki, ko, p.cols)
    out = l1_count(n, ni, no, p.cols)
    preloads = tok * kk * l2_nonempty(n, ni, no)
    return preloads, tok * kk * out - preloads


def weight_passes(m: int, n: int, k: int, p: NpuParams) -> int:
    """How many times a GEMM reads its weights from HBM: once per token L2 tile in the
    ``artifact`` schedule (the scratchpad holds one L2 tile), once for ``pipelined``."""
    if p.gemm_schedule != "artifact":
        return 1
    (mi, _ki, _ni), (mo, _ko, _no) = l2_tiles(m, k, n, p)
    return l2_nonempty(m, mi, mo)


def gemm_cycles(m: int, n: int, k: int, p: NpuParams) -> int:
    """Closed form of the configured schedule (see module docstring)."""
    R, C = p.rows, p.cols
    if p.gemm_schedule == "artifact":
        pre, reuse = artifact_counts(m, n, k, p)
        s = max(C // p.arrays, p.min_stream)
        return (2 * R - 1) + (pre - 1) * R + reuse * s + (R + C - 2 + s)
    s = max(m, p.min_stream)
    t = math.ceil(gemm_tiles(m, n, k, p) / p.arrays)
    return (2 * R - 1) + (t - 1) * max(R, s) + (R + C - 2 + s)


def _issue(instrs, p: NpuParams, first_start: int = 0) -> int:
    """Walk an instruction list ``[(is_preload, streamed rows)]`` on one array with the
    artifact's issue rule; returns the last finish cycle."""
    R = p.rows
    start: int | None = None
    prev_s = 0
    finish = 0
    for pre, s in instrs:
        s = max(s, p.min_stream)
        if start is None:
            start = first_start + (2 * R - 1 if pre else 0)
        else:
            # a preload waits R after the previous start (weight shift-in), a stream waits for
            # the previous stream to leave the array input
            start += max(R, prev_s) if pre else prev_s
        finish = max(finish, start + tile_cycles(s, p))
        prev_s = s
    return finish


def gemm_cycles_reference(m: int, n: int, k: int, p: NpuParams) -> int:
    """Instruction-by-instruction schedule; equal to :func:`gemm_cycles`.

    ``pipelined``: weight tiles in (k, n) order, each to the array with the fewest queued
    instructions (lowest index on ties), each array walked with the issue rule.
    ``artifact``: the artifact's loop nest (L2 tiles over tokens, k, n; inside: token L1,
    k L1, n L1 with a preload at the first n L1 tile) on one lumped array.
    """
    R, C = p.rows, p.cols
    if p.gemm_schedule == "artifact":
        (mi, ki, ni), (mo, ko, no) = l2_tiles(m, k, n, p)
        s = C // p.arrays
        instrs = []
        for a in range(mo):
            for b in range(ko):
                for c in range(no):
                    for _t0 in range(a * mi, min((a + 1) * mi, m), C):
                        for _k0 in range(b * ki, min((b + 1) * ki, k), R):
                            for j, _n0 in enumerate(range(c * ni, min((c + 1) * ni, n), C)):
                                instrs.append((j == 0, s))
        return _issue(instrs, p)
    queues: list[list] = [[] for _ in range(p.arrays)]
    for _kt in range(math.ceil(k / R)):
        for _nt in range(math.ceil(n / C)):
            a = min(range(p.arrays), key=lambda i: len(queues[i]))
            queues[a].append((True, m))
    return max(_issue(q, p) for q in queues if q)


def attention_sa_cycles(kv_lens, heads: int, p: NpuParams) -> int:
    """Systolic-array cycles of decode attention in the artifact's NPU-only mode
    (casys-kaist/NeuPIMs ``FusedMHA``): per request and head one preload instruction for
    q.K (stream ``L / arrays``) and ``ceil((L + 127) / 128)`` preload instructions for
    logits.V (stream ``head_dim / arrays``); preloads issue ``R`` cycles apart, so
    ``cycles = (2R - 1) + (P - 1) * R + latency of the last``.  The last instruction streams
    ``head_dim / arrays`` rows, taken as ``C / arrays`` (head_dim = C = 128 in all GPT3 sizes)."""
    R, C = p.rows, p.cols
    n_pre = sum(heads * (1 + -(-(int(L) + R - 1) // R)) for L in kv_lens)
    if n_pre == 0:
        return 0
    s = max(C // p.arrays, p.min_stream)
    return (2 * R - 1) + (n_pre - 1) * R + (R + C - 2 + s)


def vector_cycles(elements: int, passes: int, p: NpuParams) -> int:
    return passes * math.ceil(elements / p.vector_lanes)
