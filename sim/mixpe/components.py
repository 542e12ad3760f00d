"""MixPE-study PE types for other hosts (``sim.components`` registry).

Built from the MixPE presets and PE kinds (``sim/mixpe/pe.py``) through the same plug-in
builder the ``mixpe`` design uses (:func:`sim.mixpe.params.hosted_kind`), so the numbers and
their sources are those of the ``mixpe`` design:

* ``mixpe-a8`` -- MixPE's W4A8 shift-and-add PE (INT8 activation x INT4 weight, ``lanes``
  wide, pipeline depth ``PE_PIPELINE_DEPTH``; ``pe`` of sim/presets/mixpe-w4a8.yaml) *with*
  its in-PE per-group dequantizer (one operation per output per weight group, energy
  ``dequant_group_fixed``, one unit of area per PE, counted in the PE's area).
* ``bitfusion2`` -- BitFusion's fusion unit of 2x2-bit BitBricks, brick by brick
  (sim/presets/bitfusion-bricks.yaml; the ``bitfusion`` baseline itself fuses them into one
  8x8 MAC per cycle, kind ``bitfusion-fused8``).

What a host carries over: bits per pass (8-bit activations, 4-bit weights for ``mixpe-a8``;
wider integers bit-sliced), lanes as MACs/cycle, pipeline latency, the product + accumulate
(+ extra) energy actions per MAC per pass, the area per lane, and MixPE's dequantizer
(energy per group operation; the no-stall bound ``group_size % lanes == 0`` is enforced).
What it does not: MixPE's conversion of fp16 activations to 16-bit fixed point on integer
PEs (a host rejects floating-point operands on these PEs instead), the W4A16 PE, the
baselines' in-loop dequantizers, and MixPE's group-aligned K tiling (the host's own tiling is
used; dequant operations are counted per output per group, ``m * n * ceil(k / G)``).
"""

from __future__ import annotations

from dataclasses import replace

from llmaccel.sim.mixpe.params import from_preset, hosted_kind
from llmaccel.sim.preset import load_preset
from llmaccel.sim.systolic.plugins import GroupDequant, HostedPE

#: MixPE's per-PE dequantizer (energy action) and its area entry: one unit per PE, counted
#: as one of the PE's area terms (so the plug-in itself has no separate area key).
MIXPE_DEQUANT = GroupDequant("dequant_group_fixed", "")
MIXPE_DEQUANT_AREA = "dequant_group_fixed"


def _hosted(name: str, preset: str, group_dequant: GroupDequant | None, description: str) -> HostedPE:
    p = from_preset(load_preset(preset))
    h = hosted_kind(name, p, description, f"sim/presets/{preset}.yaml (pe), sim/mixpe/pe.py (kind {p.pe.kind})")
    # a host array takes the PE's integer bit slicing, not MixPE's fixed-point conversion of floats
    h = replace(h, pass_rule=None, group_dequant=group_dequant)
    if group_dequant is not None:
        h = replace(h, area_terms=h.area_terms + ((MIXPE_DEQUANT_AREA, 1.0),))
    return h


PE_TYPES: dict[str, HostedPE] = {
    h.name: h
    for h in (
        _hosted(
            "mixpe-a8",
            "mixpe-w4a8",
            MIXPE_DEQUANT,
            "MixPE W4A8 shift-add PE (INT8 x INT4 lanes) with its in-PE per-group dequantizer",
        ),
        _hosted(
            "bitfusion2",
            "bitfusion-bricks",
            None,
            "BitFusion fusion unit of 2x2-bit BitBricks (wider integers bit-sliced)",
        ),
    )
}
