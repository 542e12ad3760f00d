"""Op-level model of a MixPE-study machine on the shared systolic machinery.

Per matmul instance (``out[m,n] = a[m,k] @ b[k,n]``), with the SRAM tiling chosen by
mapping/mixpe.py:

* **array**: a block ``x*y*z`` costs ``passes * gemm_cycles(x, y, z, R, C, "os", L, 0, d)``
  (shared closed form of sim/systolic/fast.py, edge folds padded), ``d`` = PE lanes,
  ``L`` = PE pipeline depth, ``passes`` from the PE kind (sim/mixpe/pe.py).
* **dequantization**: ``in_pe`` (MixPE): one operation per group per output,
  ``m * n * ceil(k / G)``, issued by each PE's own pipelined dequant stage at most once
  per ``G / d`` cycles -> never on the critical path (requires ``G % d == 0``, checked);
  its occupancy ``ops / (R * C * compute cycles)`` is reported.  ``in_loop`` (baselines):
  every weight of a block is dequantized before the block runs, ``ceil(z * y / lanes) * ii``
  cycles in series with the array: ``k * n * ceil(m / mb)`` operations per GEMM.
* **memory**: blocks run under the shared double-buffering closed form
  (:func:`sim.systolic.model.double_buffer_total`) with DRAM transfers of
  :func:`mapping.tiling.block_sequence` on :class:`sim.memory.OffChip`.
* **energy** (pJ, node-scaled by the ledger): PE operations x (product + accumulate
  actions), dequant operations, SRAM accesses, DRAM bits.  Leakage is not modelled.

Vector ops run on a ``vector_lanes``-wide unit: ``ceil(elements / lanes)`` cycles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from llmaccel.mapping.mixpe import MixGemmTask, MixVectorTask
from llmaccel.mapping.tiling import block_sequence
from llmaccel.sim.components import MEMORY_ENERGY
from llmaccel.sim.energy import EnergyLedger, EnergyTable, load_table
from llmaccel.sim.mixpe.params import MixPEParams
from llmaccel.sim.mixpe.pe import PEKind, pe_kind
from llmaccel.sim.systolic.dataflow import fold_geometry, sram_reads_per_gemm
from llmaccel.sim.systolic.fast import gemm_cycles
from llmaccel.sim.systolic.model import double_buffer_total

ENERGY_TABLE = Path(__file__).parent / "energy.yaml"
AREA_TABLE = Path(__file__).parent / "area.yaml"


@lru_cache(maxsize=4)
def energy_table() -> EnergyTable:
    """Shared anchors merged with sim/mixpe/energy.yaml."""
    return load_table(MEMORY_ENERGY, ENERGY_TABLE)  # named memory systems' DRAM actions too


@dataclass(frozen=True)
class Machine:
    """Hashable bundle of what the block cost depends on."""

    rows: int
    cols: int
    lanes: int
    latency: int
    dequant_placement: str
    dequant_lanes: int
    dequant_ii: int

    @staticmethod
    def of(p: MixPEParams) -> Machine:
        return Machine(
            p.array.rows,
            p.array.cols,
            p.pe.lanes,
            p.pe.pipeline_latency,
            p.dequant.placement,
            p.dequant.lanes,
            p.dequant.ii,
        )

    @property
    def peak_macs_per_cycle(self) -> int:
        return self.rows * self.cols * self.lanes

    def units(self) -> tuple[int, int, int]:
        """Preferred (m, n, k) block granularity: array rows, array columns, one beat."""
        return self.rows, self.cols, self.lanes


class BlockCost:
    """Cycles of one block ``x*y*z`` (hashable, so mapping's tiling cache can reuse it)."""

    def __init__(self, mach: Machine, passes: int, grouped: bool) -> None:
        self.mach, self.passes, self.grouped = mach, passes, grouped
        self._key = (mach, passes, grouped)

    def array_cycles(self, x: int, y: int, z: int) -> int:
        m = self.mach
        return self.passes * gemm_cycles(x, y, z, m.rows, m.cols, "os", m.latency, 0, m.lanes)

    def dequant_cycles(self, y: int, z: int) -> int:
        m = self.mach
        if not self.grouped or m.dequant_placement != "in_loop":
            return 0
        return math.ceil(z * y / m.dequant_lanes) * m.dequant_ii

    def __call__(self, x: int, y: int, z: int) -> int:
        return self.array_cycles(x, y, z) + self.dequant_cycles(y, z)

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BlockCost) and other._key == self._key


@lru_cache(maxsize=1024)
def block_cost(mach: Machine, passes: int, grouped: bool) -> BlockCost:
    return BlockCost(mach, passes, grouped)


@dataclass
class GemmRun:
    """One GEMM instance.  Cycles are clock cycles, bytes are bytes, ops are counts."""

    cycles: int
    compute_cycles: int
    dequant_cycles: int
    stall_cycles: int
    macs: int
    pe_ops: int
    dequant_ops: int
    dram_read: float
    dram_write: float
    sram_bytes: float
    folds: int


