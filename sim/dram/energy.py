"""Per-command DRAM energy (pJ) from the IDD-derived table ``sim/dram/energy.yaml``.

Dynamic energy = sum over commands of count x pJ(command); PRE energy is folded into
ACT (DRAMsim3 convention: the ACT figure covers the ACT-PRE pair).  Background energy
charges every rank of every channel for every cycle of the run at the *active* standby
figure while the run moves data (an upper bound: banks are open almost all the time in
the streams we run) — see docs/dram.md.
"""

from __future__ import annotations

from pathlib import Path

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.energy import EnergyLedger, load_table

ENERGY_TABLE = Path(__file__).parent / "energy.yaml"
_ACTION = {"ACT": "dram_act", "RD": "dram_read_64b", "WR": "dram_write_64b", "REF": "dram_ref"}


def charge_commands(ledger: EnergyLedger, counts: dict[str, float], component: str = "dram") -> float:
    """Charge command counts (names ACT/PRE/RD/WR/REF) to ``ledger``; returns pJ."""
    return sum(ledger.charge(component, _ACTION[k], v) for k, v in counts.items() if k in _ACTION and v)


def command_energy_pj(cfg: DramConfig, counts: dict[str, float], cycles: int) -> dict[str, float]:
    """Energy of a run: ``{"dram": dynamic pJ, "dram_background": pJ}``."""
    ledger = EnergyLedger(load_table(ENERGY_TABLE))
    charge_commands(ledger, counts)
    ranks = cfg.org.channels * cfg.org.ranks
    ledger.charge("dram_background", "dram_bg_active_cycle", ranks * cycles)
    return ledger.by_component()
