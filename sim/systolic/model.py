"""Op-level systolic-array model: SRAM blocking, DRAM stalls under double buffering, energy.

``simulate_gemm`` runs one GEMM instance:

1. ``mapping.tiling.choose_tiling`` picks SRAM blocks (``mb x nb x kb``) and a
   loop order that fit the input/weight/output buffers (half of each when
   double buffered), minimising ``max(compute, DRAM time)``.
2. Block ``i`` costs ``c_i = passes * gemm_cycles(mb_i, nb_i, kb_i)`` compute
   cycles (the machine's GEMM timing plug-in, :mod:`sim.systolic.timing`; by default the
   fold convention's closed form, :mod:`sim.systolic.fast`), needs ``in_i`` DRAM cycles
   to fetch its new operands / partial sums and ``out_i`` to write its output
   back (``OffChip.transfer_cycles`` per transfer).
3. Double buffering runs in lock-step phases: while block i computes, the DRAM
   writes block i-1's output and fetches block i+1::

       total = in_0 + sum_i max(c_i, out_{i-1} + in_{i+1}) + out_{n-1}

   Without double buffering everything is serial: ``sum_i (in_i + c_i + out_i)``.
   ``stall = total - sum_i c_i``.  Tests hold the formula equal to an
   event-by-event simulation (tests/sim/event_engine.py).

``passes``: integer PEs bit-slice wider integer operands (see
:meth:`sim.systolic.pe.PEType.passes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from llmaccel.mapping.tiling import Buffers, GemmTiling, block_sequence, choose_tiling
from llmaccel.sim.energy import EnergyLedger
from llmaccel.sim.memory import OffChip
from llmaccel.sim.systolic.dataflow import (
    DEFAULT_FOLD_CONVENTION,
    SparsePattern,
    check_dataflow,
    check_fold_convention,
    fold_geometry,
    sram_reads_per_gemm,
)
from llmaccel.sim.systolic.pe import PEType
from llmaccel.sim.systolic.plugins import Dequantizer
from llmaccel.sim.systolic.timing import FoldTiming, GemmTiming


@dataclass(frozen=True)
class ArrayParams:
    """Host array geometry.

    Attributes:
        rows, cols: PEs (R x C).
        dataflow: ``os``, ``ws`` or ``is``.
        edge_decoder_latency: cycles added once per fold by decoders on the array
            edges (OliVe); 0 for none.
        edge_decoder_action: energy action charged per operand element entering
            the array through an edge decoder ("" for none).
        fold_convention: how one fold is costed, ``scalesim-v3`` or ``drain``
            (:mod:`sim.systolic.dataflow`).
    """

    rows: int
    cols: int
    dataflow: Literal["os", "ws", "is"] = "os"
    edge_decoder_latency: int = field(default=0, metadata={"min": 0})
    edge_decoder_action: str = ""
    fold_convention: Literal["scalesim-v3", "drain"] = DEFAULT_FOLD_CONVENTION

    def __post_init__(self) -> None:
        check_dataflow(self.dataflow)
        check_fold_convention(self.fold_convention)


@dataclass(frozen=True)
class MemParams:
    """On-chip buffers (bytes) and the off-chip memory."""

    input_bytes: int
    weight_bytes: int
    output_bytes: int
    dram: OffChip
    double_buffered: bool = True

    @property
    def buffers(self) -> Buffers:
        return Buffers(self.input_bytes, self.weight_bytes, self.output_bytes, self.double_buffered)


@dataclass
class GemmStats:
    """One GEMM instance on the array.  Cycles are array clock cycles; bytes are bytes."""

    cycles: int
    compute_cycles: int
    stall_cycles: int
    macs: int
    passes: int
    folds: int
    tiling: GemmTiling
    dram_read: float
    dram_write: float
    sram_read: float
    sram_write: float
    edge_decodes: float
    peak_macs_per_cycle: int

    @property
    def utilisation(self) -> float:
        return self.macs / (self.cycles * self.peak_macs_per_cycle) if self.cycles else 0.0


def double_buffer_total(compute: np.ndarray, fetch: np.ndarray, write: np.ndarray, double_buffered: bool = True) -> int:
    """Total cycles of a block sequence (closed form; see module docstring)."""
    compute = np.asarray(compute, np.int64)
    fetch = np.asarray(fetch, np.int64)
    write = np.asarray(write, np.int64)
    if not double_buffered:
        return int(compute.sum() + fetch.sum() + write.sum())
    nxt = np.zeros_like(fetch)
    nxt[:-1] = fetch[1:]
    prv = np.zeros_like(write)
    prv[1:] = write[:-1]
    return int(fetch[0] + np.maximum(compute, nxt + prv).sum() + write[-1])


def _units(array: ArrayParams, pe: PEType) -> tuple[int, int, int]:
    r, c, d = array.rows, array.cols, pe.macs_per_cycle
    big = max(r, c)
    return {"os": (r, c, big * d), "ws": (big, c, r * d), "is": (c, big, r * d)}[array.dataflow]


@dataclass(frozen=True)
class BlockCost:
    """Compute cycles of one SRAM block (hashable, so tiling choices cache by value):
    ``passes * timing.cycles(x, y, z)`` on the machine's GEMM timing plug-in
    (:mod:`sim.systolic.timing`; ``sparse``: N:M weights behind the sparse MUX stream kept
    slots only) plus ``dequant.block_cycles(y, z)`` in series with the array (an in-loop
    dequantizer; an in-PE one adds none)."""

    timing: GemmTiming
    pe: PEType
    passes: int
    sparse: SparsePattern | None = None
    dequant: Dequantizer | None = None

    def array_cycles(self, x: int, y: int, z: int) -> int:
        return self.passes * self.timing.cycles(x, y, z, self.pe, self.sparse)

    def __call__(self, x: int, y: int, z: int) -> int:
        c = self.array_cycles(x, y, z)
        return c if self.dequant is None else c + self.dequant.block_cycles(y, z)


def array_units(array: ArrayParams, pe: PEType) -> tuple[int, int, int]:
    """Preferred block granularity of (m, n, k) for ``mapping.tiling``."""
    return _units(array, pe)


@lru_cache(maxsize=4096)
def simulate_gemm(
    m: int,
    n: int,
    k: int,
    array: ArrayParams,
    mem: MemParams,
    pe: PEType,
    a_bits: float,
    b_bits: float,
    out_bits: float,
    a_float: bool = False,
    b_float: bool = False,
    what: str = "gemm",
    a_code_bits: int | None = None,
    b_code_bits: int | None = None,
) -> GemmStats:
    """One GEMM instance ``out[m,n] = a[m,k] @ b[k,n]`` with DRAM stalls under double buffering.

    Args:
        array, mem, pe: hardware.
        a_bits, b_bits, out_bits: stored bits per element (DRAM/SRAM footprint).
        a_float, b_float: operands are floating point (rejected on integer PEs).
        a_code_bits, b_code_bits: bits of one code, which set the PE passes (default: the
            stored bits; give them when storage includes group scales or sparsity, e.g.
            INT4 with a 20-bit scale per 128 values stores 4.16 bits but needs one 4-bit pass).
    """
    passes = pe.passes(
        a_bits if a_code_bits is None else a_code_bits,
        b_bits if b_code_bits is None else b_code_bits,
        a_float,
        b_float,
        what,
    )
    cost = BlockCost(FoldTiming(array), pe, passes)
    tiling = choose_tiling(
        m, n, k, _units(array, pe), mem.buffers, a_bits, b_bits, out_bits, pe.acc_bits, cost, mem.dram.bytes_per_cycle
    )
    return simulate_tiling(tiling, array, mem, pe, passes)


@lru_cache(maxsize=4096)
def simulate_tiling(
    tiling: GemmTiling,
    array: ArrayParams,
    mem: MemParams,
    pe: PEType,
    passes: int,
    sparse: SparsePattern | None = None,
    dequant: Dequantizer | None = None,
    psum_sram_per_pass: bool = True,
    timing: GemmTiming | None = None,
) -> GemmStats:
    """Run a given SRAM tiling: per-block compute, DRAM fetch/write, double-buffer phases.

    Args:
        sparse: N:M weights behind the sparse MUX: blocks stream kept slots only
            (:class:`BlockCost`), ``macs`` counts kept slots ``m * n * kept_total(k)``;
            traffic, SRAM accesses and folds are those of the dense run (the tiling's stored
            bits already hold the compressed weights and metadata).
        dequant: an in-loop dequantizer's cycles join each block's compute.
        psum_sram_per_pass: (partial) outputs are written to SRAM on every pass (else once).
        timing: the machine's GEMM timing plug-in (default: the array's fold timing).
    """
    tiling.check_fits(mem.buffers)
    R, C, df, d = array.rows, array.cols, array.dataflow, pe.macs_per_cycle
    m, n, k = tiling.m, tiling.n, tiling.k
    a_bits, b_bits = tiling.a_bits, tiling.b_bits
    cost = BlockCost(FoldTiming(array) if timing is None else timing, pe, passes, sparse, dequant)
    seq = block_sequence(tiling)
    comp_by_shape = {}
    folds = 0
    sram_a = sram_b = sram_o = 0.0
    for x, y, z, cnt in tiling.block_shapes():
        comp_by_shape[(x, y, z)] = cost(x, y, z)
        ar, br, ow = sram_reads_per_gemm(x, y, z, R, C, df, d)
        sram_a += ar * cnt
        sram_b += br * cnt
        sram_o += ow * cnt
        rf, cf, _ = fold_geometry(x, y, z, R, C, df, d)
        folds += rf * cf * cnt
    # per-block compute from the (at most 8) distinct block shapes
    key = (seq["mb"] * (n + 1) + seq["nb"]) * (k + 1) + seq["kb"]
    compute = np.zeros(len(key), np.int64)
    for (x, y, z), c in comp_by_shape.items():
        compute[key == (x * (n + 1) + y) * (k + 1) + z] = c
    tx = mem.dram.transfer_cycles_array
    fetch = tx(seq["a_read"]) + tx(seq["b_read"]) + tx(seq["psum_read"])
    write = tx(seq["out_write"]) + tx(seq["psum_write"])
    total = double_buffer_total(compute, fetch, write, mem.double_buffered)
    comp_total = int(compute.sum())
    dram_read = float(seq["a_read"].sum() + seq["b_read"].sum() + seq["psum_read"].sum())
    dram_write = float(seq["out_write"].sum() + seq["psum_write"].sum())
    # SRAM: the array reads operands every pass and writes (partial) outputs at accumulator
    # width; DRAM fills are SRAM writes, DRAM write-backs are SRAM reads.
    sram_read = passes * (sram_a * a_bits + sram_b * b_bits) / 8 + dram_write
    out_writes = passes * sram_o if psum_sram_per_pass else sram_o
    sram_write = out_writes * pe.acc_bits / 8 + dram_read
    edge = passes * (sram_a + sram_b) if array.edge_decoder_action else 0.0
    return GemmStats(
        cycles=total,
        compute_cycles=comp_total,
        stall_cycles=total - comp_total,
        macs=m * n * (k if sparse is None else sparse.kept_total(k)),
        passes=passes,
        folds=folds,
        tiling=tiling,
        dram_read=dram_read,
        dram_write=dram_write,
        sram_read=sram_read,
        sram_write=sram_write,
        edge_decodes=float(edge),
        peak_macs_per_cycle=R * C * d,
    )


@dataclass(frozen=True)
class EnergyActions:
    """Energy-table actions the array model charges.

    Attributes:
        sram_access: action for one SRAM access of ``sram_access_bits``.
        sram_access_bits: bits moved per SRAM access action.
        dram_bit: action charged per DRAM bit moved.
    """

    sram_access: str = "sram_8kb_64b_access"
    sram_access_bits: int = 64
    dram_bit: str = "hbm2_bit"


def charge_gemm(
    ledger: EnergyLedger, st: GemmStats, pe: PEType, array: ArrayParams, actions: EnergyActions, count: int = 1
) -> dict[str, float]:
    """Charge one GEMM's energy (x ``count`` instances); returns pJ per component of this op.

    Components: ``pe_array`` (per MAC, every pass: each action in ``pe.mac_actions``),
    ``edge_decoder``, ``sram`` (accesses of ``sram_access_bits``), ``dram`` (bits).
    """
    out: dict[str, float] = {}
    macs = st.macs * st.passes * count
    pj = sum(ledger.charge("pe_array", a, macs) for a in pe.mac_actions)
    out["pe_array"] = pj
    if array.edge_decoder_action and st.edge_decodes:
        out["edge_decoder"] = ledger.charge("edge_decoder", array.edge_decoder_action, st.edge_decodes * count)
    accesses = (st.sram_read + st.sram_write) * 8 / actions.sram_access_bits * count
    out["sram"] = ledger.charge("sram", actions.sram_access, accesses)
    out["dram"] = ledger.charge("dram", actions.dram_bit, (st.dram_read + st.dram_write) * 8 * count)
    return out
