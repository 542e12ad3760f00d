"""Plug-ins of the one systolic array host: PE, edge decoder, dequantizer, outlier path.

The host (:mod:`sim.systolic.host`) runs every array design -- the baseline, OliVe and its
baselines, MixPE and its baselines -- through one mapping, one op loop and one result.
What differs between them is described here, as frozen dataclasses that carry their own
numbers (taken from presets and tables, never written in code):

* :class:`HostedPE` -- the PE in every array slot: :class:`sim.systolic.pe.PEType` (operand
  bits, lanes = MACs per cycle, pipeline depth, accumulator, MAC energy actions), how many
  passes an operand pair takes (bit slicing; MixPE's PE kinds add a fixed-point conversion
  of float operands), the edge decoder it needs, an in-PE group dequantizer, its energy and
  area tables and its area terms.
* :class:`EdgeDecoder` -- OVP / ANT decoders on the array edges: latency once per fold,
  energy per operand element entering the array, area of R + C decoders.
* :class:`GroupDequant` -- MixPE's per-group dequantizer inside each PE (no cycles; one
  operation per output per weight group) -- :class:`InLoopDequant`, the baselines'
  dequantizers that convert every weight of a block in series with the array -- and
  :class:`ArrayPassDequant`, dequantization as an extra pass of MACs on the array itself
  (how the MixPE authors' artifact costs its baselines).
* :class:`OutlierPath` -- GOBO / OLAccel's serialised outlier MAC lanes.

Units are in the names (cycles, bits, um^2 via area keys, pJ via energy actions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from llmaccel.sim.systolic.pe import PEType
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.quant_spec import QuantSpec


@dataclass(frozen=True)
class EdgeDecoder:
    """Decoders on the array edges (one per row and one per column, R + C of them).

    Attributes:
        formats: operand format names (``QuantSpec.fmt``) the decoder turns into the PE's
            integer operands, e.g. ``("ovp4",)``.  Plain integers bypass it.
        latency_cycles: cycles added once per fold (operands pass one decoder stage).
        action: energy action charged per operand element entering the array.
        area_key: area-table entry of one decoder ("" for none).
    """

    formats: tuple[str, ...]
    latency_cycles: int
    action: str
    area_key: str


@dataclass(frozen=True)
class GroupDequant:
    """A per-group dequantizer inside each PE (MixPE): one operation per output per weight
    group, pipelined so that it never stalls the array while ``group_size % d == 0``.

    Attributes:
        action: energy action per dequant operation with integer activations.
        area_key: area-table entry of one dequantizer.
        float_action: action with floating-point activations ("" = ``action``).
        ii: cycles between two operations of one dequantizer.
        pes_per_unit: PEs sharing one dequantizer (allowed while ``pes_per_unit * ii * d
            <= group_size``, so that a shared unit never stalls the array).
    """

    action: str
    area_key: str
    float_action: str = ""
    ii: int = 1
    pes_per_unit: int = 1

    def action_for(self, op: Op) -> str:
        return self.float_action if self.float_action and op.a_spec.family == "float" else self.action

    def ops(self, op: Op, group: int, mb: int) -> int:
        """Operations of one GEMM instance: ``m * n * ceil(k / G)`` (``mb`` unused)."""
        return op.m * op.n * math.ceil(op.k / group)

    def check_sharing(self, op: Op, group: int, lanes: int) -> None:
        """InputError when a shared dequantizer would stall (stalls are not modelled)."""
        if self.pes_per_unit * self.ii * lanes > group:
            raise InputError(
                "dequant.pes_per_unit",
                f"{op.name}: {self.pes_per_unit} PEs x II {self.ii} per shared "
                f"dequantizer exceed one group every {group}/{lanes} cycles; allowed: "
                f"pes_per_unit <= {group // (lanes * self.ii)} (stalls are not modelled)",
            )

    def block_cycles(self, y: int, z: int) -> int:
        """Cycles a block spends on dequantization in series with the array: none."""
        return 0

    def charges(self, op: Op, group: int, mb: int, pe: PEType) -> tuple[tuple[str, float], ...]:
        """(energy action, count) of one GEMM instance: one action per operation."""
        return ((self.action_for(op), float(self.ops(op, group, mb))),)


@dataclass(frozen=True)
class InLoopDequant:
    """Dequantizers in series with the array (the baselines' "main sequential loop"): every
    weight of a block is dequantized once per block on ``lanes`` units of initiation
    interval ``ii``, ``ceil(z * y / lanes) * ii`` cycles before the block runs.

    Attributes:
        lanes: dequantizers working in parallel.
        ii: cycles between two operations of one dequantizer.
        action: energy action per dequantized weight.
        area_key: area-table entry of one dequantizer.
    """

    lanes: int
    ii: int
    action: str
    area_key: str

    def action_for(self, op: Op) -> str:
        return self.action

    def ops(self, op: Op, group: int, mb: int) -> int:
        """Operations of one GEMM instance: ``k * n`` weights once per M block."""
        return op.k * op.n * mb

    def check_sharing(self, op: Op, group: int, lanes: int) -> None:
        return None

    def block_cycles(self, y: int, z: int) -> int:
        return math.ceil(z * y / self.lanes) * self.ii

    def charges(self, op: Op, group: int, mb: int, pe: PEType) -> tuple[tuple[str, float], ...]:
        """(energy action, count) of one GEMM instance: one action per dequantized weight."""
        return ((self.action, float(self.ops(op, group, mb))),)


@dataclass(frozen=True)
class ArrayPassDequant:
    """Dequantization run as an extra layer of MACs on the array itself, serialised after the
    GEMM it serves: an ``m * ceil(n / n_divisor) * k`` GEMM with ``bits``-bit operands (its own
    PE passes, folds and fill/drain; the host costs it with the array's closed form) -- the
    MixPE authors' artifact adds such a layer of ``M * K * N/8`` MACs beside every linear of
    its baselines.  No dedicated hardware (no area); every weight still counts as dequantized
    once per M block (:meth:`ops`).

    Attributes:
        n_divisor: output columns of the main GEMM per column of the extra layer.
        bits: operand width of the extra layer (sets its passes on the PE).
        mac_actions: energy actions charged per MAC of the extra layer per pass (empty when
            the array's energy is charged per PE-cycle instead of per MAC).
        area_key, lanes: no dedicated dequantizer ("" / 0), so the host's area function
            counts none.
    """

    n_divisor: int
    bits: int
    mac_actions: tuple[str, ...] = ()
    area_key: str = ""
    lanes: int = 0

    def action_for(self, op: Op) -> str:
        return self.mac_actions[0] if self.mac_actions else ""

    def ops(self, op: Op, group: int, mb: int) -> int:
        """Weights dequantized per GEMM instance: ``k * n`` once per M block."""
        return op.k * op.n * mb

    def check_sharing(self, op: Op, group: int, lanes: int) -> None:
        return None

    def block_cycles(self, y: int, z: int) -> int:
        """No cycles inside a block: the extra layer runs after the GEMM (:meth:`pass_shape`)."""
        return 0

    def pass_shape(self, op: Op) -> tuple[int, int, int]:
        """(m, n, k) of the extra GEMM of one instance of ``op``."""
        return op.m, math.ceil(op.n / self.n_divisor), op.k

    def passes(self, pe: PEType) -> int:
        """PE passes of the extra layer's ``bits``-bit integer operands."""
        return pe.passes(self.bits, self.bits, False, False, "dequantization pass")

    def charges(self, op: Op, group: int, mb: int, pe: PEType) -> tuple[tuple[str, float], ...]:
        """(energy action, count) of one GEMM instance: every MAC action per MAC of the
        extra layer per pass."""
        pm, pn, pk = self.pass_shape(op)
        macs = pm * pn * pk * self.passes(pe)
        return tuple((a, float(macs)) for a in self.mac_actions)


Dequantizer = GroupDequant | InLoopDequant | ArrayPassDequant


@dataclass(frozen=True)
class OutlierPath:
    """A separate outlier path beside the dense low-bit array (GOBO, OLAccel).

    Outlier MACs (a product with at least one outlier operand) run on ``lanes`` outlier MAC
    units *after* the dense pass of each op, plus ``sync_cycles_per_fold`` coordination
    cycles per array fold::

        outlier_macs = macs * (1 - (1 - f_a) * (1 - f_b))
        extra_cycles = ceil(outlier_macs / lanes) + sync_cycles_per_fold * folds

    ``f_a`` / ``f_b``: outlier fractions of operands stored in an outlier format
    (``QuantSpec.family == "outlier"``): ``act_frac`` for activations/KV, ``weight_frac``
    for weights.  Each outlier is stored as ``value_bits + index_bits``.
    """

    weight_frac: float
    act_frac: float
    lanes: int
    value_bits: int
    index_bits: int
    sync_cycles_per_fold: int
    mac_actions: tuple[str, ...]
    area_overhead: float

    def fractions(self, op: Op) -> tuple[float, float]:
        """``(f_a, f_b)``: outlier fractions of operands a and b (0 unless stored as outliers)."""
        fa = self.act_frac if op.a_spec.family == "outlier" else 0.0
        fb_rate = self.weight_frac if op.b_class == "weight" else self.act_frac
        fb = fb_rate if op.b_spec.family == "outlier" else 0.0
        return fa, fb

    def extra_bits(self, spec: QuantSpec, frac: float) -> float:
        """Average outlier payload bits per stored value of an outlier-format operand."""
        return frac * (self.value_bits + self.index_bits) if spec.family == "outlier" else 0.0

    def run(self, op: Op, macs: int, folds: int) -> tuple[float, int]:
        """``(outlier MACs, extra cycles)`` of one GEMM instance."""
        fa, fb = self.fractions(op)
        if fa == 0.0 and fb == 0.0:
            return 0.0, 0
        om = macs * (1.0 - (1.0 - fa) * (1.0 - fb))
        return om, math.ceil(om / self.lanes) + self.sync_cycles_per_fold * folds


#: Operand families a plain integer PE multiplies (group scales are applied outside the MAC).
INT_FAMILIES = ("int", "int-group")


@dataclass(frozen=True)
class PassRule:
    """MixPE-study PE kinds (``sim/mixpe/pe.py``): which operands a PE takes natively and how
    float operands on an integer PE are converted to ``float_int_bits`` fixed point first.

    Attributes:
        act_float, w_float: the PE takes floating-point a / b operands natively (one pass).
        float_int_bits: fixed-point width of a float operand converted for an integer PE.
    """

    act_float: bool
    w_float: bool
    float_int_bits: int

    def passes(self, pe: PEType, a: QuantSpec, b: QuantSpec) -> int:
        if a.family == "float":
            pa = 1 if self.act_float else math.ceil(self.float_int_bits / pe.a_bits)
        else:
            pa = math.ceil(a.bits / pe.a_bits)
        if b.family == "float":
            pb = 1 if self.w_float else math.ceil(self.float_int_bits / pe.b_bits)
        else:
            pb = 1 if (self.w_float and b.bits <= 16) else math.ceil(b.bits / pe.b_bits)
        return pa * pb


@dataclass(frozen=True)
class HostedPE:
    """A PE type as a host array sees it.

    Attributes:
        pe: bits, family, MACs/cycle, pipeline latency, accumulator, MAC energy actions.
        origin: design the PE comes from (``systolic``, ``olive``, ``mixpe``).
        description: one line.
        decoder: edge decoder this PE needs for non-integer codes (None: none).
        group_dequant: in-PE per-group dequantizer (None: group scales not applied in the PE).
        energy_tables: design energy tables holding its actions (merged over the shared one).
        area_tables: design area tables holding its area keys.
        area_terms: ``(area key, instances per PE)``; one PE's area is their sum.
        source: where the numbers come from (preset / module).
        pass_rule: MixPE-kind pass counting (None: :meth:`PEType.passes`, bit slicing of
            integers, float operands only on float PEs).
    """

    pe: PEType
    origin: str
    description: str
    decoder: EdgeDecoder | None = None
    group_dequant: GroupDequant | None = None
    energy_tables: tuple[Path, ...] = ()
    area_tables: tuple[Path, ...] = ()
    area_terms: tuple[tuple[str, float], ...] = ()
    source: str = ""
    pass_rule: PassRule | None = field(default=None)

    @property
    def name(self) -> str:
        return self.pe.name

    def passes(self, a: QuantSpec, b: QuantSpec, what: str) -> int:
        """PE passes per MAC for operands ``a`` x ``b``, from their *code* widths (group
        metadata and sparsity change traffic, not passes)."""
        if self.pass_rule is not None:
            return self.pass_rule.passes(self.pe, a, b)
        return self.pe.passes(a.bits, b.bits, a.family == "float", b.family == "float", what)

    def check_group(self, b: QuantSpec, what: str) -> None:
        """MixPE's no-stall bound for its in-PE dequantizer: ``group_size % d == 0``."""
        if self.group_dequant is None or not b.group_size:
            return
        d = self.pe.macs_per_cycle
        if b.group_size % d:
            raise InputError(
                "workload.quant",
                f"{what}: group size {b.group_size} is not a multiple of PE "
                f"{self.name!r}'s {d} lanes; its in-PE dequantizer would stall",
            )

    def area_um2(self, node_nm: float) -> float:
        """Area of one PE (um^2) at ``node_nm`` from its area terms."""
        from llmaccel.sim.area import load_area_table

        t = load_area_table(*self.area_tables)
        return sum(t.um2(key, node_nm) * n for key, n in self.area_terms)
