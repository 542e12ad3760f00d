"""Typed parameters of the ``systolic`` design, built from a preset with ``sim.params.build``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from llmaccel.sim.memory import OffChip
from llmaccel.sim.params import build
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.systolic.model import ArrayParams, EnergyActions, MemParams
from llmaccel.sim.systolic.pe import PEType
from llmaccel.workloads.errors import InputError

if TYPE_CHECKING:
    from llmaccel.sim.components import HostedPE


@dataclass(frozen=True)
class ArrayCfg:
    """``pe``: any PE type registered in :mod:`sim.components`.  ``sparse_mux``: N:M weight
    sparsity is exploited by a sparse-MUX front end (needs the ``sparse`` section); false:
    sparse weights are stored and computed dense (sparsity saves nothing)."""

    rows: int
    cols: int
    dataflow: Literal["os", "ws", "is"]
    pe: str
    sparse_mux: bool = False


@dataclass(frozen=True)
class SparseMuxCfg:
    """The sparse-MUX front end (FlightLLM's sparse DSP chain on a systolic array).

    Attributes:
        block_k: weights per MUX window along K (FlightLLM: M = 16); the N:M pattern's M must divide it.
        index_bits: stored index bits per kept weight (FlightLLM: 4).
        meta_block_k, meta_block_n: K x N extent of a metadata block (FlightLLM: 16 x 16).
        meta_block_bytes: bytes per metadata block (FlightLLM: 1 byte giving N).
        mux_area_um2: area of one lane's activation MUX (um^2 at ``mux_area_node_nm``).
        mux_area_node_nm: node of ``mux_area_um2``.
    """

    block_k: int
    index_bits: int = field(metadata={"min": 0})
    meta_block_k: int
    meta_block_n: int
    meta_block_bytes: float = field(metadata={"min": 0})
    mux_area_um2: float = field(default=0.0, metadata={"min": 0})
    mux_area_node_nm: float = 45.0

    def metadata_bits_per_weight(self, density: float) -> float:
        """Metadata bits per logical (dense) weight: ``density * index_bits + 8 * bytes / (bk * bn)``."""
        return density * self.index_bits + 8 * self.meta_block_bytes / (self.meta_block_k * self.meta_block_n)


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


class HostMemoryMixin:
    """``off_chip``, ``mem_params`` and ``energy_actions`` for any array host whose
    parameters have ``clock_mhz``, ``dram``, ``sram`` and ``energy`` sections of the
    systolic schema (the systolic and OliVe presets)."""

    def off_chip(self) -> OffChip:
        d = self.dram
        return OffChip(d.channels, d.bandwidth_gbps, d.latency_ns, d.burst_bytes, self.clock_mhz)

    def mem_params(self) -> MemParams:
        s = self.sram
        return MemParams(
            s.input_kib * 1024, s.weight_kib * 1024, s.output_kib * 1024, self.off_chip(), s.double_buffered
        )

    def energy_actions(self) -> EnergyActions:
        return EnergyActions(self.energy.sram_access, self.energy.sram_access_bits, self.dram.energy_action)


@dataclass(frozen=True)
class SystolicParams(HostMemoryMixin):
    """Everything under ``params:`` of a ``design: systolic`` preset."""

    clock_mhz: float
    node_nm: float
    array: ArrayCfg
    sram: SramCfg
    dram: DramCfg
    vector: VectorCfg
    energy: EnergyCfg
    sparse: SparseMuxCfg | None = None

    def pe(self) -> PEType:
        return self.hosted().pe

    def hosted(self) -> HostedPE:
        """The PE with what it brings to the host (edge decoder, dequantizer, tables, area)."""
        from llmaccel.sim.components import hosted_pe

        return hosted_pe(self.array.pe)

    def array_params(self) -> ArrayParams:
        dec = self.hosted().decoder
        if dec is None:
            return ArrayParams(self.array.rows, self.array.cols, self.array.dataflow)
        return ArrayParams(self.array.rows, self.array.cols, self.array.dataflow, dec.latency_cycles, dec.action)


def systolic_params(hw: HardwareConfig) -> SystolicParams:
    """Validated parameters.  ``dram`` may name a memory system of :mod:`sim.components`
    (e.g. ``dram: hbm3``) instead of spelling out the section."""
    from llmaccel.sim.components import with_named_memory

    params, _system = with_named_memory(hw.params, "dram", hw.name)
    p = build(SystolicParams, params, f"{hw.name}.params")
    p.hosted()  # unknown PE names fail here, listing the allowed ones
    if p.array.sparse_mux:
        if p.sparse is None:
            raise InputError(
                f"{hw.name}.params.sparse",
                "required when array.sparse_mux is true "
                "(block_k, index_bits, meta_block_k, meta_block_n, meta_block_bytes)",
            )
        if p.array.dataflow != "os":
            raise InputError(
                f"{hw.name}.params.array.sparse_mux", f"the sparse MUX needs dataflow os, got {p.array.dataflow!r}"
            )
    return p
