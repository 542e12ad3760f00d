"""OliVe-family numbers that reports read beside a run: the area of a preset.

Everything that runs -- the dense pass on the host array (closed-form folds
``T + R + C - 2 + (L-1) + e`` under the presets' ``scalesim-v3`` fold convention, with
``T = ceil(K / d)``, ``e`` = edge-decoder latency, wider
integers bit-sliced into passes) and the GOBO / OLAccel outlier path serialised after it
(:class:`sim.systolic.plugins.OutlierPath`) -- is the one array host, :mod:`sim.systolic.host`.
"""

from __future__ import annotations

from llmaccel.sim.energy import EnergyTable, load_table
from llmaccel.sim.hardware.memory import MEMORY_ENERGY
from llmaccel.sim.olive.params import AREA_TABLE, ENERGY_TABLE, OliveParams, olive_machine
from llmaccel.sim.systolic import host

__all__ = ["AREA_TABLE", "ENERGY_TABLE", "area_mm2", "energy_table"]


def energy_table() -> EnergyTable:
    """Shared anchors merged with sim/olive/energy.yaml."""
    return load_table(MEMORY_ENERGY, ENERGY_TABLE)  # named memory systems' DRAM actions too


def area_mm2(p: OliveParams) -> dict[str, float]:
    """Area breakdown (mm^2) at the preset's node: PE slots (+ outlier controller), edge decoders, SRAM."""
    return host.area_mm2(olive_machine(p))
