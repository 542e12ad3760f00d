"""Typed hardware parameters of the ``mixpe`` design (built with :func:`sim.params.build`)
and its profile on the one array host (:mod:`sim.systolic.host`).

Units are in the names: MHz, nm, KiB, GB/s, ns, bytes; counts are PEs, lanes (MACs/cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from llmaccel.sim.hardware.array import ArrayGeometry
from llmaccel.sim.hardware.energy import SramEnergy
from llmaccel.sim.hardware.memory import MEMORY_ENERGY, OffChipMemory, SramLevels, build_array_params
from llmaccel.sim.hardware.power import PEPowerParams, StaticPower
from llmaccel.sim.mixpe.pe import pe_kind
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.systolic.machine import Conventions, Machine, VectorUnit
from llmaccel.sim.systolic.model import ArrayParams
from llmaccel.sim.systolic.params import HostMemoryMixin
from llmaccel.sim.systolic.pe import PEType
from llmaccel.sim.systolic.plugins import (
    ArrayPassDequant,
    Dequantizer,
    GroupDequant,
    HostedPE,
    InLoopDequant,
    PassRule,
)
from llmaccel.sim.systolic.timing import FoldTiming
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace

ENERGY_TABLE = Path(__file__).parent / "energy.yaml"
AREA_TABLE = Path(__file__).parent / "area.yaml"
#: Energy action of one vector-unit element (sim/mixpe/energy.yaml).
VECTOR_ACTION = "vector_element"


@dataclass(frozen=True)
class PEParams:
    """PE kind (sim/mixpe/pe.py), MACs per PE per cycle, pipeline depth (cycles), the
    width (bits) of an output partial sum held in the output SRAM or spilled to DRAM, and how
    the ``lanes`` are laid out.

    ``lane_layout``: ``k`` -- all lanes along K, a ``lanes``-wide dot product per PE
    (``ceil(k / lanes)`` beats); ``mn`` -- ``lanes_m x lanes_n`` lanes over M and N, each with
    its own accumulator, so a fold covers ``(R * lanes_m) x (C * lanes_n)`` outputs and streams
    ``ceil(k / (lanes / (lanes_m * lanes_n)))`` beats with the fill/drain of the physical
    R x C array (sim/systolic/dataflow.py, "PE lane layout"; os only).  ``lanes_m`` /
    ``lanes_n`` are unused by ``k``.
    """

    kind: str
    lanes: int
    pipeline_latency: int
    acc_bits: int = 32
    lane_layout: Literal["k", "mn"] = "k"
    lanes_m: int = 1
    lanes_n: int = 1

    def lanes_over_mn(self) -> tuple[int, int]:
        """``(lanes_m, lanes_n)`` the fold geometry spreads over M and N (``(1, 1)`` for ``k``)."""
        return (self.lanes_m, self.lanes_n) if self.lane_layout == "mn" else (1, 1)


@dataclass(frozen=True)
class DequantParams:
    """Where group dequantization happens.

    ``in_pe``: MixPE — after each group's integer sum, inside every PE, pipelined (one op per
    group per output).  ``in_loop``: baselines — every weight is dequantized once per block
    on ``lanes`` dequantizers in series with the array (the "main sequential loop").
    ``ii``: cycles between two operations of one dequantizer.  ``pes_per_unit`` (in_pe only):
    PEs sharing one dequantizer; allowed while ``pes_per_unit * ii <= group_size / lanes`` (a
    PE finishes at most one group per ``group_size / lanes`` cycles, so the shared unit never
    stalls the array); larger sharing is rejected rather than modelled.
    ``array_pass``: the MixPE authors' artifact's costing of its baselines -- an extra layer of
    ``M * K * ceil(N / pass_n_divisor)`` MACs with ``pass_bits``-bit operands on the array
    itself, after every block (``lanes`` / ``ii`` unused).
    """

    placement: Literal["in_pe", "in_loop", "array_pass"]
    lanes: int
    ii: int = 1
    pes_per_unit: int = 1
    all_weights_group: int = field(default=0, metadata={"min": 0})
    pass_n_divisor: int = field(default=0, metadata={"min": 0})
    pass_bits: int = field(default=0, metadata={"min": 0})


@dataclass(frozen=True)
class EnergyParams(SramEnergy):
    """Energy-table actions for memories (sim/tables/energy.yaml names): the SRAM access of
    the hardware layer and ``dram_bit``, the action per off-chip bit unless the ``dram``
    section names its own (``dram.energy_action``, e.g. a memory system)."""

    sram_access: str = "sram_8kb_64b_access"
    sram_access_bits: int = 64
    dram_bit: str = "hbm2_bit"


@dataclass(frozen=True)
class MixPEParams(HostMemoryMixin):
    """Everything the ``mixpe`` design reads from a preset's ``params``; the memories are the
    hardware layer's ``sram`` and ``dram`` sections, as on the systolic and OliVe presets."""

    clock_mhz: float
    node_nm: float
    array: ArrayGeometry
    pe: PEParams
    dequant: DequantParams
    sram: SramLevels
    dram: OffChipMemory
    vector_lanes: int
    float_act_int_bits: int
    energy: EnergyParams = EnergyParams()
    static: StaticPower = StaticPower()
    pe_power: PEPowerParams = PEPowerParams()

    def array_power_mw(self) -> tuple[tuple[str, float], ...]:
        """(component, mW) of the array per compute cycle: the synthesised PEs' dynamic power."""
        return self.pe_power.array_power_mw(self.static)

    def dram_action(self) -> str:
        """Energy action per off-chip bit: the ``dram`` section's, else ``energy.dram_bit``."""
        return self.dram.energy_action or self.energy.dram_bit


