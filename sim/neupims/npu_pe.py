"""A registered PE type on the NeuPIMs NPU (``npu.pe``): what it costs per GEMM.

The NPU's arrays can be built from any PE type of :mod:`sim.components` (mix and match,
issue 13 §4).  The PE is charged as the baseline systolic host charges it:

* **passes per operand width**: ``PEType.passes`` (wider integers bit-sliced, float operands
  only on a float PE); the GEMM's cycles are multiplied by the passes;
* **dot-product width** ``d = macs_per_cycle``: a PE reduces ``d`` K elements per cycle, so
  the array sees ``ceil(k / d)`` rows of K (:func:`sim.neupims.npu.gemm_cycles` on that K);
* **edge decoders** (OliVe OVP, ANT): ``decoder.latency_cycles`` per weight-tile fold of each
  array (``ceil(tiles / arrays)`` folds of the ``pipelined`` schedule), per pass; one decode
  action per element of each operand in a format the decoder takes;
* **group dequantizer** (MixPE): one dequant action per output per weight group,
  ``m x n x ceil(k / G)``, never stalling the array (group size a multiple of ``d``);
* **weights** stream from HBM in their stored format (``QuantSpec.storage_bits_per_value``)
  instead of the NPU's FP16 ``elem_bytes``;
* **MAC energy**: the PE's ``mac_actions`` per MAC (the default NPU charges fp16 multiply +
  fp16 add, the paper's NPU).

Decode attention is unchanged: it runs on PIM (FP16 MACs in the banks) or, NPU-only, on the
NPU's FP16 path; only the projection and FFN GEMMs run on the hosted PE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmaccel.sim.neupims.npu import gemm_cycles, gemm_tiles
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant_spec import QuantSpec

if TYPE_CHECKING:
    from llmaccel.sim.components import HostedPE
    from llmaccel.sim.neupims.params import NpuParams


@dataclass(frozen=True)
class PeGemm:
    """One GEMM instance on the hosted PE: cycles, operand elements decoded, dequant operations."""

    cycles: int
    decodes: int
    dequant_ops: int


def check_gemm(a: QuantSpec, b: QuantSpec, hosted: HostedPE, what: str) -> None:
    """InputError unless ``hosted`` can multiply ``a`` x ``b`` (and dequantize ``b``'s groups without
    stalls); the registry's ``array.pe`` field is named ``npu.pe`` here."""
    from llmaccel.sim.components import check_operands

    try:
        check_operands(hosted, a, b, what)
    except InputError as e:
        if e.field == "array.pe":
            raise InputError("npu.pe", e.problem) from None
        raise


def pe_gemm(m: int, n: int, k: int, a: QuantSpec, b: QuantSpec, npu: NpuParams, hosted: HostedPE) -> PeGemm:
    """Cost of an ``m x k`` by ``k x n`` GEMM on the NPU's arrays built from ``hosted`` (module docstring)."""
    pe = hosted.pe
    passes = hosted.passes(a, b, f"{m}x{k}x{n} GEMM")
    k_rows = math.ceil(k / pe.macs_per_cycle)
    cycles = gemm_cycles(m, n, k_rows, npu)
    decodes = 0
    if hosted.decoder is not None:
        folds = math.ceil(gemm_tiles(m, n, k_rows, npu) / npu.arrays)
        cycles += hosted.decoder.latency_cycles * folds
        decodes = (m * k if a.fmt in hosted.decoder.formats else 0) + (k * n if b.fmt in hosted.decoder.formats else 0)
    dequant = m * n * math.ceil(k / b.group_size) if hosted.group_dequant is not None and b.group_size else 0
    return PeGemm(cycles * passes, decodes * passes, dequant)


def weight_bytes_per_value(b: QuantSpec | None, npu: NpuParams) -> float:
    """Bytes per stored weight: the NPU's FP16 ``elem_bytes`` by default, the stored format on a hosted PE."""
    if npu.hosted() is None or b is None:
        return float(npu.elem_bytes)
    return b.storage_bits_per_value() / 8
