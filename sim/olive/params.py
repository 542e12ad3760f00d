"""Typed parameters of the ``olive`` design and its profile on the one array host.

A preset ``design: olive`` describes the host array (``array``), the PE that
sits in every array slot (``pe``), the edge decoders (``decoder``), an optional
separate outlier path (``outlier``: GOBO / OLAccel), memories and the vector
unit.  The array, memory and vector sections are the hardware layer's
(``sim/hardware``), as in the baseline presets, so all variants run on identical memories;
``dram`` may name a memory system.

Units are in the names (MHz, nm, KiB, GB/s, ns, bits, cycles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from llmaccel.sim.hardware.array import ArrayGeometry
from llmaccel.sim.hardware.memory import MEMORY_ENERGY, build_array_params
from llmaccel.sim.hardware.power import PEPowerParams, StaticPower
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.systolic.machine import Conventions, Machine
from llmaccel.sim.systolic.model import ArrayParams
from llmaccel.sim.systolic.params import DramCfg, EnergyCfg, HostMemoryMixin, SramCfg, VectorCfg
from llmaccel.sim.systolic.pe import PEType
from llmaccel.sim.systolic.plugins import EdgeDecoder, HostedPE, OutlierPath
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace

HERE = Path(__file__).parent
ENERGY_TABLE = HERE / "energy.yaml"
AREA_TABLE = HERE / "area.yaml"

VARIANTS = ("olive", "ant", "olaccel", "gobo", "adafloat")


@dataclass(frozen=True)
class PECfg:
    """The PE in one array slot.

    Attributes:
        name: label, e.g. ``"ovp4x4"``.
        family: ``int`` (wider int operands bit-sliced into passes) or ``float``.
        a_bits, b_bits: native operand widths of one multiplier (bits).
        macs_per_cycle: multipliers per slot working on consecutive K elements
            (OliVe: four 4-bit PEs per slot, summed by one adder into one accumulator).
        pipeline_latency: cycles from operands to accumulator.
        acc_bits: accumulator width (bits).
        mac_actions: energy actions charged per multiply-accumulate.
        area_key: area-table entry of one slot.
    """

    name: str
    family: Literal["int", "float"]
    a_bits: int
    b_bits: int
    macs_per_cycle: int
    pipeline_latency: int
    acc_bits: int
    mac_actions: list[str]
    area_key: str

    def pe_type(self) -> PEType:
        return PEType(
            self.name,
            self.a_bits,
            self.b_bits,
            self.family,
            self.macs_per_cycle,
            self.pipeline_latency,
            self.acc_bits,
            tuple(self.mac_actions),
            self.area_key,
        )


@dataclass(frozen=True)
class DecoderCfg:
    """Decoders on the array edges (one per row and per column: R + C).

    ``latency_cycles`` is added once per fold (operands pass one decoder stage);
    ``action`` is charged per operand element entering the array ("" for none).
    """

    latency_cycles: int = field(metadata={"min": 0})
    action: str = ""
    area_key: str = ""


@dataclass(frozen=True)
class OutlierCfg:
    """A separate outlier path beside the dense low-bit array (GOBO, OLAccel).

    Outlier MACs (a product with at least one outlier operand) run on
    ``lanes`` outlier MAC units plus ``sync_cycles_per_fold`` coordination cycles per
    array fold.  ``overlap`` false: they run *after* the dense pass of each op (GOBO's
    sparse list stalls the dense pipeline); true: beside it, so only the excess over the
    dense pass's ideal cycles costs time (OLAccel's outlier MACs work in parallel with its
    dense PEs).  Outliers are stored off the dense tensor as ``value_bits + index_bits``
    per outlier.
    """

    enabled: bool = False
    overlap: bool = False
    weight_frac: float = field(default=0.0, metadata={"min": 0.0, "max": 1.0})
    act_frac: float = field(default=0.0, metadata={"min": 0.0, "max": 1.0})
    lanes: int = 1
    value_bits: int = field(default=0, metadata={"min": 0})
    index_bits: int = field(default=0, metadata={"min": 0})
    sync_cycles_per_fold: int = field(default=0, metadata={"min": 0})
    mac_actions: list[str] = field(default_factory=list)
    area_overhead: float = field(default=0.0, metadata={"min": 0.0})


@dataclass(frozen=True)
class OverlappedOutlierPath(OutlierPath):
    """An outlier path working beside the dense array (OLAccel): its MACs cost time only
    beyond the dense pass's ideal ``ceil(macs / dense_macs_per_cycle)`` cycles.

    Attributes:
        dense_macs_per_cycle: peak MACs per cycle of the dense array (slots x MACs per slot).
    """

    dense_macs_per_cycle: int = 1

    def run(self, op: Op, macs: int, folds: int) -> tuple[float, int]:
        """``(outlier MACs, extra cycles)``: the serial path's cycles minus the dense pass's
        ideal cycles, never negative."""
        om, serial = super().run(op, macs, folds)
        if serial == 0:
            return om, 0
        return om, max(0, serial - math.ceil(macs / self.dense_macs_per_cycle))


@dataclass(frozen=True)
class OliveParams(HostMemoryMixin):
    """Everything under ``params:`` of a ``design: olive`` preset."""

    variant: Literal["olive", "ant", "olaccel", "gobo", "adafloat"]
    quant_preset: str
    clock_mhz: float
    node_nm: float
    array: ArrayGeometry
    pe: PECfg
    decoder: DecoderCfg
    outlier: OutlierCfg
    sram: SramCfg
    dram: DramCfg
    vector: VectorCfg
    energy: EnergyCfg
    static: StaticPower = StaticPower()
    pe_power: PEPowerParams = PEPowerParams()

    def array_power_mw(self) -> tuple[tuple[str, float], ...]:
        """(component, mW) of the array per compute cycle: ``static.pes`` synthesised PEs'
        dynamic power (``pe_power.energy: synthesised``, as the ANT/OliVe artifact charges its
        core), else none (the slot's MAC actions are charged per MAC)."""
        return self.pe_power.array_power_mw(self.static)

    def array_params(self) -> ArrayParams:
        a = self.array
        return ArrayParams(
            a.rows,
            a.cols,
            a.dataflow,
            self.decoder.latency_cycles,
            self.decoder.action,
            fold_convention=a.fold_convention,
        )


def olive_params(hw: HardwareConfig) -> OliveParams:
    """Validated parameters of a ``design: olive`` preset (InputError naming the field)."""
    p = build_array_params(OliveParams, hw)
    if not p.dram.energy_action:
        raise InputError(f"{hw.name}.params.dram.energy_action", "missing required field (energy action per bit)")
    p.pe_power.check(p.static, f"{hw.name}.params")
    return p


#: What an OliVe-study preset's results report (the paper compares variants on one array).
ASSUMPTIONS = (
    "same array slots, memories and vector unit for every variant (iso-slot, not iso-area; area reported)",
    "ops run back to back; folds of one op back to back; edge folds zero-padded",
    "wider integer operands are bit-sliced: 8-bit on 4-bit multipliers = 4 passes",
    "outlier path: GOBO serialised after the dense pass of each op; OLAccel beside it (only the excess costs time)",
    "energy: PE array = the ANT/OliVe artifact's synthesised PE dynamic power x PEs per compute cycle where the "
    "preset says pe_power.energy synthesised (else Horowitz MAC actions scaled to the preset node); edge decoders, "
    "outlier lanes, SRAM and DRAM per action from our tables; static = PE leakage + DRAM background x time "
    "(ANT/OliVe artifact figures) where the preset gives them",
)


def olive_hosted_pe(p: OliveParams) -> HostedPE:
    """The preset's slot PE with its edge decoders and its MAC actions (what another host carries
    over, sim/olive/components.py)."""
    d = p.decoder
    return HostedPE(
        p.pe.pe_type(),
        "olive",
        f"OliVe-study slot {p.pe.name} ({p.variant})",
        decoder=EdgeDecoder((), d.latency_cycles, d.action, d.area_key),
        energy_tables=(ENERGY_TABLE,),
        area_tables=(AREA_TABLE,),
        area_terms=((p.pe.area_key, 1.0),),
        source=f"preset (variant {p.variant})",
    )


def olive_machine(p: OliveParams) -> Machine:
    """The host machine of an OliVe-study preset: its slot PE with the edge decoders, the
    outlier path when enabled, the baseline's memories and vector unit.  With
    ``pe_power.energy: synthesised`` the array draws the synthesised PE power per compute
    cycle and the slot's MAC actions are not charged (the decoders and outlier lanes still are)."""
    o = p.outlier
    hosted = olive_hosted_pe(p)
    if p.pe_power.synthesised:
        hosted = replace(hosted, pe=replace(hosted.pe, mac_actions=()))
    outlier: OutlierPath | None = None
    if o.enabled:
        fields = (
            o.weight_frac,
            o.act_frac,
            o.lanes,
            o.value_bits,
            o.index_bits,
            o.sync_cycles_per_fold,
            tuple(o.mac_actions),
            o.area_overhead,
        )
        if o.overlap:
            dense = p.array.rows * p.array.cols * p.pe.macs_per_cycle
            outlier = OverlappedOutlierPath(*fields, dense_macs_per_cycle=dense)
        else:
            outlier = OutlierPath(*fields)
    return p.host_machine(
        "olive",
        hosted,
        (MEMORY_ENERGY, ENERGY_TABLE),
        (AREA_TABLE,),
        Conventions(strict_operands=False, sparse_stored_dense=False),
        outlier=outlier,
        static_power_mw=p.static.powers_mw(),
        array_power_mw=p.array_power_mw(),
    )


class OliveProfile:
    """``design: olive`` presets on the one array host."""

    def machine(self, hw: HardwareConfig) -> Machine:
        return olive_machine(olive_params(hw))

    def program_meta(self, trace: Trace, hw: HardwareConfig) -> dict[str, Any]:
        return {"preset": hw.name, "variant": olive_params(hw).variant}

    def result_meta(self, m: Machine, hw: HardwareConfig, program, run, area) -> dict[str, Any]:
        p = olive_params(hw)
        return {
            **{k: v for k, v in program.meta.items() if k != "trace_meta"},
            "variant": p.variant,
            "area_mm2": area,
            "outlier_cycles": run.outlier_cycles,
            "array": f"{p.array.rows}x{p.array.cols} os, slot {p.pe.name} (x{m.pe.pe.macs_per_cycle} MACs/cycle)",
        }

    def assumptions(self, m: Machine, program, run) -> list[str]:
        return list(ASSUMPTIONS)
