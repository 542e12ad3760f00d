"""Power sections defined once for every array host: static power (preset section ``static``)
and how the PE array's dynamic energy is charged (section ``pe_power``; the MixPE and OliVe
studies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from llmaccel.workloads.errors import InputError


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


@dataclass(frozen=True)
class PEPowerParams:
    """How the PE array's dynamic energy is charged (preset section ``pe_power``).

    ``per_action``: each MAC charges its PE kind's product and accumulate actions (energy
    tables, Horowitz-based).  ``synthesised``: every compute cycle of the array draws
    ``static.pes x dynamic_uw`` (a synthesised PE's dynamic power, whatever the PE does),
    i.e. ``dynamic_uw / clock_mhz`` pJ per PE-cycle -- how the MixPE and ANT/OliVe authors'
    artifacts charge their cores; MAC actions are then not charged.
    """

    energy: Literal["per_action", "synthesised"] = "per_action"
    dynamic_uw: float = field(default=0.0, metadata={"min": 0.0})

    @property
    def synthesised(self) -> bool:
        return self.energy == "synthesised"

    def array_power_mw(self, static: StaticPower) -> tuple[tuple[str, float], ...]:
        """(component, mW) of the array per compute cycle: ``static.pes`` synthesised PEs'
        dynamic power, or none (``per_action``: the MACs are charged instead)."""
        if not self.synthesised:
            return ()
        return (("pe_array", static.pes * self.dynamic_uw / 1e3),)

    def check(self, static: StaticPower, where: str) -> None:
        """InputError (field ``<where>.pe_power``) when ``synthesised`` lacks a PE count or power."""
        if self.synthesised and not (static.pes > 0 and self.dynamic_uw > 0):
            raise InputError(
                f"{where}.pe_power", "energy: synthesised needs static.pes > 0 and pe_power.dynamic_uw > 0 (uW per PE)"
            )
