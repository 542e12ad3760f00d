"""The ``mixpe`` design: MixPE and its baselines (INT8, FP16, ANT-style, BitFusion-style,
FIGNA-like dequantize-in-the-loop) as presets of the one array host.

The pipeline (mapping, op loop, energy, area, Result) is :mod:`sim.systolic.host`; the
machine (PE kind, dequantizer, memories, the study's conventions) comes from
:mod:`sim.mixpe.params`.  Formulas: sim/mixpe/model.py and docs/mixpe.md.
"""

from __future__ import annotations

from llmaccel.sim.mixpe.params import MixPEProfile
from llmaccel.sim.systolic.host import ArrayHost

DESIGN = ArrayHost("mixpe", MixPEProfile())
