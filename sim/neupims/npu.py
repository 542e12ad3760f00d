"""What of the NPU's timing is NeuPIMs' own: decode attention on the arrays and the vector units.

The NPU's GEMMs are costed by the one array host (:func:`sim.systolic.host.gemm_instance` on
the machine of :func:`sim.neupims.params.npu_machine`) with the instruction-pipeline timing
plug-in :class:`sim.systolic.timing.InstructionPipelineTiming` (spec/neupims.md "NPU as the
authors model it"; ``pipelined`` and ``artifact`` schedules).  Left here:

* :func:`attention_sa_cycles` -- NPU-only decode attention in the artifact's ``FusedMHA``
  (GEMVs on the arrays, a chain of preload instructions of the same pipeline);
* :func:`attention_systolic_ws_cycles` -- the same ``FusedMHA`` on the ``npu-only`` branch's
  core (``SystolicWS``), whose preloads do not overlap (the baseline the paper ran);
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


def add_tree_iterations(n: int, width: int) -> int:
    """The artifact's add-tree passes over ``n`` values on a ``width``-lane vector unit
    (``SystolicWS::calculate_add_tree_iterations``, casys-kaist/NeuPIMs npu-only
    src/SystolicWS.cc:301-312): 1 if ``n <= width``, else ``r + f(r)`` with ``r = ceil(n / width)``."""
    if n <= width:
        return 1
    r = -(-n // width)
    return r + add_tree_iterations(r, width)


def softmax_systolic_ws_cycles(n: int, width: int) -> int:
    """Cycles of one ``SOFTMAX`` instruction over ``n`` values on one vector unit of ``width``
    lanes (npu-only src/SystolicWS.cc:283-288): ``2 x add-tree passes + ceil(n / width) x
    (add + exp + mul)``, every latency 1 (configs/systolic_ws_128x128_dev.json add/exp/mul/
    add_tree_latency 1)."""
    return 2 * add_tree_iterations(n, width) + 3 * -(-n // width)


def attention_systolic_ws_cycles(
    kv_lens: Iterable[int], heads: int, head_dim: int, rows: int, cols: int, arrays: int, vector_width: int
) -> int:
    """Array + vector cycles of NPU-only decode attention as the authors' ``npu-only`` branch
    runs it: ``FusedMHA`` (src/operations/FusedMHA.cc:176-216) on the ``SystolicWS`` core
    (src/Simulator.cc:45-47, ``core_type: systolic_ws``), compute bound (K and V of a request are
    loaded by its tile's MOVINs, double-buffered ahead of the compute).

    Per request and head, in the in-order execute queue (``SystolicWS::get_first_ready_ex_inst``,
    src/SystolicWS.cc:473-481, ``Core::can_issue_compute`` waits for each source):

    * q.K: one ``GEMM_PRELOAD`` of ``size = L / 8`` (integer division, FusedMHA.cc:180, the
      artifact's fixed 8 arrays);
    * ``SOFTMAX`` over ``L`` logits, issued when q.K's result is in the accumulator
      (:func:`softmax_systolic_ws_cycles`);
    * logits.V: ``ceil((L + 127) / 128)`` ``GEMM_PRELOAD`` of ``size = head_dim / 8``
      (FusedMHA.cc:202-216), the first into an empty pipeline.

    ``SystolicWS::issue_ex_inst`` (src/SystolicWS.cc:345-366): an instruction takes
    ``rows + cols + size - 1`` cycles (:265-266); a preload into an empty pipeline starts 8
    cycles after issue (``is_gemv``), one behind another instruction starts when that one
    finishes.  So every preload runs in series: the first q.K of the op starts 8 cycles in, each
    later q.K when the previous head's last logits.V finishes, and each head adds
    ``(R + C + L/8 - 1) + softmax + 8 + n_V (R + C + head_dim/8 - 1)``."""
    lat = rows + cols - 1
    total = 0
    for L in kv_lens:
        L = int(L)
        n_v = -(-(L + rows - 1) // rows)
        per_head = (
            (lat + L // arrays) + softmax_systolic_ws_cycles(L, vector_width) + 8 + n_v * (lat + head_dim // arrays)
        )
        total += heads * per_head
    return total + 8 if total else 0
