"""OliVe-family PE types for other hosts (``sim.components`` registry).

Built from the OliVe presets themselves (``sim/presets/olive-w4a4.yaml``,
``olive-w8a8.yaml``, ``ant-w4a4.yaml``), so a hosted PE has exactly the numbers and sources
of the ``olive`` design; nothing is re-stated here:

* ``olive-ovp4`` -- one array slot of four 4-bit exponent-integer multipliers + adder
  (``pe`` of olive-w4a4), with the 4-bit OVP edge decoders (``decoder`` of olive-w4a4).
* ``olive-ovp8`` -- the same slot with the 8-bit OVP decoders (olive-w8a8); 8-bit codes are
  decoded to int8 / exponent-integer values and bit-sliced onto the 4-bit multipliers
  (4 passes), as in the ``olive`` design.
* ``ant4`` -- the same 4-bit slot with ANT's int/flint decoders (ant-w4a4; ant-w8a8 uses the
  same decoder for 8-bit ANT codes, so both ``ant4`` and ``ant8`` are accepted).

What a host carries over: the PE (bits, 4 MACs/cycle, pipeline latency, MAC energy actions --
per MAC, even though the ``olive`` design's own presets charge the ANT/OliVe artifact's
synthesised PE power per array cycle instead, ``pe_power``),
the edge decoder (latency once per fold, energy per operand element entering the array,
area of R + C decoders) and the slot area.  What it does not: OliVe's outlier path (GOBO /
OLAccel variants are not registered) and the ``olive`` design's quantization-preset binding.
"""

from __future__ import annotations

from dataclasses import replace

from llmaccel.sim.olive.params import olive_hosted_pe, olive_params
from llmaccel.sim.preset import load_preset
from llmaccel.sim.systolic.plugins import HostedPE


def _hosted(name: str, preset: str, formats: tuple[str, ...], description: str) -> HostedPE:
    """The ``olive`` design's own slot plug-in of ``preset``, named and with its decoder's formats."""
    h = olive_hosted_pe(olive_params(load_preset(preset)))
    assert h.decoder is not None  # every OliVe/ANT slot preset has edge decoders
    return replace(
        h,
        pe=replace(h.pe, name=name),
        description=description,
        decoder=replace(h.decoder, formats=formats),
        source=f"sim/presets/{preset}.yaml (pe, decoder)",
    )


PE_TYPES: dict[str, HostedPE] = {
    h.name: h
    for h in (
        _hosted(
            "olive-ovp4",
            "olive-w4a4",
            ("ovp4",),
            "OliVe slot: four 4-bit exponent-integer multipliers + adder, 4-bit OVP edge decoders",
        ),
        _hosted(
            "olive-ovp8",
            "olive-w8a8",
            ("ovp8",),
            "OliVe slot with 8-bit OVP edge decoders (8-bit codes bit-sliced onto the 4-bit multipliers)",
        ),
        _hosted("ant4", "ant-w4a4", ("ant4", "ant8"), "ANT slot: four 4-bit multipliers with int/flint edge decoders"),
    )
}
