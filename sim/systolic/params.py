"""Typed parameters of the ``systolic`` design (built from a preset with ``sim.params.build``)
and its :class:`Profile` for the one array host (:mod:`sim.systolic.host`): the baseline
array with any registered PE, any named memory system and an optional sparse MUX."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmaccel.mapping.systolic import ArrayProgram, GemmTask
from llmaccel.sim.components import hosted_pe
from llmaccel.sim.hardware.array import ArrayGeometry
from llmaccel.sim.hardware.energy import SramEnergy
from llmaccel.sim.hardware.memory import MEMORY_ENERGY, OffChipMemory, SramLevels, build_array_params
from llmaccel.sim.hardware.vector import VectorUnitCfg
from llmaccel.sim.memory import OffChip
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.systolic.machine import BASELINE_CONVENTIONS, Conventions, Machine, SparseMux, VectorUnit
from llmaccel.sim.systolic.model import ArrayParams, EnergyActions, MemParams
from llmaccel.sim.systolic.pe import PEType
from llmaccel.sim.systolic.plugins import HostedPE
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.trace import Trace


@dataclass(frozen=True)
class ArrayCfg(ArrayGeometry):
    """The geometry plus ``pe``: any PE type registered in :mod:`sim.components`, and
    ``sparse_mux``: N:M weight sparsity is exploited by a sparse-MUX front end (needs the
    ``sparse`` section); false: sparse weights are stored and computed dense."""

    pe: str = field(kw_only=True)
    sparse_mux: bool = field(default=False, kw_only=True)


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


#: The hardware layer's sections under the names the array presets' schema uses.
SramCfg = SramLevels
DramCfg = OffChipMemory
VectorCfg = VectorUnitCfg
EnergyCfg = SramEnergy


class HostMemoryMixin:
    """``off_chip``, ``mem_params`` and ``energy_actions`` for any array host whose
    parameters have ``clock_mhz``, ``dram``, ``sram`` and ``energy`` sections of the
    systolic schema (the systolic, OliVe and MixPE presets)."""

    # provided by the dataclass that mixes this in (declared here for the type checker only:
    # a plain class's annotations are not dataclass fields)
    clock_mhz: float
    node_nm: float
    dram: Any
    sram: Any
    energy: Any
    vector: Any

    def array_params(self) -> ArrayParams:
        raise NotImplementedError  # each params dataclass builds its own array

    def off_chip(self) -> OffChip:
        return self.dram.channel(self.clock_mhz)

    def mem_params(self) -> MemParams:
        s = self.sram
        return MemParams(
            s.input_kib * 1024, s.weight_kib * 1024, s.output_kib * 1024, self.off_chip(), s.double_buffered
        )

    def dram_action(self) -> str:
        """Energy action per off-chip bit: the ``dram`` section's."""
        return str(self.dram.energy_action)

    def energy_actions(self) -> EnergyActions:
        return EnergyActions(self.energy.sram_access, self.energy.sram_access_bits, self.dram_action())

    def host_machine(
        self,
        design: str,
        hosted: HostedPE,
        energy_tables: tuple[Path, ...],
        area_tables: tuple[Path, ...],
        conventions: Conventions = BASELINE_CONVENTIONS,
        **plugins: Any,
    ) -> Machine:
        """The array host's machine: this preset's clock, node, array, memories, vector unit
        and energy actions with ``hosted`` in every slot and optional ``plugins`` (dequant,
        outlier, sparse)."""
        return Machine(
            design,
            self.clock_mhz,
            self.node_nm,
            self.array_params(),
            hosted,
            self.mem_params(),
            vector_unit(self.vector),
            self.energy_actions(),
            energy_tables,
            area_tables,
            conventions,
            **plugins,
        )


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
        return hosted_pe(self.array.pe)

    def array_params(self) -> ArrayParams:
        dec = self.hosted().decoder
        a = self.array
        if dec is None:
            return ArrayParams(a.rows, a.cols, a.dataflow, fold_convention=a.fold_convention)
        return ArrayParams(
            a.rows, a.cols, a.dataflow, dec.latency_cycles, dec.action, fold_convention=a.fold_convention
        )


