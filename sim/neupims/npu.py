"""NPU timing: weight-stationary GEMM tiles (spec/neupims.md cost) and vector units.

GEMM ``out[m, n] = a[m, k] @ w[k, n]`` on ``arrays`` R x C weight-stationary arrays
(geometry from the shared :func:`sim.systolic.dataflow.fold_geometry`): the weights
fold into ``ceil(k/R) x ceil(n/C)`` tiles; one tile costs
``R + C - 2 + max(m, min_stream)`` cycles (spec/neupims.md "NPU as the authors model
it"); the first tile of a new weight set (one GEMM) adds ``2R - 1`` cycles of preload
(later tiles' weights load behind the running tile).  Tiles are spread evenly over the
arrays: ``cycles = (2R - 1) + ceil(tiles / arrays) * tile``.  This differs from the
shared SCALE-Sim fold formula (``2R + C + T - 2`` per fold, no overlap) on purpose:
NeuPIMs' own cost is what its results rest on.

Vector ops: ``passes x ceil(elements / lanes)`` cycles.
"""
from __future__ import annotations

import math

from sim.neupims.params import NpuParams
from sim.systolic.dataflow import fold_geometry


def gemm_tiles(m: int, n: int, k: int, p: NpuParams) -> int:
    rf, cf, _t = fold_geometry(m, n, k, p.rows, p.cols, "ws")
    return rf * cf


def tile_cycles(m: int, p: NpuParams) -> int:
    """Cycles of one weight tile streaming ``m`` rows."""
    return p.rows + p.cols - 2 + max(m, p.min_stream)


def gemm_cycles(m: int, n: int, k: int, p: NpuParams) -> int:
    """Closed form (see module docstring)."""
    return 2 * p.rows - 1 + math.ceil(gemm_tiles(m, n, k, p) / p.arrays) * tile_cycles(m, p)


def gemm_cycles_reference(m: int, n: int, k: int, p: NpuParams) -> int:
    """Tile-by-tile list schedule: each weight tile goes to the earliest-free array; the
    very first tile is preceded by the preload.  Equal to :func:`gemm_cycles`."""
    free = [2 * p.rows - 1] * p.arrays
    for _kt in range(math.ceil(k / p.rows)):
        for _nt in range(math.ceil(n / p.cols)):
            a = min(range(p.arrays), key=lambda i: free[i])
            free[a] += p.rows + p.cols - 2 + max(m, p.min_stream)
    return max(free)


def vector_cycles(elements: int, passes: int, p: NpuParams) -> int:
    return passes * math.ceil(elements / p.vector_lanes)