def run_gemm(task: MixGemmTask, p: MixPEParams) -> GemmRun:
    """Cycles, traffic and operation counts of one instance of ``task``."""
    mach = Machine.of(p)
    t = task.tiling
    grouped = task.group_size is not None
    cost = block_cost(mach, task.passes, grouped)
    seq = block_sequence(t)
    shapes = t.block_shapes()
    key = seq["mb"] * (t.k + 1) * (t.n + 1) + seq["nb"] * (t.k + 1) + seq["kb"]
    compute = np.zeros(len(key), np.int64)
    deq_total = arr_total = 0
    folds = 0
    sram_elems_a = sram_elems_b = sram_elems_o = 0.0
    for x, y, z, cnt in shapes:
        c_arr, c_deq = cost.array_cycles(x, y, z), cost.dequant_cycles(y, z)
        compute[key == x * (t.k + 1) * (t.n + 1) + y * (t.k + 1) + z] = c_arr + c_deq
        arr_total += c_arr * cnt
        deq_total += c_deq * cnt
        rf, cf, _ = fold_geometry(x, y, z, mach.rows, mach.cols, "os", mach.lanes)
        folds += rf * cf * cnt
        ar, br, ow = sram_reads_per_gemm(x, y, z, mach.rows, mach.cols, "os", mach.lanes)
        sram_elems_a += ar * cnt
        sram_elems_b += br * cnt
        sram_elems_o += ow * cnt
    off = p.offchip()
    fetch = (
        off.transfer_cycles_array(seq["a_read"])
        + off.transfer_cycles_array(seq["b_read"])
        + off.transfer_cycles_array(seq["psum_read"])
    )
    write = off.transfer_cycles_array(seq["out_write"]) + off.transfer_cycles_array(seq["psum_write"])
    total = double_buffer_total(compute, fetch, write, p.memory.double_buffered)
    comp = arr_total + deq_total
    m, n, k = t.m, t.n, t.k
    if not grouped:
        dq_ops = 0
    elif mach.dequant_placement == "in_pe":
        dq_ops = m * n * math.ceil(k / task.group_size)
    else:
        dq_ops = k * n * t.count("m")
    dram_read = float(seq["a_read"].sum() + seq["b_read"].sum() + seq["psum_read"].sum())
    dram_write = float(seq["out_write"].sum() + seq["psum_write"].sum())
    sram = (
        (task.passes * (sram_elems_a * t.a_bits + sram_elems_b * t.b_bits) + sram_elems_o * t.acc_bits) / 8
        + dram_read
        + dram_write
    )
    return GemmRun(
        total,
        comp,
        deq_total,
        total - comp,
        m * n * k,
        m * n * k * task.passes,
        dq_ops,
        dram_read,
        dram_write,
        sram,
        folds,
    )


def dequant_action(task: MixGemmTask, p: MixPEParams) -> str:
    if p.dequant.placement == "in_loop":
        return "dequant_weight_fp16"
    return "dequant_group_fp" if task.op.a_spec.family == "float" else "dequant_group_fixed"


def charge_gemm(ledger: EnergyLedger, run: GemmRun, task: MixGemmTask, p: MixPEParams, count: int) -> dict[str, float]:
    """Charge ``count`` instances; returns pJ per component."""
    kind: PEKind = pe_kind(p.pe.kind)
    out: dict[str, float] = {}
    ops = run.pe_ops * count
    out["pe_array"] = sum(
        ledger.charge("pe_array", a, ops) for a in (kind.product_action, kind.accumulate_action) + kind.extra_actions
    )
    if run.dequant_ops:
        out["dequant"] = ledger.charge("dequant", dequant_action(task, p), run.dequant_ops * count)
    e = p.energy
    out["sram"] = ledger.charge("sram", e.sram_access, run.sram_bytes * 8 / e.sram_access_bits * count)
    out["dram"] = ledger.charge("dram", e.dram_bit, (run.dram_read + run.dram_write) * 8 * count)
    return out


def run_vector(task: MixVectorTask, p: MixPEParams) -> int:
    """Cycles of a vector op on the vector unit."""
    return math.ceil(task.elements / p.vector_lanes)


def area_mm2(p: MixPEParams) -> dict[str, float]:
    """Area breakdown (mm^2) at the preset's node: PE lanes (product + accumulate adder, as
    the energy model pairs them), dequantizers (one per ``pes_per_unit`` PEs for ``in_pe``,
    ``dequant.lanes`` for ``in_loop``) and SRAM.  Registers and wiring are not counted."""
    from llmaccel.sim.area import load_area_table

    table = load_area_table(AREA_TABLE)
    kind = pe_kind(p.pe.kind)
    n_pe = p.array.rows * p.array.cols
    per_lane = (
        table.um2(kind.product_action, p.node_nm)
        + table.um2(kind.accumulate_action, p.node_nm)
        + sum(table.um2(a, p.node_nm) for a in kind.extra_actions)
    )
    if p.dequant.placement == "in_pe":
        units = -(-n_pe // p.dequant.pes_per_unit)
        dq = table.mm2("dequant_group_fp" if kind.act_float else "dequant_group_fixed", p.node_nm, units)
    else:
        dq = table.mm2("dequant_weight_fp16", p.node_nm, p.dequant.lanes)
    m = p.memory
    return {
        "pe_array": per_lane * n_pe * p.pe.lanes / 1e6,
        "dequant": dq,
        "sram": table.mm2("sram_per_kib", p.node_nm, m.input_kib + m.weight_kib + m.output_kib),
    }
