"""MixPE-study PE types for other hosts (``sim.components`` registry).

Built from the MixPE presets and PE kinds (``sim/mixpe/pe.py``), so the numbers and their
sources are those of the ``mixpe`` design:

* ``mixpe-a8`` -- MixPE's W4A8 shift-and-add PE (INT8 activation x INT4 weight, ``lanes``
  wide, pipeline depth ``PE_PIPELINE_DEPTH``; ``pe`` of sim/presets/mixpe-w4a8.yaml) *with*
  its in-PE per-group dequantizer (one operation per output per weight group, energy
  ``dequant_group_fixed``, one unit of area per PE).
* ``bitfusion2`` -- BitFusion's fusion unit of 2x2-bit BitBricks (sim/presets/bitfusion.yaml).

What a host carries over: bits per pass (8-bit activations, 4-bit weights for ``mixpe-a8``;
wider integers bit-sliced), lanes as MACs/cycle, pipeline latency, the product + accumulate
(+ extra) energy actions per MAC per pass, the area per lane, and MixPE's dequantizer
(energy per group operation; the no-stall bound ``group_size % lanes == 0`` is enforced).
What it does not: MixPE's conversion of fp16 activations to 16-bit fixed point on integer
PEs (a host rejects floating-point operands on these PEs instead), the W4A16 PE (mixed
float x int operands do not fit :class:`sim.systolic.pe.PEType`'s one family), the
baselines' in-loop dequantizers, and MixPE's group-aligned K tiling (the host's own tiling is
used; dequant operations are counted per output per group, ``m * n * ceil(k / G)``).
"""

from __future__ import annotations

from llmaccel.sim.components import GroupDequant, HostedPE
from llmaccel.sim.mixpe.model import AREA_TABLE, ENERGY_TABLE
from llmaccel.sim.mixpe.params import from_preset
from llmaccel.sim.mixpe.pe import pe_kind
from llmaccel.sim.preset import load_preset
from llmaccel.sim.systolic.pe import PEType


def _hosted(name: str, preset: str, group_dequant: GroupDequant | None, description: str) -> HostedPE:
    p = from_preset(load_preset(preset))
    kind = pe_kind(p.pe.kind)
    actions = (kind.product_action, kind.accumulate_action) + kind.extra_actions
    pe = PEType(
        name,
        kind.act_bits,
        kind.w_bits,
        "int",
        p.pe.lanes,
        p.pe.pipeline_latency,
        p.pe.acc_bits,
        actions,
        kind.product_action,
    )
    area = tuple((a, float(p.pe.lanes)) for a in actions)
    if group_dequant is not None:
        area += ((group_dequant.area_key, 1.0),)
    return HostedPE(
        pe,
        "mixpe",
        description,
        group_dequant=group_dequant,
        energy_tables=(ENERGY_TABLE,),
        area_tables=(AREA_TABLE,),
        area_terms=area,
        source=f"sim/presets/{preset}.yaml (pe), sim/mixpe/pe.py (kind {kind.name})",
    )


PE_TYPES: dict[str, HostedPE] = {
    h.name: h
    for h in (
        _hosted(
            "mixpe-a8",
            "mixpe-w4a8",
            GroupDequant("dequant_group_fixed", "dequant_group_fixed"),
            "MixPE W4A8 shift-add PE (INT8 x INT4 lanes) with its in-PE per-group dequantizer",
        ),
        _hosted(
            "bitfusion2", "bitfusion", None, "BitFusion fusion unit of 2x2-bit BitBricks (wider integers bit-sliced)"
        ),
    )
}
