"""Special-function unit (SFU): FP16 softmax / norms (two passes), SiLU, RoPE, eltwise.

Timing (spec/flightllm.md [A]): ``lanes`` elements per cycle; two-phase ops (softmax:
max+sum then normalise; layer/RMS norm: statistics then scale) read their input twice.
An op on ``rows x cols`` elements takes::

    cycles = passes * rows * ceil(cols / lanes) + pipeline_cycles

where ``pipeline_cycles`` is the FP16 datapath fill.  Fused ops (linear+SiLU,
linear+eltwise, Q/K projection+RoPE, attention MV+softmax) run on the SFU while the
producer streams its outputs, so they add no cycles to the critical path of the
matrix unit (mapping/flightllm decides which ops are fused).

Two speeds: :func:`reference_cycles` steps one cycle at a time, :func:`sfu_cycles` is
the closed form.
"""

from __future__ import annotations

from llmaccel.sim.flightllm.params import SfuParams


def passes_of(kind: str, sfu: SfuParams) -> int:
    """Input passes for an op kind (``softmax``, ``norm`` -> 2; others 1)."""
    return 2 if kind in sfu.two_pass_ops else 1


def sfu_cycles(kind: str, rows: int, cols: int, sfu: SfuParams) -> int:
    """Closed-form SFU cycles for ``rows`` vectors of ``cols`` elements."""
    if rows <= 0 or cols <= 0:
        return 0
    return passes_of(kind, sfu) * rows * (-(-cols // sfu.lanes)) + sfu.pipeline_cycles


def reference_cycles(kind: str, rows: int, cols: int, sfu: SfuParams) -> int:
    """Per-cycle reference: each cycle consumes up to ``lanes`` elements of the current row
    and pass; the last result leaves ``pipeline_cycles`` after the last input cycle."""
    if rows <= 0 or cols <= 0:
        return 0
    cycle = 0
    for _row in range(rows):
        for _p in range(passes_of(kind, sfu)):
            left = cols
            while left > 0:
                left -= min(left, sfu.lanes)
                cycle += 1
    return cycle + sfu.pipeline_cycles