def from_preset(hw: HardwareConfig) -> MixPEParams:
    """Validated parameters of a ``design: mixpe`` preset (InputError on any bad field);
    ``dram`` may name a memory system (``dram: hbm3``)."""
    where = f"{hw.name}.params"
    p = build_array_params(MixPEParams, hw)
    pe_kind(p.pe.kind)
    p.pe_power.check(p.static, where)
    lm, ln = p.pe.lanes_over_mn()
    if p.pe.lanes % (lm * ln):
        raise InputError(
            f"{where}.pe", f"lane_layout mn: lanes_m x lanes_n = {lm} x {ln} must divide lanes = {p.pe.lanes}"
        )
    if (lm, ln) != (1, 1) and p.array.dataflow != "os":
        raise InputError(f"{where}.pe.lane_layout", f"mn needs array.dataflow os, got {p.array.dataflow!r}")
    dq = p.dequant
    if dq.placement == "array_pass" and not (dq.pass_n_divisor > 0 and dq.pass_bits > 0):
        raise InputError(f"{where}.dequant", "placement array_pass needs pass_n_divisor > 0 and pass_bits > 0")
    return p


def hosted_kind(name: str, p: MixPEParams, description: str = "", source: str = "") -> HostedPE:
    """PE kind ``p.pe.kind`` of the MixPE study as a host PE plug-in: lanes, pipeline depth
    and accumulator of the preset, one energy action per product / accumulate (/ extra)
    per lane-operation, one area unit of each per lane, MixPE's pass rule (float operands
    on integer PEs become ``float_act_int_bits`` fixed point)."""
    kind = pe_kind(p.pe.kind)
    actions = (kind.product_action, kind.accumulate_action) + kind.extra_actions
    pe = PEType(
        name,
        kind.act_bits,
        kind.w_bits,
        "int",
        p.pe.lanes,
        p.pe.pipeline_latency,
        p.pe.acc_bits,
        actions,
        kind.product_action,
    )
    return HostedPE(
        pe,
        "mixpe",
        description or kind.description,
        energy_tables=(ENERGY_TABLE,),
        area_tables=(AREA_TABLE,),
        area_terms=tuple((a, float(p.pe.lanes)) for a in actions),
        source=source or f"preset (pe.kind {kind.name})",
        pass_rule=PassRule(kind.act_float, kind.w_float, p.float_act_int_bits),
    )


def dequantizer(p: MixPEParams, mac_actions: tuple[str, ...] = ()) -> Dequantizer:
    """MixPE's in-PE group dequantizer (fixed point; FP32 with fp16 activations), the
    baselines' in-loop FP16 weight dequantizers, or the artifact's extra array pass (charged
    ``mac_actions`` per MAC: the array's own, or none when the array is charged per cycle)."""
    dq = p.dequant
    if dq.placement == "array_pass":
        return ArrayPassDequant(dq.pass_n_divisor, dq.pass_bits, mac_actions)
    if dq.placement == "in_loop":
        return InLoopDequant(dq.lanes, dq.ii, "dequant_weight_fp16", "dequant_weight_fp16")
    area = "dequant_group_fp" if pe_kind(p.pe.kind).act_float else "dequant_group_fixed"
    return GroupDequant("dequant_group_fixed", area, "dequant_group_fp", dq.ii, dq.pes_per_unit)


#: Conventions of the MixPE study's simulator: blocks of whole PE beats aligned to weight
#: groups, outputs written to SRAM once per block, one SRAM byte total, compressed storage.
MIXPE_CONVENTIONS = Conventions(
    k_unit="beat",
    group_aligned_k=True,
    psum_sram_per_pass=False,
    sram_bytes="total",
    strict_operands=False,
    sparse_stored_dense=False,
)


