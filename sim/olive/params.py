"""Typed parameters of the ``olive`` design (one engine, variants by preset).

A preset ``design: olive`` describes the host array (``array``), the PE that
sits in every array slot (``pe``), the edge decoders (``decoder``), an optional
separate outlier path (``outlier``: GOBO / OLAccel), memories and the vector
unit.  The memory/vector sections reuse the baseline systolic dataclasses so
all variants run on identical memories.

Units are in the names (MHz, nm, KiB, GB/s, ns, bits, cycles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from llmaccel.sim.params import build
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.systolic.model import ArrayParams
from llmaccel.sim.systolic.params import DramCfg, EnergyCfg, HostMemoryMixin, SramCfg, VectorCfg
from llmaccel.sim.systolic.pe import PEType

VARIANTS = ("olive", "ant", "olaccel", "gobo", "adafloat")


@dataclass(frozen=True)
class ArrayCfg:
    """R x C PE slots, output stationary (OliVe's dataflow)."""

    rows: int
    cols: int
    dataflow: Literal["os"] = "os"


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
    ``lanes`` outlier MAC units *after* the dense pass of each op (the designs
    serialise the sparse outlier list against the dense pipeline), plus
    ``sync_cycles_per_fold`` coordination cycles per array fold.  Outliers are
    stored off the dense tensor as ``value_bits + index_bits`` per outlier.
    """

    enabled: bool = False
    weight_frac: float = field(default=0.0, metadata={"min": 0.0, "max": 1.0})
    act_frac: float = field(default=0.0, metadata={"min": 0.0, "max": 1.0})
    lanes: int = 1
    value_bits: int = field(default=0, metadata={"min": 0})
    index_bits: int = field(default=0, metadata={"min": 0})
    sync_cycles_per_fold: int = field(default=0, metadata={"min": 0})
    mac_actions: list[str] = field(default_factory=list)
    area_overhead: float = field(default=0.0, metadata={"min": 0.0})


@dataclass(frozen=True)
class OliveParams(HostMemoryMixin):
    """Everything under ``params:`` of a ``design: olive`` preset."""

    variant: Literal["olive", "ant", "olaccel", "gobo", "adafloat"]
    quant_preset: str
    clock_mhz: float
    node_nm: float
    array: ArrayCfg
    pe: PECfg
    decoder: DecoderCfg
    outlier: OutlierCfg
    sram: SramCfg
    dram: DramCfg
    vector: VectorCfg
    energy: EnergyCfg

    def array_params(self) -> ArrayParams:
        return ArrayParams(
            self.array.rows, self.array.cols, self.array.dataflow, self.decoder.latency_cycles, self.decoder.action
        )


def olive_params(hw: HardwareConfig) -> OliveParams:
    """Validated parameters of a ``design: olive`` preset (InputError naming the field).
    ``dram`` may name a memory system of :mod:`sim.components` (``dram: hbm3``)."""
    from llmaccel.sim.components import with_named_memory

    params, _system = with_named_memory(hw.params, "dram", hw.name)
    return build(OliveParams, params, f"{hw.name}.params")
