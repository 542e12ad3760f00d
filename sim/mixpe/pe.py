"""PE kinds of the MixPE study: MixPE's shift-and-add PEs and the baselines' PEs.

Every kind is hosted on the shared systolic array (:mod:`sim.systolic`): the preset's
``pe.lanes`` (dot-product width ``d``) and ``pe.pipeline_latency`` (``L``) feed the shared
fold formulas, like :class:`sim.systolic.pe.PEType`; a kind adds what that descriptor does
not carry:

* which operand formats it takes natively and how wider ones are bit-sliced into passes
  (computed from the *code* width of a QuantSpec, never from its storage width, which for
  group-quantized weights includes scale/zero metadata);
* the energy actions of one PE operation (product + accumulate), from sim/mixpe/energy.yaml
  and the shared anchors.

``PE_PIPELINE_DEPTH`` is the MixPE PE's depth (shift-add, group accumulate, zero-point
correction, scale and output accumulate); rtl/mixpe/pe.py has the same ``LATENCY``
(held equal by tests/rtl/test_mixpe.py and measured there by cocotb).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant_spec import QuantSpec

#: MixPE PE pipeline depth in cycles (== rtl.mixpe.pe.LATENCY).
PE_PIPELINE_DEPTH = 4


@dataclass(frozen=True)
class PEKind:
    """A PE family of the study.

    Attributes:
        name: preset ``pe.kind``.
        act_bits: integer activation bits handled per pass.
        act_float: accepts fp16/bf16 activations natively (one pass).
        w_bits: integer weight bits handled per pass.
        w_float: accepts floating-point ``b`` operands (attention, fp16 weights).
        product_action, accumulate_action: energy actions of one PE operation.
        extra_actions: further actions per PE operation (e.g. BitFusion's brick shift-add).
        description: one line for docs and results.
    """

    name: str
    act_bits: int
    act_float: bool
    w_bits: int
    w_float: bool
    product_action: str
    accumulate_action: str
    extra_actions: tuple[str, ...] = ()
    description: str = ""

    def passes(self, a: QuantSpec, b: QuantSpec, float_act_int_bits: int, what: str) -> int:
        """PE operations per MAC for operands ``a`` (activation) x ``b`` (weight / stationary).

        Integer operands wider than the PE are bit-sliced (``ceil(bits / native)`` each).
        A floating-point operand (an fp16 activation, or the fp16 K/V of attention) on a PE
        without native float support is first converted to a ``float_act_int_bits``
        fixed-point integer and then sliced (assumed; documented in docs/mixpe.md).
        """
        a_float = a.family == "float"
        b_float = b.family == "float"
        if a_float:
            pa = 1 if self.act_float else math.ceil(float_act_int_bits / self.act_bits)
        else:
            pa = math.ceil(a.bits / self.act_bits)
        if b_float:
            pb = 1 if self.w_float else math.ceil(float_act_int_bits / self.w_bits)
        else:
            pb = 1 if (self.w_float and b.bits <= 16) else math.ceil(b.bits / self.w_bits)
        return pa * pb


PE_KINDS: dict[str, PEKind] = {
    k.name: k
    for k in (
        PEKind(
            "mixpe-a8",
            8,
            False,
            4,
            False,
            "prod_shift_add_8x4",
            "int32_add",
            (),
            "MixPE W4A8: INT8 activation x INT4 weight by gated shifted adds",
        ),
        PEKind(
            "mixpe-a16",
            16,
            True,
            4,
            False,
            "prod_shift_add_11x4",
            "fp32_add",
            (),
            "MixPE W4A16: fp16 activation x INT4 weight, shift-add on the significand, FP32 accumulate",
        ),
        PEKind(
            "mult-a8",
            8,
            False,
            4,
            False,
            "prod_mult_8x4",
            "int32_add",
            (),
            "multiplier INT8 x INT4 PE (FIGNA-like ablation of MixPE)",
        ),
        PEKind(
            "mult-a16",
            16,
            True,
            4,
            False,
            "prod_mult_11x4",
            "fp32_add",
            (),
            "multiplier fp16 x INT4 PE (FIGNA-like ablation of MixPE)",
        ),
        PEKind("int8", 8, False, 8, False, "prod_mult_8x8", "int32_add", (), "INT8 x INT8 MAC"),
        PEKind("fp16", 16, True, 16, True, "prod_fp16_mult", "fp32_add", (), "FP16 x FP16 MAC, FP32 accumulate"),
        PEKind(
            "ant4",
            4,
            False,
            4,
            False,
            "prod_mult_4x4",
            "int32_add",
            (),
            "ANT-style 4-bit PE; wider operands bit-sliced (8-bit = 2 passes per operand)",
        ),
        PEKind(
            "bitfusion2",
            2,
            False,
            2,
            False,
            "prod_mult_2x2",
            "bitbrick_shift_add",
            ("fusion_accumulate_share",),
            "BitFusion BitBrick (2x2-bit); a fusion unit = 16 bricks = the PE's 16 lanes",
        ),
        PEKind(
            "bitfusion-fused8",
            8,
            False,
            8,
            False,
            "fusion_8x8_product",
            "int32_add",
            (),
            "BitFusion fusion unit in its 8x8 mode: 16 BitBricks fused spatially into one 8x8 multiply "
            "per cycle (no bit-slice passes); narrower operands are not sped up in this kind",
        ),
    )
}


def pe_kind(name: str) -> PEKind:
    if name not in PE_KINDS:
        raise InputError("pe.kind", f"unknown value {name!r}; allowed: {', '.join(sorted(PE_KINDS))}")
    return PE_KINDS[name]
