"""What the one systolic array host runs on: a typed, frozen machine description.

Every array design (``systolic``, ``olive``, ``mixpe``) turns its preset into one
:class:`Machine` (``sim/<design>/params.py``: ``machine(hw)``); :mod:`sim.systolic.host`
then maps, runs and reports every op the same way.  The NeuPIMs NPU is a machine too
(``sim/neupims/params.py``: ``npu_machine``); its stage pipeline costs each GEMM with the
host's per-GEMM function (:func:`sim.systolic.host.gemm_instance`).  The machine holds:

* clock (MHz) and node (nm);
* the array (:class:`sim.systolic.model.ArrayParams`: R x C, dataflow, edge-decoder hook);
* the GEMM timing plug-in (:mod:`sim.systolic.timing`): the fold convention of the array
  (default) or the NeuPIMs NPU's instruction pipeline;
* the PE plug-in (:class:`sim.systolic.plugins.HostedPE`) and the other plug-ins --
  edge decoder (inside the PE plug-in), dequantizer, outlier path, sparse MUX;
* SRAM levels and the off-chip memory (:class:`sim.systolic.model.MemParams`; None for a
  machine whose GEMMs are costed without the host's SRAM blocking, the NeuPIMs NPU);
* the vector unit (:class:`VectorUnit`);
* energy actions and tables; area tables;
* static (leakage / background) powers charged for the whole run time;
* the fold / accounting :class:`Conventions` under which a study's numbers were published
  (so that the baseline array and the MixPE study, which count blocks and SRAM accesses
  differently, both run on the same pipeline without changing a number).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from llmaccel.sim.systolic.dataflow import SparsePattern
from llmaccel.sim.systolic.model import ArrayParams, EnergyActions, MemParams
from llmaccel.sim.systolic.plugins import Dequantizer, HostedPE, OutlierPath
from llmaccel.sim.systolic.timing import FoldTiming, GemmTiming
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.quant_spec import QuantSpec


@dataclass(frozen=True)
class VectorUnit:
    """The vector unit beside the array: ``cycles = ceil(elements * passes / lanes) + latency``.

    Attributes:
        lanes: elements per cycle.
        latency_cycles: pipeline latency, once per op.
        passes: op kind -> sweeps over the data (None: one sweep for every kind).
        actions: energy actions per element per pass.
        traffic: model the unit's memory traffic: data stays on chip when it fits the
            output SRAM, otherwise it streams from and back to DRAM, overlapped
            (``cycles = max(compute, DRAM)``), with SRAM/DRAM energy.  False: the data is
            taken to be in the unit (the MixPE study counts the vector unit's compute only).
    """

    lanes: int
    latency_cycles: int
    passes: tuple[tuple[str, int], ...] | None
    actions: tuple[str, ...]
    traffic: bool = True

    def passes_dict(self) -> dict[str, int] | None:
        return None if self.passes is None else dict(self.passes)


@dataclass(frozen=True)
class SparseMux:
    """The sparse-MUX front end (N:M weights stream kept slots only; os dataflow).

    Attributes:
        block_k: weights per MUX window along K.
        index_bits: stored index bits per kept weight.
        meta_bits_per_weight: block metadata bits per logical weight
            (``8 * meta_block_bytes / (meta_block_k * meta_block_n)``).
        mux_area_um2: area of one lane's MUX at ``mux_area_node_nm``.
        mux_area_node_nm: node of ``mux_area_um2``.
    """

    block_k: int
    index_bits: int
    meta_bits_per_weight: float
    mux_area_um2: float
    mux_area_node_nm: float

    def metadata_bits_per_weight(self, density: float) -> float:
        return density * self.index_bits + self.meta_bits_per_weight


@dataclass(frozen=True)
class Conventions:
    """How a study counts what the array does (each choice keeps that study's numbers).

    Attributes:
        k_unit: K granularity of SRAM blocks: ``sweep`` = one array sweep
            (``max(R, C) * d`` for os, ``R * d`` for ws/is; the baseline array), ``beat`` =
            one PE beat ``d`` (the MixPE study's simulator).
        group_aligned_k: K blocks hold whole weight groups (MixPE: a beat may not straddle
            two groups; ``lcm(k unit, G)``).
        psum_sram_per_pass: (partial) outputs are written to SRAM on every bit-slice pass
            (the baseline); false: once per block (the MixPE study).
        sram_bytes: report SRAM traffic as ``sram_read`` / ``sram_write`` (``split``) or as
            one ``sram`` total (``total``, the MixPE study's output).
        strict_operands: check operands against the PE registry (formats the PE cannot
            take, floating point on integer PEs, group size vs lanes) -- the mix-and-match
            host; a paper preset binds its own quantization preset instead.
        sparse_stored_dense: without a sparse MUX, N:M operands are stored dense (the
            baseline); false: at their compressed width (the OliVe, MixPE and NeuPIMs studies).
        uniform_operand_bits: every operand is held and multiplied at this width whatever
            its format, in one pass and without operand checks (the NeuPIMs paper's NPU
            computes everything in FP16, ``npu.elem_bytes``); None: the format's stored bits
            and the PE's passes.
    """

    k_unit: Literal["sweep", "beat"] = "sweep"
    group_aligned_k: bool = False
    psum_sram_per_pass: bool = True
    sram_bytes: Literal["split", "total"] = "split"
    strict_operands: bool = True
    sparse_stored_dense: bool = True
    uniform_operand_bits: int | None = None


#: The baseline array's conventions (every field's default).
BASELINE_CONVENTIONS = Conventions()


@dataclass(frozen=True)
class Machine:
    """One array host instance (see the module docstring).  Units: MHz, nm, bytes, cycles."""

    design: str
    clock_mhz: float
    node_nm: float
    array: ArrayParams
    pe: HostedPE
    mem: MemParams | None
    vector: VectorUnit
    energy: EnergyActions
    energy_tables: tuple[Path, ...]
    area_tables: tuple[Path, ...]
    conventions: Conventions = BASELINE_CONVENTIONS
    dequant: Dequantizer | None = None
    outlier: OutlierPath | None = None
    sparse: SparseMux | None = None
    #: (component, mW) drawn for the whole run whatever the array does (PE leakage, DRAM
    #: background power); the host charges ``mW x run time`` (empty: no static energy).
    static_power_mw: tuple[tuple[str, float], ...] = ()
    #: GEMM timing plug-in (None: the fold convention of ``array``, :class:`FoldTiming`)
    timing: GemmTiming | None = None
    #: preset key naming the PE, used in operand errors (``array.pe``; NeuPIMs: ``npu.pe``)
    pe_key: str = "array.pe"

    def gemm_timing(self) -> GemmTiming:
        """The machine's GEMM timing plug-in (:mod:`sim.systolic.timing`)."""
        return FoldTiming(self.array) if self.timing is None else self.timing

    def memory(self) -> MemParams:
        """SRAM levels and off-chip memory for the host's SRAM blocking (InputError when the
        machine has none: its GEMMs are costed per instance, :func:`sim.systolic.host.gemm_instance`)."""
        if self.mem is None:
            raise InputError(
                "design",
                f"{self.design}'s machine has no SRAM levels for the host's op loop; its own pipeline runs it",
            )
        return self.mem

    #: (component, mW) drawn during every compute cycle of the array (a synthesised PE's
    #: dynamic power x PE count, charged instead of per-MAC actions); empty: none.
    array_power_mw: tuple[tuple[str, float], ...] = ()

    @property
    def peak_macs_per_cycle(self) -> int:
        return self.array.rows * self.array.cols * self.pe.pe.macs_per_cycle

    def units(self) -> tuple[int, int, int]:
        """Preferred (m, n, k) block granularity for ``mapping.tiling``."""
        r, c, d = self.array.rows, self.array.cols, self.pe.pe.macs_per_cycle
        if self.conventions.k_unit == "beat":
            return r, c, d
        big = max(r, c)
        return {"os": (r, c, big * d), "ws": (big, c, r * d), "is": (c, big, r * d)}[self.array.dataflow]

    def weight_group(self, op: Op) -> int | None:
        """Group size of a group-quantized weight operand (None when not grouped)."""
        b = op.b_spec
        return b.group_size if b.family == "int-group" else None

    def sparse_pattern(self, op: Op) -> SparsePattern | None:
        """The N:M pattern the sparse MUX exploits for ``op`` (None: run dense)."""
        if self.sparse is None:
            return None
        if op.a_spec.sparsity is not None:
            raise InputError(
                "array.sparse_mux",
                f"op {op.name}: the sparse MUX exploits N:M sparsity of the weights (operand b) only; operand a is sparse",
            )
        sp = op.b_spec.sparsity
        if sp is None or sp.n == sp.m:
            return None
        return SparsePattern(self.sparse.block_k, sp.n, sp.m)

    def _stored(self, spec: QuantSpec) -> float:
        if self.conventions.uniform_operand_bits is not None:
            return float(self.conventions.uniform_operand_bits)
        if not self.conventions.sparse_stored_dense or spec.sparsity is None:
            return spec.storage_bits_per_value()
        return spec.bits + (spec.scale_bits / spec.group_size if spec.group_size else 0.0)

    def operand_bits(self, op: Op) -> tuple[float, float, float]:
        """Stored bits per logical element of (a, b, out): codes (+ group metadata), outlier
        payloads on the outlier path, and a sparse-MUX weight's kept codes plus metadata."""
        a, b = self._stored(op.a_spec), self._stored(op.b_spec)
        if self.sparse_pattern(op) is not None and self.sparse is not None:
            b = op.b_spec.storage_bits_per_value() + self.sparse.metadata_bits_per_weight(op.b_spec.density)
        if self.outlier is not None:
            a += self.outlier.extra_bits(op.a_spec, self.outlier.act_frac)
            b += self.outlier.extra_bits(op.b_spec, self.outlier.weight_frac)
        uniform = self.conventions.uniform_operand_bits
        out = op.out_spec.storage_bits_per_value() if uniform is None else float(uniform)
        return a, b, out
