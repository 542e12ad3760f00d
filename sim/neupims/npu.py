"""What of the NPU's timing is NeuPIMs' own: decode attention on the arrays and the vector units.

The NPU's GEMMs are costed by the one array host (:func:`sim.systolic.host.gemm_instance` on
the machine of :func:`sim.neupims.params.npu_machine`) with the instruction-pipeline timing
plug-in :class:`sim.systolic.timing.InstructionPipelineTiming` (spec/neupims.md "NPU as the
authors model it"; ``pipelined`` and ``artifact`` schedules).  Left here:

* :func:`attention_sa_cycles` -- NPU-only decode attention in the artifact's ``FusedMHA``
  (GEMVs on the arrays, a chain of preload instructions of the same pipeline);
* :func:`vector_cycles` -- ``passes x ceil(elements / lanes)`` on the vector units (each pass
  rounds up on its own, unlike the sequential host's ``ceil(elements x passes / lanes)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from llmaccel.sim.systolic.timing import InstructionPipelineTiming


def attention_sa_cycles(kv_lens: Iterable[int], heads: int, t: InstructionPipelineTiming) -> int:
    """Systolic-array cycles of decode attention in the artifact's NPU-only mode
    (casys-kaist/NeuPIMs ``FusedMHA``): per request and head one preload instruction for
    q.K (stream ``L / arrays``) and ``ceil((L + 127) / 128)`` preload instructions for
    logits.V (stream ``head_dim / arrays``); preloads issue ``R`` cycles apart, so
    ``cycles = (2R - 1) + (P - 1) * R + latency of the last``.  The last instruction streams
    ``head_dim / arrays`` rows, taken as ``C / arrays`` (head_dim = C = 128 in all GPT3 sizes)."""
    R = t.rows
    n_pre = sum(heads * (1 + -(-(int(L) + R - 1) // R)) for L in kv_lens)
    return t.preload_chain_cycles(n_pre, t.cols // t.arrays)


def vector_cycles(elements: int, passes: int, lanes: int) -> int:
    """Cycles of ``passes`` sweeps over ``elements`` values on ``lanes`` vector lanes."""
    return passes * math.ceil(elements / lanes)
