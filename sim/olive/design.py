"""The ``olive`` design: OliVe (ISCA 2023) and its baselines as presets of the one array host.

=========  ================================================================  =====================
variant    slot PE / decoders / outlier path                                 presets
=========  ================================================================  =====================
olive      four 4-bit exponent-integer PEs per slot, OVP edge decoders       olive-w4a4, olive-w8a8
ant        four 4-bit PEs, int/flint edge decoders                           ant-w4a4, ant-w8a8
olaccel    4-bit dense PEs + serialised 8-bit outlier lanes                  olaccel-w4a4
gobo       FP16 MACs on dictionary weights + FP32 outlier lanes              gobo-w3a16
adafloat   8-bit adaptive-float MAC                                          adafloat-w8a8
=========  ================================================================  =====================

The INT8 baseline is the foundation ``systolic`` design (preset ``systolic-int8``): same
array geometry, memories and vector unit.  The pipeline (mapping, op loop, energy, area,
Result) is :mod:`sim.systolic.host`; the machine comes from :mod:`sim.olive.params`.
"""

from __future__ import annotations

from llmaccel.sim.olive.params import OliveProfile
from llmaccel.sim.systolic.host import ArrayHost

DESIGN = ArrayHost("olive", OliveProfile())