def systolic_params(hw: HardwareConfig) -> SystolicParams:
    """Validated parameters.  ``dram`` may name a memory system of :mod:`sim.hardware.memory`
    (e.g. ``dram: hbm3``) instead of spelling out the section."""
    p = build_array_params(SystolicParams, hw)
    if not p.dram.energy_action:
        raise InputError(f"{hw.name}.params.dram.energy_action", "missing required field (energy action per bit)")
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


def vector_unit(v: VectorCfg) -> VectorUnit:
    """The FP16 vector unit of a systolic-schema preset (with its memory traffic)."""
    return VectorUnit(v.lanes, v.latency_cycles, tuple(v.passes.items()), tuple(v.actions), True)


class SystolicProfile:
    """``design: systolic`` presets on the one array host."""

    def machine(self, hw: HardwareConfig) -> Machine:
        p = systolic_params(hw)
        hosted = p.hosted()
        sparse = None
        if p.array.sparse_mux:
            s = p.sparse
            assert s is not None  # systolic_params requires the sparse section with sparse_mux
            meta = 8 * s.meta_block_bytes / (s.meta_block_k * s.meta_block_n)
            sparse = SparseMux(s.block_k, s.index_bits, meta, s.mux_area_um2, s.mux_area_node_nm)
        return p.host_machine(
            "systolic",
            hosted,
            (MEMORY_ENERGY, *hosted.energy_tables),
            hosted.area_tables,
            dequant=hosted.group_dequant,
            sparse=sparse,
        )

    def program_meta(self, trace: Trace, hw: HardwareConfig) -> dict[str, Any]:
        return {"trace_meta": dict(trace.meta), "requests": len(trace.requests)}

    def result_meta(self, m, hw, program: ArrayProgram, run, area) -> dict[str, Any]:
        a, hosted = m.array, m.pe
        return {
            "area_mm2": area,
            "array": f"{a.rows}x{a.cols} {a.dataflow} {hosted.pe.name}",
            "components": {
                "pe": hosted.name,
                "pe_origin": hosted.origin,
                "dram": hw.params["dram"] if isinstance(hw.params.get("dram"), str) else "preset",
                "sparse_mux": m.sparse is not None,
            },
            **{k: v for k, v in program.meta.items() if k != "trace_meta"},
        }

    def assumptions(self, m: Machine, program: ArrayProgram, run) -> list[str]:
        hosted = m.pe
        extra = (
            [f"PE {hosted.name} from design {hosted.origin} ({hosted.source})"] if hosted.origin != "systolic" else []
        )
        if hosted.decoder:
            extra.append(
                f"edge decoders for {', '.join(hosted.decoder.formats)}: "
                f"+{hosted.decoder.latency_cycles} cycle(s) per fold, {hosted.decoder.action} per operand element"
            )
        if hosted.group_dequant:
            extra.append(
                f"in-PE group dequantizer: {hosted.group_dequant.action} per output per weight group, "
                "never stalls the array (group size a multiple of the PE lanes)"
            )
        if m.sparse is not None:
            extra.append(
                f"sparse MUX: N:M weights stream kept slots only, windows of {m.sparse.block_k} along K; "
                f"{run.sparse_ops} op(s) ran sparse; MUX energy not modelled"
            )
        elif any(isinstance(t, GemmTask) and t.op.b_spec.sparsity is not None for t in program.tasks):
            extra.append("sparse weights stored and computed dense (array.sparse_mux is false)")
        return [
            "ops run back to back; folds of one op run back to back (no fill/drain overlap)",
            "edge folds are zero-padded to the full array",
            "double-buffered SRAM blocks: DRAM fetch of block i+1 and write of block i-1 overlap compute of block i",
            "GEMM operands are fetched from DRAM; vector-op data stays on chip if it fits the output SRAM",
            "energy: Horowitz 45 nm op/SRAM energies scaled to the preset node by C*V^2; no leakage",
            *extra,
        ]
