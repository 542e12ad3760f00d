"""Which operand formats FlightLLM's datapath can host, and what decoding them costs.

FlightLLM's matrix engine is a chain of DSP48 slices multiplying INT8 activations by INT8
weights, two products packed per DSP (spec/flightllm.md); lower-precision weights are
unpacked to INT8 in LUT logic on their way from HBM, and N:M-sparse weights pass the sparse
MUX.  Hosted (issue 13 §4):

* **integers** of at most 8 bits on both operands (``int8`` ... ``int2``): directly;
* **group-quantized integers** (``int4-group`` ... ``int2-group``, ``int8-group``): codes
  unpacked to INT8, the per-group scale applied with the per-channel requantization that
  follows the DSP chain (its cost is in the DSP/SFU energy already);
* **OliVe OVP codes** (``ovp4``, ``ovp8``): a LUT decoder per operand element turns each
  outlier-victim pair into INT8 mantissas with a shift (the pair's victim is zero), charged
  ``lut_decode`` per decoded element (sim/flightllm/energy.yaml); pipelined in the operand
  path, it adds no cycles.  The OVP encoder that would produce OVP activations is not
  modelled (activations are taken to arrive encoded);
* **N:M sparsity** on weights (any N:M; the sparse MUX works on ``compute.sparse_m`` windows).

Not hosted, with the reason in the error: floating-point operands (``fp16``, ``bf16``,
``fp32``, ``adafloat8``: the DSP chain is integer), integers wider than 8 bits, ANT codes (no
LUT decoder for ANT's flint/power-of-two types is modelled) and outlier formats (GOBO,
OLAccel: a separate high-precision outlier path FlightLLM lacks).
"""

from __future__ import annotations

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.quant_spec import QuantSpec

#: format families the DSP chain takes directly (codes unpacked to INT8 in LUTs)
INT_FAMILIES = ("int", "int-group")
#: families a LUT decoder turns into INT8 operands
DECODED_FAMILIES = ("ovp",)
#: widest integer the DSP48 packing multiplies (INT8 x INT8, two per DSP)
MAX_INT_BITS = 8
ALLOWED = "integers of <= 8 bits (int8..int2, grouped or not), OVP codes (ovp4, ovp8), N:M-sparse weights"


def _why_not(spec: QuantSpec) -> str | None:
    fam = spec.family
    if fam in INT_FAMILIES:
        if spec.bits > MAX_INT_BITS:
            return f"{spec.bits}-bit integers exceed the DSP48 INT8 packing"
        return None
    if fam in DECODED_FAMILIES:
        return None
    if fam == "float":
        return f"{spec.fmt} is floating point and the DSP48 chain multiplies integers"
    if fam == "ant":
        return f"{spec.fmt}: no LUT decoder for ANT's int/flint/power-of-two types is modelled"
    if fam == "outlier":
        return f"{spec.fmt} needs a separate high-precision outlier path, which FlightLLM lacks"
    return f"{spec.fmt} ({fam}) has no decoder on FlightLLM"


def check_op(op: Op) -> None:
    """InputError naming the operand unless FlightLLM's matrix engine can host ``op``'s formats."""
    if not op.kind.is_matmul:
        return
    for operand, spec in (("a", op.a_spec), ("b", op.b_spec)):
        why = _why_not(spec)
        if why:
            raise InputError(
                "workload.quant", f"op {op.name}: operand {operand} cannot run on FlightLLM: {why}; allowed: {ALLOWED}"
            )


def decoded_elements(op: Op) -> float:
    """Operand elements that pass a LUT decoder in one run of ``op`` (all ``count`` instances):
    every stored (kept) weight and every activation element in a decoded format."""
    if not op.kind.is_matmul:
        return 0.0
    n = 0.0
    if op.a_spec.family in DECODED_FAMILIES:
        n += op.m * op.k * op.count
    if op.b_spec.family in DECODED_FAMILIES:
        n += op.k * op.n * op.count * op.b_spec.density
    return n
