"""Static power of a machine, defined once for every array host (preset section ``static``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StaticPower:
    """Static power drawn for the whole run (the array host charges ``mW x run time``), as the
    ANT/OliVe and MixPE artifacts' energy breakdowns charge it ("Static").

    Attributes:
        pes: PEs whose leakage is charged (the authors' PE count, which need not match a
            preset's lane decomposition).
        pe_leakage_uw: synthesised leakage per PE (uW).
        dram_background_mw: off-chip memory background power (mW).
    Zero: not charged.
    """

    pes: int = field(default=0, metadata={"min": 0})
    pe_leakage_uw: float = field(default=0.0, metadata={"min": 0.0})
    dram_background_mw: float = field(default=0.0, metadata={"min": 0.0})

    def powers_mw(self) -> tuple[tuple[str, float], ...]:
        """(component, mW) pairs with a non-zero power."""
        out = (("pe_leakage", self.pes * self.pe_leakage_uw / 1e3), ("dram_static", self.dram_background_mw))
        return tuple((c, mw) for c, mw in out if mw > 0)
