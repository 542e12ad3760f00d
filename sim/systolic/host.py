"""The one systolic array host: mapping, op loop, energy, area and the Result, once.

The designs ``systolic`` (baseline + any registered PE), ``olive`` (OliVe, ANT, OLAccel,
GOBO, AdaFloat) and ``mixpe`` (MixPE, BitFusion, FIGNA-like, INT8/FP16 baselines) are this
host with different :class:`sim.systolic.machine.Machine` descriptions; each design's
``params.py`` exposes a :class:`Profile` that builds the machine from a preset and names
what its results report beyond the common fields.

Per op, in program order (ops run back to back, no overlap):

* **matmul**: :func:`sim.systolic.model.simulate_tiling` on the tiling chosen by
  ``mapping/systolic.py`` -- per-block closed-form cycles ``passes * gemm_cycles`` (+ an
  in-loop dequantizer's ``ceil(z * y / lanes) * ii``), DRAM stalls under double buffering;
  then an array-pass dequantizer's extra layer and the outlier path (if any) serialised after
  the dense pass.  Energy: PE MAC actions
  per MAC per pass, edge decodes, dequant operations, outlier MACs, SRAM accesses, DRAM bits.
  A machine with per-cycle array powers (a synthesised PE's dynamic power) charges them x
  the op's compute cycles (dequantization pass included) instead of per-MAC actions.
* **static**: after the last op, each of the machine's static powers (PE leakage, DRAM
  background) x the run time.
* **vector**: ``ceil(elements * passes / lanes) + latency`` on the vector unit; with
  ``traffic`` the data stays on chip when it fits the output SRAM, otherwise it streams
  from and back to DRAM, overlapped (``max(compute, DRAM)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from llmaccel.mapping.systolic import ArrayProgram, GemmPlan, GemmTask, VectorTask, compile_trace
from llmaccel.sim.area import AreaTable, load_area_table
from llmaccel.sim.components import check_operands
from llmaccel.sim.energy import EnergyLedger, load_table
from llmaccel.sim.memory import offchip_roof
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import OpStats, Result, fill_typed
from llmaccel.sim.systolic.dataflow import fold_convention_note
from llmaccel.sim.systolic.machine import Machine
from llmaccel.sim.systolic.model import BlockCost, charge_gemm, simulate_tiling
from llmaccel.sim.systolic.plugins import ArrayPassDequant, GroupDequant
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace


@dataclass
class RunTotals:
    """What the op loop counted over the whole program (for a profile's meta)."""

    outlier_cycles: int = 0
    dequant_ops: int = 0
    pe_cycles: int = 0
    sparse_ops: int = 0


#: preset key of the off-chip memory section on every array-host preset (the memory roof's source)
DRAM_KEY = "dram"


class Profile(Protocol):
    """A preset family of the host: builds the machine and names its extra report fields.
    Every family spells its off-chip memory section ``dram`` (:data:`DRAM_KEY`)."""

    def machine(self, hw: HardwareConfig) -> Machine: ...

    def program_meta(self, trace: Trace, hw: HardwareConfig) -> dict[str, Any]: ...

    def result_meta(
        self, m: Machine, hw: HardwareConfig, program: ArrayProgram, run: RunTotals, area: dict[str, float]
    ) -> dict[str, Any]: ...

    def assumptions(self, m: Machine, program: ArrayProgram, run: RunTotals) -> list[str]: ...


def check_op(m: Machine, op: Op, what: str) -> None:
    """InputError unless the machine's PE can multiply ``op``'s operands (the registry's
    operand rules, :func:`sim.components.check_operands`); the PE's field is named by the
    machine's ``pe_key`` (``array.pe``; NeuPIMs: ``npu.pe``)."""
    try:
        check_operands(m.pe, op.a_spec, op.b_spec, what)
    except InputError as e:
        if e.field == "array.pe" and m.pe_key != "array.pe":
            raise InputError(m.pe_key, e.problem) from None
        raise


def plan_for(m: Machine, op: Op) -> GemmPlan:
    """Passes, block cost, stored bits and group alignment of one matmul op (InputError on an
    operand the PE cannot take).  The one per-GEMM plan of the host: the sequential op loop
    tiles with it, :func:`gemm_instance` (the NeuPIMs stage pipeline) costs with it."""
    what = f"op {op.name}"
    hosted = m.pe
    if m.conventions.uniform_operand_bits is not None:
        passes = 1  # every operand held at the array's own width (the paper's FP16 NPU)
    else:
        passes = hosted.passes(op.a_spec, op.b_spec, what)
        if m.conventions.strict_operands:
            check_op(m, op, what)
    group = m.weight_group(op)
    dq = m.dequant if group is not None else None
    if dq is not None and group is not None:
        dq.check_sharing(op, group, hosted.pe.macs_per_cycle)
    cost = BlockCost(m.gemm_timing(), hosted.pe, passes, m.sparse_pattern(op), dq)
    aligned = group if m.conventions.group_aligned_k else None
    return GemmPlan(passes, cost, m.operand_bits(op), aligned, hosted.pe.macs_per_cycle)


@dataclass(frozen=True)
class GemmInstance:
    """One instance of a matmul op on the machine's arrays with its operands in place (no
    SRAM blocking, no DRAM stalls: a pipeline that overlaps the weight stream itself).

    Attributes:
        cycles: ``passes x timing.cycles(m, n, k)`` plus an in-loop dequantizer's cycles.
        macs: ``m x n x k``.
        passes: PE passes per MAC.
        decodes: operand elements through the edge decoders, ``passes x`` (``m k`` for a
            decoder-format a, ``k n`` for a decoder-format b): each element enters once per pass.
        dequant_ops: group-dequantizer operations (``dequant.ops``).
        weight_bits: stored bits per weight (operand b) in off-chip memory.
        weight_passes: reads of the weights from off-chip memory (the timing's on-chip tiling).
    """

    cycles: int
    macs: int
    passes: int
    decodes: int
    dequant_ops: int
    weight_bits: float
    weight_passes: int


def gemm_instance(m: Machine, op: Op) -> GemmInstance:
    """Cost one instance of matmul ``op`` (``op.m`` tokens) with the host's per-GEMM plan
    (:func:`plan_for`: passes, dot-product width, decoder folds, group dequant, stored bits)."""
    plan = plan_for(m, op)
    cycles = plan.cost(op.m, op.n, op.k)
    dec = m.pe.decoder
    decodes = 0
    if dec is not None:
        a_in = op.m * op.k if op.a_spec.fmt in dec.formats else 0
        b_in = op.k * op.n if op.b_spec.fmt in dec.formats else 0
        decodes = (a_in + b_in) * plan.passes
    group = m.weight_group(op)
    dq = m.dequant if group is not None else None
    dequant = dq.ops(op, group, 1) if dq is not None and group is not None else 0
    return GemmInstance(
        cycles,
        op.m * op.n * op.k,
        plan.passes,
        decodes,
        dequant,
        plan.bits[1],
        m.gemm_timing().weight_passes(op.m, op.n, op.k),
    )


def compile_program(m: Machine, trace: Trace) -> ArrayProgram:
    """Tile every op of ``trace`` for machine ``m``."""
    units = m.units()
    mem = m.memory()
    if m.sparse is not None:
        # K blocks hold whole MUX windows, so no window is split across SRAM blocks
        units = (units[0], units[1], math.lcm(units[2], m.sparse.block_k))
    return compile_trace(
        trace,
        mem.buffers,
        units,
        m.pe.pe.acc_bits,
        lambda op: plan_for(m, op),
        mem.dram.bytes_per_cycle,
        m.vector.passes_dict(),
        m.weight_group,
    )


def dequant_pass_cycles(m: Machine, dq: ArrayPassDequant, op: Op) -> int:
    """Cycles of one instance's extra dequantization layer on the array (closed form, its own
    passes, dense, no DRAM stalls: its operands are not modelled as traffic), on the machine's
    GEMM timing plug-in."""
    pe = m.pe.pe
    pm, pn, pk = dq.pass_shape(op)
    return dq.passes(pe) * m.gemm_timing().cycles(pm, pn, pk, pe)


def gemm_stats(m: Machine, task: GemmTask, ledger: EnergyLedger, run: RunTotals) -> OpStats:
    """One matmul op (all ``count`` instances) on the array, energy charged to ``ledger``."""
    op, c, pe = task.op, task.count, m.pe.pe
    dq = m.dequant if task.group is not None else None
    pattern = m.sparse_pattern(op)
    st = simulate_tiling(
        task.tiling,
        m.array,
        m.memory(),
        pe,
        task.passes,
        pattern,
        dq,
        m.conventions.psum_sram_per_pass,
        m.timing,
    )
    energy = charge_gemm(ledger, st, pe, m.array, m.energy, c)
    if dq is not None and task.group is not None:
        mb = task.tiling.count("m")
        ops = dq.ops(op, task.group, mb)
        energy["dequant"] = sum(ledger.charge("dequant", a, n * c) for a, n in dq.charges(op, task.group, mb, pe))
        run.dequant_ops += ops * c
    dq_pass = dequant_pass_cycles(m, dq, op) if isinstance(dq, ArrayPassDequant) else 0
    extra = dq_pass
    if m.outlier is not None:
        omacs, o_extra = m.outlier.run(op, st.macs, st.folds)
        extra += o_extra
        if omacs:
            energy["outlier_path"] = sum(ledger.charge("outlier_path", a, omacs * c) for a in m.outlier.mac_actions)
        run.outlier_cycles += o_extra * c
    run.sparse_ops += pattern is not None
    run.pe_cycles += (st.compute_cycles + dq_pass) * c
    charge_array_power(m, ledger, energy, (st.compute_cycles + dq_pass) * c)
    cycles = (st.cycles + extra) * c
    compute = (st.compute_cycles + extra) * c
    macs = st.macs * c
    if m.conventions.sram_bytes == "split":
        sram = {"sram_read": st.sram_read * c, "sram_write": st.sram_write * c}
    else:
        sram = {"sram": (st.sram_read + st.sram_write) * c}
    return OpStats(
        op.name,
        op.kind.value,
        op.layer,
        op.phase.value,
        "array",
        cycles,
        compute,
        cycles - compute,
        macs=macs,
        utilisation=macs / (cycles * m.peak_macs_per_cycle) if cycles else 0.0,
        bytes={"dram_read": st.dram_read * c, "dram_write": st.dram_write * c, **sram},
        energy_pj=energy,
    )


def vector_stats(m: Machine, task: VectorTask, ledger: EnergyLedger) -> OpStats:
    """A vector op: ``ceil(elements * passes / lanes) + latency`` cycles; with traffic, data
    stays on chip if it fits the output SRAM, else streams from/to DRAM overlapped."""
    op, v = task.op, m.vector
    compute = math.ceil(task.elements * task.passes / v.lanes) + v.latency_cycles
    energy = {"vector": sum(ledger.charge("vector", a, task.elements * task.passes) for a in v.actions)}
    if not v.traffic:
        return OpStats(
            op.name, op.kind.value, op.layer, op.phase.value, "vector", compute, compute, 0, bytes={}, energy_pj=energy
        )
    mem = m.memory()
    on_chip = task.in_bytes <= mem.output_bytes
    dram_r = 0.0 if on_chip else task.in_bytes
    dram_w = 0.0 if on_chip else task.out_bytes
    off = mem.dram
    cycles = max(compute, off.transfer_cycles(dram_r) + off.transfer_cycles(dram_w))
    sram_bytes = task.in_bytes * task.passes + task.out_bytes
    energy["sram"] = ledger.charge("sram", m.energy.sram_access, sram_bytes * 8 / m.energy.sram_access_bits)
    if dram_r or dram_w:
        energy["dram"] = ledger.charge("dram", m.energy.dram_bit, (dram_r + dram_w) * 8)
    return OpStats(
        op.name,
        op.kind.value,
        op.layer,
        op.phase.value,
        "vector",
        cycles,
        compute,
        cycles - compute,
        macs=0,
        utilisation=0.0,
        bytes={
            "dram_read": dram_r,
            "dram_write": dram_w,
            "sram_read": task.in_bytes * task.passes,
            "sram_write": task.out_bytes,
        },
        energy_pj=energy,
    )


def charge_static(m: Machine, ledger: EnergyLedger, cycles: int) -> None:
    """Charge every static power of the machine for the run: ``mW * cycles / MHz`` nJ
    (= ``1e3 * mW * cycles / MHz`` pJ), as action ``static`` of its component."""
    for component, mw in m.static_power_mw:
        ledger.charge_pj(component, "static", 1e3 * mw * cycles / m.clock_mhz)


def charge_array_power(m: Machine, ledger: EnergyLedger, energy: dict[str, float], pe_cycles: int) -> None:
    """Charge the array's per-cycle powers (a synthesised PE's dynamic power x PE count,
    ``Machine.array_power_mw``) for ``pe_cycles`` compute cycles of one op: ``1e3 * mW *
    cycles / MHz`` pJ, as action ``dynamic`` of its component, added to the op's ``energy``."""
    for component, mw in m.array_power_mw:
        pj = ledger.charge_pj(component, "dynamic", 1e3 * mw * pe_cycles / m.clock_mhz)
        energy[component] = energy.get(component, 0.0) + pj


def area_mm2(m: Machine) -> dict[str, float]:
    """Area breakdown (mm^2) at the machine's node: PEs (the PE plug-in's area terms), the
    outlier controller (a fraction of the PE area), R + C edge decoders, dequantizers kept
    outside the PE terms (in-PE: one per ``pes_per_unit`` PEs; in-loop: ``lanes``), sparse
    MUXes (one per PE lane) and SRAM.  Registers and wiring are not counted."""
    table = load_area_table(*m.area_tables)
    a = m.array
    n_pe = a.rows * a.cols
    out = {"pe_array": m.pe.area_um2(m.node_nm) * n_pe / 1e6}
    if m.outlier is not None and m.outlier.area_overhead:
        out["outlier_control"] = out["pe_array"] * m.outlier.area_overhead
    dec = m.pe.decoder
    if dec is not None and dec.area_key:
        out["edge_decoders"] = table.mm2(dec.area_key, m.node_nm, a.rows + a.cols)
    dq = m.dequant
    if dq is not None and dq.area_key:
        units = -(-n_pe // dq.pes_per_unit) if isinstance(dq, GroupDequant) else dq.lanes
        out["dequant"] = table.mm2(dq.area_key, m.node_nm, units)
    if m.sparse is not None and m.sparse.mux_area_um2:
        lanes = n_pe * m.pe.pe.macs_per_cycle
        s = m.sparse
        out["sparse_mux"] = s.mux_area_um2 * AreaTable.node_factor(s.mux_area_node_nm, m.node_nm) * lanes / 1e6
    mem = m.memory()
    out["sram"] = table.mm2("sram_per_kib", m.node_nm, (mem.input_bytes + mem.weight_bytes + mem.output_bytes) // 1024)
    return out


def build_result(
    m: Machine,
    profile: Profile,
    hw: HardwareConfig,
    program: ArrayProgram,
    stats: list[OpStats],
    ledger: EnergyLedger,
    run: RunTotals,
) -> Result:
    """The one place an array host's :class:`sim.result.Result` is made."""
    area = area_mm2(m)
    result = Result(
        design=m.design,
        preset=hw.name,
        model=program.model,
        clock_mhz=m.clock_mhz,
        total_cycles=sum(s.cycles for s in stats),
        ops=stats,
        peak_macs_per_cycle=m.peak_macs_per_cycle,
        energy_pj=ledger.by_component(),
        meta={**profile.result_meta(m, hw, program, run, area), "fold_convention": m.array.fold_convention},
        assumptions=[fold_convention_note(m.array.fold_convention), *profile.assumptions(m, program, run)],
    )
    bw_key = f"{DRAM_KEY}.bandwidth_gbps"
    return fill_typed(
        result,
        off_chip=("dram",),
        roofs=[offchip_roof(hw, m.memory().dram.bandwidth_gbps, bw_key)],
        area_mm2=area,
    )


class ArrayHost:
    """A design registered under ``name`` whose presets ``profile`` turns into machines."""

    def __init__(self, name: str, profile: Profile) -> None:
        self.name = name
        self.profile = profile

    def compile(self, trace: Trace, hw: HardwareConfig) -> ArrayProgram:
        prog = compile_program(self.profile.machine(hw), trace)
        prog.meta = {**prog.meta, **self.profile.program_meta(trace, hw)}
        return prog

    def simulate(self, program: ArrayProgram, hw: HardwareConfig) -> Result:
        m = self.profile.machine(hw)
        ledger = EnergyLedger(load_table(*m.energy_tables), node_nm=m.node_nm)
        run = RunTotals()
        stats: list[OpStats] = []
        now = 0
        for task in program.tasks:
            s = gemm_stats(m, task, ledger, run) if isinstance(task, GemmTask) else vector_stats(m, task, ledger)
            s.start_cycle = now
            now += s.cycles
            stats.append(s)
        charge_static(m, ledger, now)
        return build_result(m, self.profile, hw, program, stats, ledger, run)
