"""The ``systolic`` design: the baseline array on the one array host (:mod:`sim.systolic.host`).

``array.pe`` is any PE of :mod:`sim.components` (a PE brought from another design carries its
edge decoders, per-group dequantizer and energy/area tables); ``dram`` may name a memory
system; ``array.sparse_mux`` streams only the kept slots of N:M weights.  Presets:
``systolic-int8``, ``systolic-int8-hbm``, ``systolic-fp16``.  docs/sim-core.md.
"""

from __future__ import annotations

from llmaccel.sim.systolic.host import ArrayHost
from llmaccel.sim.systolic.params import SystolicProfile

DESIGN = ArrayHost("systolic", SystolicProfile())
