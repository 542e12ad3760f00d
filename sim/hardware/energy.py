"""Energy actions of the hardware layer's memories (names of sim/tables/energy.yaml entries)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SramEnergy:
    """``sram_access``: action of one SRAM access of ``sram_access_bits`` bits."""

    sram_access: str
    sram_access_bits: int
