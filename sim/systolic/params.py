"""Typed parameters of the ``systolic`` design, built from a preset with ``sim.params.build``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sim.memory import OffChip
from sim.params import build
from sim.preset import HardwareConfig
from sim.systolic.model import ArrayParams, EnergyActions, MemParams
from sim.systolic.pe import PEType, builtin_pe


@dataclass(frozen=True)
class ArrayCfg:
    rows: int
    cols: int
    dataflow: Literal["os", "ws", "is"]
    pe: str


@dataclass(frozen=True)
class SramCfg:
    input_kib: int
    weight_kib: int
    output_kib: int
    double_buffered: bool = True


@dataclass(frozen=True)
class DramCfg:
    channels: int
    bandwidth_gbps: float
    latency_ns: float = field(metadata={"min": 0})
    burst_bytes: int
    energy_action: str


@dataclass(frozen=True)
class VectorCfg:
    lanes: int
    latency_cycles: int = field(metadata={"min": 0})
    passes: dict[str, int]
    actions: list[str]


@dataclass(frozen=True)
class EnergyCfg:
    sram_access: str
    sram_access_bits: int


@dataclass(frozen=True)
class SystolicParams:
    """Everything under ``params:`` of a ``design: systolic`` preset."""

    clock_mhz: float
    node_nm: float
    array: ArrayCfg
    sram: SramCfg
    dram: DramCfg
    vector: VectorCfg
    energy: EnergyCfg

    def pe(self) -> PEType:
        return builtin_pe(self.array.pe)

    def array_params(self) -> ArrayParams:
        return ArrayParams(self.array.rows, self.array.cols, self.array.dataflow)

    def off_chip(self) -> OffChip:
        d = self.dram
        return OffChip(d.channels, d.bandwidth_gbps, d.latency_ns, d.burst_bytes, self.clock_mhz)

    def mem_params(self) -> MemParams:
        s = self.sram
        return MemParams(s.input_kib * 1024, s.weight_kib * 1024, s.output_kib * 1024, self.off_chip(),
                         s.double_buffered)

    def energy_actions(self) -> EnergyActions:
        return EnergyActions(self.energy.sram_access, self.energy.sram_access_bits, self.dram.energy_action)


def systolic_params(hw: HardwareConfig) -> SystolicParams:
    return build(SystolicParams, hw.params, f"{hw.name}.params")