@dataclass(frozen=True)
class MixPEMachine(Machine):
    """The host machine of the MixPE study: as :class:`Machine`, except that with
    ``all_weights_group`` > 0 every linear weight counts as grouped by it (the baselines'
    in-loop dequantization charged whatever their weight format)."""

    all_weights_group: int = 0

    def units(self) -> tuple[int, int, int]:
        """Block granularity: one fold of MAC positions over M and N (``R * lanes_m``,
        ``C * lanes_n`` with lanes over M and N) and one beat of K per lane."""
        t = self.gemm_timing()
        if self.conventions.k_unit != "beat" or not isinstance(t, FoldTiming):
            return super().units()
        return self.array.rows * t.lanes_m, self.array.cols * t.lanes_n, t.k_width(self.pe.pe)

    def weight_group(self, op: Op) -> int | None:
        group = super().weight_group(op)
        if group is None and self.all_weights_group and op.b_class == "weight":
            return self.all_weights_group
        return group


def mixpe_machine(p: MixPEParams) -> Machine:
    """The host machine of a MixPE-study preset."""
    every = p.dequant.all_weights_group if p.dequant.placement != "in_pe" else 0
    pe = hosted_kind(p.pe.kind, p)
    if p.pe_power.synthesised:  # the array's dynamic energy is per cycle, not per MAC
        pe = replace(pe, pe=replace(pe.pe, mac_actions=()))
    array = ArrayParams(p.array.rows, p.array.cols, p.array.dataflow, fold_convention=p.array.fold_convention)
    return MixPEMachine(
        "mixpe",
        p.clock_mhz,
        p.node_nm,
        array,
        pe,
        p.mem_params(),
        VectorUnit(p.vector_lanes, 0, None, (VECTOR_ACTION,), traffic=False),
        p.energy_actions(),
        (MEMORY_ENERGY, ENERGY_TABLE),
        (AREA_TABLE,),
        MIXPE_CONVENTIONS,
        dequant=dequantizer(p, pe.pe.mac_actions),
        static_power_mw=p.static.powers_mw(),
        array_power_mw=p.array_power_mw(),
        timing=FoldTiming(array, *p.pe.lanes_over_mn()) if p.pe.lane_layout == "mn" else None,
        all_weights_group=every,
    )


class MixPEProfile:
    """``design: mixpe`` presets on the one array host."""

    def machine(self, hw: HardwareConfig) -> Machine:
        return mixpe_machine(from_preset(hw))

    def program_meta(self, trace: Trace, hw: HardwareConfig) -> dict[str, Any]:
        return {"preset": hw.name}

    def result_meta(self, m: Machine, hw: HardwareConfig, program, run, area) -> dict[str, Any]:
        p = from_preset(hw)
        in_pe = p.dequant.placement == "in_pe"
        n_pe = m.array.rows * m.array.cols
        occupancy = run.dequant_ops / (run.pe_cycles * n_pe) if run.pe_cycles and in_pe else 0.0
        lm, ln = p.pe.lanes_over_mn()
        lane_note = f" ({lm}x{ln} over MxN)" if (lm, ln) != (1, 1) else ""
        return {
            **program.meta,
            "pe": p.pe.kind,
            "dequant_ops": run.dequant_ops,
            "dequant_occupancy": occupancy,
            "area_mm2": area,
            "array": f"{p.array.rows}x{p.array.cols} os, {p.pe.kind} x{p.pe.lanes} lanes{lane_note}",
        }

    def assumptions(self, m: Machine, program, run) -> list[str]:
        dq = m.dequant
        rule = m.pe.pass_rule
        assert rule is not None  # every MixPE-study PE carries its pass rule
        if isinstance(dq, GroupDequant):
            where = "in every PE after each group, pipelined (MixPE)"
        elif isinstance(dq, ArrayPassDequant):
            where = (
                f"an extra layer of M*K*ceil(N/{dq.n_divisor}) {dq.bits}-bit MACs on the array after "
                "every GEMM (the MixPE artifact's baseline costing)"
            )
        else:
            where = "per weight, in series with the array (main loop)"
        pe_energy = (
            "the synthesised PE dynamic power x PE count per compute cycle of the array"
            if m.array_power_mw
            else "per MAC action (product + accumulate)"
        )
        return [
            "ops run one after another on the array or the vector unit (no overlap between ops)",
            "dequantization: " + where,
            f"energy = PE array ({pe_energy}) + dequant + SRAM + DRAM + static (PE leakage and DRAM "
            "background power x run time, where the preset gives them)",
            "area: PE products + accumulate adders + dequantizers + SRAM (no registers, wiring)",
            "fp16 activations on integer-only PEs are converted to "
            f"{rule.float_int_bits}-bit fixed point and bit-sliced",
        ]
