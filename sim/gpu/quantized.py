"""Weight-quantized GPU paths: GOBO (dequantize, then FP16 GEMM) and OliVe (INT4 tensor cores).

Both run one trace under :mod:`sim.gpu.achieved` on a GPU preset (OliVe's GPU
comparison: RTX 2080 Ti).  Kernels per op, one kernel per trace op otherwise:

GOBO (Zadeh et al., MICRO 2020) keeps weights as 3-bit dictionary indices plus FP32
outliers; a GPU has no dictionary MAC, so each weight matmul runs three kernels:

1. dequantize: read the 3-bit indices, look each up (``flops_per_element.dict_lookup``),
   write FP16 weights;
2. outliers: read each FP32 outlier (value + position) and add it back into the FP16
   weight matrix, one scattered ``sector_bytes`` write per outlier;
3. FP16 tensor-core GEMM reading the FP16 weights.

GOBO with the decompression at the memory side (``gobo_pass(..., memory_side=True)``,
:func:`gobo_memory_op_kernels`): how OliVe's paper describes its GOBO runs -- "GOBO only
quantizes the weight tensors and computes with FP16. We implemented GOBO's memory
organization in the GPU" (Sec. 5.3); GOBO "can only compress and decompress the memory at the
DRAM level for GPU" (Sec. 2.2) and "still relies on the original on-chip memory and computation
architecture of GPU with high precision FP16/32" (Sec. 1).  So each weight matmul is
one FP16 tensor-core GEMM whose off-chip traffic is the compressed weights (3-bit indices plus
the FP32 outliers with their positions) beside FP16 activations and outputs; the decompressor
between DRAM and the chip is assumed to keep pace (no time, no kernels of its own).

OliVe (Guo et al., ISCA 2023) puts OVP decoders in front of the tensor cores' dot-product
units (spec/olive.md), so a 4-bit OVP matmul runs on the INT4 tensor peak with the
decode inline (no extra time: the decoder is a pipeline stage, assumed not to stall).  The
activations are produced in FP16 by the previous op, so each OVP operand that is not a
weight (weights are encoded offline) is encoded by one CUDA-core kernel
(``flops_per_element.ovp_encode``) before the GEMM.

Units: seconds; bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmaccel.sim.gpu.achieved import PassTime, achieved_of, memory_s, op_work_s, pass_time, vector_compute_s
from llmaccel.sim.hardware.gpu import Achieved, GpuParams
from llmaccel.sim.preset import HardwareConfig, load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace

FP16_BYTES = 2


@dataclass(frozen=True)
class GoboWeights:
    """GOBO's weight format: outlier fraction and stored bits per outlier (value + position)."""

    outlier_frac: float
    outlier_bits: float

    def __post_init__(self) -> None:
        if not 0 <= self.outlier_frac < 1:
            raise InputError("outlier_frac", f"must be in [0, 1), got {self.outlier_frac!r}")
        if self.outlier_bits <= 0:
            raise InputError("outlier_bits", f"must be > 0, got {self.outlier_bits!r}")


def _per_element(p: GpuParams, key: str) -> float:
    if key not in p.flops_per_element:
        raise InputError(f"flops_per_element.{key}", "missing in the GPU preset (needed by the quantized GPU path)")
    return p.flops_per_element[key]


def _is_gobo_weight(op: Op) -> bool:
    return op.kind.is_matmul and op.b_class == "weight" and op.b_spec.fmt == "gobo"


def gobo_op_kernels(op: Op, p: GpuParams, a: Achieved, w: GoboWeights) -> list[float]:
    """Busy seconds of the kernels one op runs on GOBO's GPU path (3 for a GOBO weight matmul)."""
    if not _is_gobo_weight(op):
        return [op_work_s(op, p, a)]
    weights = op.k * op.n * op.count
    dequant = max(
        memory_s(op.b_bytes() + weights * FP16_BYTES, p, a),
        vector_compute_s(weights * _per_element(p, "dict_lookup"), p),
    )
    outliers = weights * w.outlier_frac
    outlier = memory_s(outliers * (w.outlier_bits / 8 + a.sector_bytes), p, a)
    fp16_bytes = op.a_bytes() + weights * FP16_BYTES + op.out_bytes()
    gemm = op_work_s(op, p, a, peak="fp16", nbytes=fp16_bytes)
    return [dequant, outlier, gemm]


def gobo_memory_op_kernels(op: Op, p: GpuParams, a: Achieved, w: GoboWeights) -> list[float]:
    """Busy seconds of one op on GOBO's GPU path with the decompression at the memory side: one
    FP16 GEMM per weight matmul reading the compressed weights (indices + outliers) from DRAM."""
    if not _is_gobo_weight(op):
        return [op_work_s(op, p, a)]
    outlier_bytes = op.k * op.n * op.count * w.outlier_frac * w.outlier_bits / 8
    nbytes = op.a_bytes() + op.b_bytes() + outlier_bytes + op.out_bytes()
    return [op_work_s(op, p, a, peak="fp16", nbytes=nbytes)]


def olive_op_kernels(op: Op, p: GpuParams, a: Achieved) -> list[float]:
    """Busy seconds of the kernels one op runs on OliVe's GPU path (encode kernels + INT4 GEMM)."""
    if not (op.kind.is_matmul and op.a_spec.family == "ovp"):
        return [op_work_s(op, p, a)]
    if not p.peak_tops.has("int4"):
        raise InputError("peak_tops.int4", "missing: OliVe's GPU path runs on INT4 tensor cores")
    kernels = []
    operands = [(op.m * op.k * op.count, op.a_bytes())]
    if op.b_class != "weight":
        operands.append((op.k * op.n * op.count, op.b_bytes()))
    for values, coded_bytes in operands:
        kernels.append(
            max(
                memory_s(values * FP16_BYTES + coded_bytes, p, a),
                vector_compute_s(values * _per_element(p, "ovp_encode"), p),
            )
        )
    kernels.append(op_work_s(op, p, a, peak="int4"))
    return kernels


def _pass(trace: Trace, preset: str | HardwareConfig, per_op, syncs: int) -> PassTime:
    hw = load_preset(preset) if isinstance(preset, str) else preset
    p, a = achieved_of(hw)
    kernels = [t for op in trace.ops for t in per_op(op, p, a)]
    return pass_time(sum(kernels), len(kernels), a, syncs)


def gobo_pass(
    trace: Trace, preset: str | HardwareConfig, weights: GoboWeights, syncs: int = 0, memory_side: bool = False
) -> PassTime:
    """``trace`` (GOBO-quantized linear weights) on a GPU: dequantize + outlier + FP16 GEMM kernels,
    or with ``memory_side`` one FP16 GEMM on weights decompressed between DRAM and the chip."""
    kernels = gobo_memory_op_kernels if memory_side else gobo_op_kernels
    return _pass(trace, preset, lambda op, p, a: kernels(op, p, a, weights), syncs)


def olive_pass(trace: Trace, preset: str | HardwareConfig, syncs: int = 0) -> PassTime:
    """``trace`` (OVP-quantized matmuls) on a GPU with OVP decoders before INT4 tensor cores."""
    return _pass(trace, preset, olive_op_kernels, syncs)
