"""PE-type descriptors: a PE is a parameter of a host array.

A design with its own PE (OliVe's exponent-integer PE, MixPE's shift-add PE)
builds a :class:`PEType` and hands it to :func:`sim.systolic.model.simulate_gemm`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llmaccel.workloads.errors import InputError

PE_FAMILIES = ("int", "float")


@dataclass(frozen=True)
class PEType:
    """One processing element.

    Attributes:
        name: e.g. ``"int8"``, ``"fp16"``, ``"olive-ovp4"``.
        a_bits, b_bits: operand widths one MAC takes natively (bits).
        family: ``"int"`` (integer operands; wider ints are bit-sliced into
            several passes) or ``"float"`` (floating-point MAC; accepts any
            operand of <= its width, ints included, in one pass).
        macs_per_cycle: reduction-dimension elements one PE multiplies and
            accumulates per cycle (dot-product width ``d``; 1 for a plain MAC).
        pipeline_latency: cycles from operands at the PE to the sum leaving it
            (>= 1; 1 = single-cycle MAC).
        acc_bits: accumulator / partial-sum width (bits).
        mac_actions: energy-table actions charged once per MAC.
        area_key: entry of the area table (``sim/tables/area.yaml``) for one PE.
    """

    name: str
    a_bits: int
    b_bits: int
    family: str = "int"
    macs_per_cycle: int = 1
    pipeline_latency: int = 1
    acc_bits: int = 32
    mac_actions: tuple[str, ...] = ()
    area_key: str = ""

    def __post_init__(self) -> None:
        for f in ("a_bits", "b_bits", "macs_per_cycle", "pipeline_latency", "acc_bits"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise InputError(f"pe.{f}", f"must be a positive integer, got {v!r}")
        if self.family not in PE_FAMILIES:
            raise InputError("pe.family", f"unknown value {self.family!r}; allowed: {', '.join(PE_FAMILIES)}")

    def passes(
        self, a_bits: float, b_bits: float, a_float: bool = False, b_float: bool = False, what: str = "op"
    ) -> int:
        """Array passes needed for operands of ``a_bits`` x ``b_bits``.

        Integer PEs bit-slice wider integer operands: ``ceil(a/pe_a) * ceil(b/pe_b)``
        passes (e.g. 8-bit on 4-bit PEs: 4).  Float operands on an integer PE are
        rejected; a float PE takes anything up to its width in one pass.
        """
        if self.family == "int":
            if a_float or b_float:
                raise InputError(
                    "quant",
                    f"{what} has floating-point operands but PE {self.name!r} is integer-only; "
                    "quantize the trace (e.g. --quant w8a8) or use a float-PE preset such as systolic-fp16",
                )
            return math.ceil(a_bits / self.a_bits - 1e-9) * math.ceil(b_bits / self.b_bits - 1e-9)
        if a_bits > self.a_bits + 1e-9 or b_bits > self.b_bits + 1e-9:
            raise InputError(
                "quant",
                f"{what} needs {a_bits:g}x{b_bits:g}-bit operands but float PE {self.name!r} "
                f"takes at most {self.a_bits}x{self.b_bits}",
            )
        return 1


INT8_PE = PEType("int8", 8, 8, "int", 1, 1, 32, ("int8_mult", "int32_add"), "pe_int8")
FP16_PE = PEType("fp16", 16, 16, "float", 1, 1, 32, ("fp16_mult", "fp32_add"), "pe_fp16")

BUILTIN_PES: dict[str, PEType] = {p.name: p for p in (INT8_PE, FP16_PE)}


def builtin_pe(name: str) -> PEType:
    """The builtin PE type ``name`` (``int8``, ``fp16``).  PEs of other designs (OliVe, MixPE ...)
    resolve through :func:`sim.components.hosted_pe`, which imports this module (not the reverse:
    no import cycle)."""
    if name in BUILTIN_PES:
        return BUILTIN_PES[name]
    raise InputError(
        "array.pe",
        f"{name!r} is not a builtin PE type; builtin: {', '.join(sorted(BUILTIN_PES))} "
        "(registered PE types: sim.components.hosted_pe)",
    )
