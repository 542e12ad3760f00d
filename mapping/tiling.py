"""GEMM tiling onto on-chip buffers: block sizes, loop order, DRAM traffic, block sequence.

A GEMM ``out[m, n] = a[m, k] @ b[k, n]`` is cut into SRAM *blocks* of
``mb x nb x kb``; the three block loops run in ``order`` (outer -> inner, e.g.
``("m", "n", "k")``).  Operand ``a`` lives in the input buffer, ``b`` in the
weight buffer, the output block (at accumulator width) in the output buffer.
With double buffering a block may use half of each buffer.

DRAM traffic (closed form, edge blocks included).  Drop loops with one
iteration; for an operand X indexed by dims S, let p be the innermost loop in S:
X is fetched ``|X| * prod(count of loops outside p not in S)`` bytes.  The
output is *visited* ``v`` times per block (``v`` = k-loop count if the k loop is
outside the innermost of m/n, else 1): ``(v-1)`` partial-sum spills and
refills at accumulator width plus one final write at output width.

:func:`block_sequence` lists every block in execution order with the transfers
it triggers; tests hold its sums equal to :func:`traffic`.
The cost of a choice (cycles) is supplied by the caller (``sim`` owns cycle
formulas), keeping ``mapping`` free of ``sim`` imports.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from llmaccel.workloads.errors import InputError

DIMS = ("m", "n", "k")
ORDERS: tuple[tuple[str, str, str], ...] = tuple((a, b, c) for a, b, c in itertools.permutations(DIMS))
_OPERAND_DIMS = {"a": ("m", "k"), "b": ("k", "n"), "out": ("m", "n")}


@dataclass(frozen=True)
class Buffers:
    """On-chip capacities (bytes) and whether each is double buffered."""

    input_bytes: int
    weight_bytes: int
    output_bytes: int
    double_buffered: bool = True

    def tile_capacity(self, which: str) -> int:
        cap = {"a": self.input_bytes, "b": self.weight_bytes, "out": self.output_bytes}[which]
        return cap // 2 if self.double_buffered else cap


_BUF_NAMES = {"a": "input_sram", "b": "weight_sram", "out": "output_sram"}


@dataclass(frozen=True)
class GemmTiling:
    """One GEMM's SRAM blocking.

    Attributes:
        m, n, k: GEMM shape (elements).
        mb, nb, kb: block extents (edge blocks are smaller).
        order: block loops outer -> inner.
        a_bits, b_bits: stored bits per element of a, b (may be fractional).
        out_bits: bits per final output element written to DRAM.
        acc_bits: bits per partial-sum element held on chip / spilled.
    """

    m: int
    n: int
    k: int
    mb: int
    nb: int
    kb: int
    order: tuple[str, str, str]
    a_bits: float
    b_bits: float
    out_bits: float
    acc_bits: float

    def count(self, dim: str) -> int:
        return math.ceil(getattr(self, dim) / getattr(self, dim + "b"))

    @property
    def blocks(self) -> int:
        return self.count("m") * self.count("n") * self.count("k")

    def block_bytes(self) -> dict[str, float]:
        """Bytes of the largest block of each operand (what must fit on chip)."""
        return {
            "a": self.mb * self.kb * self.a_bits / 8,
            "b": self.kb * self.nb * self.b_bits / 8,
            "out": self.mb * self.nb * self.acc_bits / 8,
        }

    def _live_order(self) -> list[str]:
        return [d for d in self.order if self.count(d) > 1]

    def refetch(self, operand: str) -> int:
        """How many times operand ``a``/``b`` is fetched in full (out: visits per block)."""
        live = self._live_order()
        dims = _OPERAND_DIMS[operand]
        inner = [i for i, d in enumerate(live) if d in dims]
        if not inner:
            return 1
        p = max(inner)
        return math.prod(self.count(d) for d in live[:p] if d not in dims)

    def traffic(self) -> dict[str, float]:
        """DRAM bytes: ``a_read``, ``b_read``, ``psum_read``, ``psum_write``, ``out_write``."""
        v = self.refetch("out")
        return {
            "a_read": self.m * self.k * self.a_bits / 8 * self.refetch("a"),
            "b_read": self.k * self.n * self.b_bits / 8 * self.refetch("b"),
            "psum_read": self.m * self.n * self.acc_bits / 8 * (v - 1),
            "psum_write": self.m * self.n * self.acc_bits / 8 * (v - 1),
            "out_write": self.m * self.n * self.out_bits / 8,
        }

    def check_fits(self, buffers: Buffers) -> None:
        """Raise InputError naming the buffer a block does not fit in."""
        for op, nbytes in self.block_bytes().items():
            cap = buffers.tile_capacity(op)
            if nbytes > cap:
                half = " (half of a double-buffered buffer)" if buffers.double_buffered else ""
                raise InputError(
                    "tile",
                    f"{op} block {self.mb}x{self.nb}x{self.kb} needs {int(math.ceil(nbytes))} B "
                    f"but {_BUF_NAMES[op]} holds {cap} B{half}",
                )

    def block_shapes(self) -> list[tuple[int, int, int, int]]:
        """Distinct block shapes ``(mb_i, nb_i, kb_i, how_many)`` — at most 8."""
        per_dim = []
        for d in DIMS:
            full, blk = getattr(self, d), getattr(self, d + "b")
            q, r = divmod(full, blk)
            per_dim.append([(blk, q)] + ([(r, 1)] if r else []))
        return [
            (a[0], b[0], c[0], a[1] * b[1] * c[1])
            for a in per_dim[0]
            for b in per_dim[1]
            for c in per_dim[2]
            if a[1] * b[1] * c[1]
        ]


def block_sequence(t: GemmTiling) -> dict[str, np.ndarray]:
    """Every block in execution order (vectorised).

    Returns arrays of length ``blocks``: ``mb, nb, kb`` (extents), and bytes the
    block triggers: ``a_read``, ``b_read``, ``psum_read`` (fetched before it
    computes) and ``out_write`` (final), ``psum_write`` (spill) written after it.
    """
    counts = [t.count(d) for d in t.order]
    idx = np.indices(counts).reshape(3, -1)
    pos = {d: idx[i] for i, d in enumerate(t.order)}
    ext = {}
    for d in DIMS:
        full, blk = getattr(t, d), getattr(t, d + "b")
        ext[d] = np.minimum(blk, full - pos[d] * blk)
    n = idx.shape[1]

    def changed(dims: tuple[str, ...]) -> np.ndarray:
        ch = np.ones(n, bool)
        if n > 1:
            diff = np.zeros(n - 1, bool)
            for d in dims:
                diff |= pos[d][1:] != pos[d][:-1]
            ch[1:] = diff
        return ch

    enter_out = changed(("m", "n"))
    leave_out = np.ones(n, bool)
    leave_out[:-1] = enter_out[1:]
    kcount = t.count("k")
    # an output block is final after its last k block; visits before that spill
    first_k_visit = np.zeros(n, bool)
    last_k_visit = np.zeros(n, bool)
    # within one visit the k positions are consecutive; a visit is first if it holds k==0
    visit_id = np.cumsum(enter_out) - 1
    kmin = np.full(visit_id[-1] + 1, np.iinfo(np.int64).max)
    kmax = np.full(visit_id[-1] + 1, -1)
    np.minimum.at(kmin, visit_id, pos["k"])
    np.maximum.at(kmax, visit_id, pos["k"])
    first_k_visit = kmin[visit_id] == 0
    last_k_visit = kmax[visit_id] == kcount - 1
    out_elems = ext["m"] * ext["n"]
    return {
        "mb": ext["m"],
        "nb": ext["n"],
        "kb": ext["k"],
        "a_read": np.where(changed(("m", "k")), ext["m"] * ext["k"] * t.a_bits / 8, 0.0),
        "b_read": np.where(changed(("k", "n")), ext["k"] * ext["n"] * t.b_bits / 8, 0.0),
        "psum_read": np.where(enter_out & ~first_k_visit, out_elems * t.acc_bits / 8, 0.0),
        "out_write": np.where(leave_out & last_k_visit, out_elems * t.out_bits / 8, 0.0),
        "psum_write": np.where(leave_out & ~last_k_visit, out_elems * t.acc_bits / 8, 0.0),
    }


def _candidates(full: int, unit: int) -> list[int]:
    """Block extents to try: multiples unit * 2^i below ``full``, and ``full``."""
    out = {full}
    b = max(1, unit)
    while b < full:
        out.add(b)
        b *= 2
    return sorted(out)


def choose_tiling(
    m: int,
    n: int,
    k: int,
    units: tuple[int, int, int],
    buffers: Buffers,
    a_bits: float,
    b_bits: float,
    out_bits: float,
    acc_bits: float,
    compute_cycles: Callable[[int, int, int], int],
    dram_bytes_per_cycle: float,
) -> GemmTiling:
    """Pick block extents and loop order that fit the buffers and minimise estimated cycles.

    Args:
        units: preferred granularity of (m, n, k) blocks (array extents mapped to
            each dim; 1 for a streamed dim is fine).
        compute_cycles: ``f(mb, nb, kb) -> cycles`` of one block (from sim).
        dram_bytes_per_cycle: peak DRAM bytes per cycle.

    Estimate = ``max(sum of block compute, DRAM bytes / bandwidth)``; ties go to
    less traffic, then fewer blocks, then candidate order (deterministic).

    Raises:
        InputError: if not even the smallest block fits.
    """
    return _choose(
        m,
        n,
        k,
        units,
        buffers,
        float(a_bits),
        float(b_bits),
        float(out_bits),
        float(acc_bits),
        compute_cycles,
        float(dram_bytes_per_cycle),
    )


@lru_cache(maxsize=8192)
def _choose(m, n, k, units, buffers, a_bits, b_bits, out_bits, acc_bits, compute_cycles, bpc) -> GemmTiling:
    best = None
    best_key: tuple[float, float, int] | None = None
    smallest = None
    cm, cn, ck = (_candidates(m, units[0]), _candidates(n, units[1]), _candidates(k, units[2]))
    caps = {w: buffers.tile_capacity(w) for w in ("a", "b", "out")}
    cost_cache: dict[tuple[int, int, int], int] = {}
    for mb in cm:
        for nb in cn:
            if mb * nb * acc_bits / 8 > caps["out"]:
                continue
            for kb in ck:
                if mb * kb * a_bits / 8 > caps["a"] or kb * nb * b_bits / 8 > caps["b"]:
                    continue
                base = GemmTiling(m, n, k, mb, nb, kb, ("m", "n", "k"), a_bits, b_bits, out_bits, acc_bits)
                comp = 0
                for x, y, z, cnt in base.block_shapes():
                    shape = (x, y, z)
                    if shape not in cost_cache:
                        cost_cache[shape] = compute_cycles(x, y, z)
                    comp += cost_cache[shape] * cnt
                for order in ORDERS:
                    t = GemmTiling(m, n, k, mb, nb, kb, order, a_bits, b_bits, out_bits, acc_bits)
                    traffic = sum(t.traffic().values())
                    key = (max(comp, traffic / bpc), traffic, t.blocks)
                    if best_key is None or key < best_key:
                        best, best_key = t, key
    if best is None:
        smallest = GemmTiling(m, n, k, cm[0], cn[0], ck[0], ("m", "n", "k"), a_bits, b_bits, out_bits, acc_bits)
        smallest.check_fits(buffers)
        raise InputError("tile", "no block fits the buffers")  # pragma: no cover - check_fits raises first
    return best
