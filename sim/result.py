"""What a simulation returns: per-op statistics and run totals.

Units: cycles are clock cycles of the design's main clock (``clock_mhz``); bytes
are bytes; energies are picojoules (pJ).  ``Result`` serialises to the run-folder
files written by ``reports.run_folder`` (summary.json, ops.csv, layers.csv,
energy.csv).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

RESULT_SCHEMA_VERSION = 1


@dataclass
class OpStats:
    """Statistics of one op.

    Attributes:
        name, kind, layer, phase: copied from the Op.
        unit: the unit that executed it (``"array"``, ``"pim"``, ``"sfu"``, ``"gpu"`` ...).
        cycles: cycles the op occupies its unit, stalls included.
        compute_cycles: cycles with the unit computing (fill/stream/drain included).
        stall_cycles: cycles waiting for memory (cycles - compute_cycles when serial).
        start_cycle: when it started on its unit (for timelines; 0 if not scheduled).
        macs: multiply-accumulates performed (useful work, zeros skipped excluded).
        utilisation: macs / (cycles x peak MACs per cycle of its unit), 0..1.
        bytes: memory level/direction -> bytes (``dram_read``, ``dram_write``, ``sram_read`` ...).
        energy_pj: component -> pJ.
    """

    name: str
    kind: str
    layer: int
    phase: str
    unit: str
    cycles: int
    compute_cycles: int
    stall_cycles: int
    macs: int = 0
    utilisation: float = 0.0
    start_cycle: int = 0
    bytes: dict[str, float] = field(default_factory=dict)
    energy_pj: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Result:
    """A whole run.

    Attributes:
        design: sim/<design> that produced it.
        preset: hardware preset name.
        model: workload model id.
        clock_mhz: clock the cycles refer to.
        total_cycles: end-to-end cycles (<= sum of op cycles when units overlap).
        ops: per-op statistics in program order.
        peak_macs_per_cycle: the machine's peak, for utilisation.
        energy_pj: component -> pJ over the run (includes static/background energy).
        meta: free-form run facts (batch, phase, lengths, tokens produced ...).
        assumptions: human-readable assumptions behind the numbers.
    """

    design: str
    preset: str
    model: str
    clock_mhz: float
    total_cycles: int
    ops: list[OpStats]
    peak_macs_per_cycle: float
    energy_pj: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    schema: int = RESULT_SCHEMA_VERSION

    @property
    def time_s(self) -> float:
        """End-to-end time in seconds."""
        return self.total_cycles / (self.clock_mhz * 1e6)

    @property
    def total_energy_pj(self) -> float:
        return float(sum(self.energy_pj.values()))

    @property
    def total_macs(self) -> int:
        return sum(o.macs for o in self.ops)

    @property
    def utilisation(self) -> float:
        """Run-level MAC utilisation: total MACs / (total cycles x peak)."""
        denom = self.total_cycles * self.peak_macs_per_cycle
        return self.total_macs / denom if denom else 0.0

    def bytes_total(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for o in self.ops:
            for k, v in o.bytes.items():
                out[k] = out.get(k, 0.0) + v
        return out
