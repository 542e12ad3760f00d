"""Typed hardware parameters of the ``mixpe`` design (built with :func:`sim.params.build`).

Units are in the names: MHz, nm, KiB, GB/s, ns, bytes; counts are PEs, lanes (MACs/cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from llmaccel.sim.memory import OffChip
from llmaccel.sim.params import build
from llmaccel.sim.preset import HardwareConfig


@dataclass(frozen=True)
class ArrayGeom:
    """R x C PEs, output stationary (the dataflow of the MixPE/ANT/BitFusion simulators)."""

    rows: int
    cols: int
    dataflow: Literal["os"] = "os"


@dataclass(frozen=True)
class PEParams:
    """PE kind (sim/mixpe/pe.py), MACs per PE per cycle, pipeline depth (cycles), and the
    width (bits) of an output partial sum held in the output SRAM or spilled to DRAM."""

    kind: str
    lanes: int
    pipeline_latency: int
    acc_bits: int = 32


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
    """

    placement: Literal["in_pe", "in_loop"]
    lanes: int
    ii: int = 1
    pes_per_unit: int = 1


@dataclass(frozen=True)
class DramParams:
    channels: int
    bandwidth_gbps: float
    latency_ns: float = field(metadata={"min": 0})
    burst_bytes: int


@dataclass(frozen=True)
class MemoryParams:
    input_kib: int
    weight_kib: int
    output_kib: int
    dram: DramParams
    double_buffered: bool = True


@dataclass(frozen=True)
class EnergyParams:
    """Energy-table actions for memories (sim/tables/energy.yaml names)."""

    sram_access: str = "sram_8kb_64b_access"
    sram_access_bits: int = 64
    dram_bit: str = "hbm2_bit"


@dataclass(frozen=True)
class MixPEParams:
    """Everything the ``mixpe`` design reads from a preset's ``params``."""

    clock_mhz: float
    node_nm: float
    array: ArrayGeom
    pe: PEParams
    dequant: DequantParams
    memory: MemoryParams
    vector_lanes: int
    float_act_int_bits: int
    energy: EnergyParams = EnergyParams()

    def offchip(self) -> OffChip:
        d = self.memory.dram
        return OffChip(d.channels, d.bandwidth_gbps, d.latency_ns, d.burst_bytes, self.clock_mhz)


def from_preset(hw: HardwareConfig) -> MixPEParams:
    """Validated parameters of a ``design: mixpe`` preset (InputError on any bad field).
    ``memory.dram`` may name a memory system of :mod:`sim.components` (``memory.dram: hbm3``);
    its energy action then replaces ``energy.dram_bit``."""
    from llmaccel.sim.components import with_named_memory

    params, system = with_named_memory(
        hw.params, "memory.dram", hw.name, ("channels", "bandwidth_gbps", "latency_ns", "burst_bytes")
    )
    if system is not None:
        params = {**params, "energy": {**(params.get("energy") or {}), "dram_bit": system.energy_action}}
    p = build(MixPEParams, params, f"{hw.name}.params")
    from llmaccel.sim.mixpe.pe import pe_kind

    pe_kind(p.pe.kind)
    return p
