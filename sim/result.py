"""What a simulation returns: per-op statistics and run totals.

Units: cycles are clock cycles of the design's main clock (``clock_mhz``); bytes
are bytes; energies are picojoules (pJ); areas mm^2; bandwidths bytes/s.  ``Result``
serialises to the run-folder files written by ``reports.run_folder`` (summary.json,
ops.csv, layers.csv, energy.csv).

Typed run facts (issue 13 §5) that reports and the DSE read instead of guessing key
names: bytes per memory level (:class:`LevelTraffic`, ``Result.traffic``), memory roofs
(:class:`MemoryRoof`, ``Result.roofs``), area per component (``Result.area_mm2``), tokens
and time (``Result.tokens``, ``Result.time_s``), energy per component
(``Result.energy_pj``) and busy cycles per unit (``Result.busy_cycles``).  Every design
fills them where it builds its Result.
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
        bytes: memory level/direction -> bytes.  Keys are ``<level>_read``, ``<level>_write``
            or ``<level>`` (direction not split), where ``<level>`` names a level of the
            run's :attr:`Result.traffic` (``dram_read``, ``sram_write``, ``sram`` ...).
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


#: direction suffixes of ``OpStats.bytes`` keys
_READ, _WRITE = "_read", "_write"


def level_of(key: str) -> tuple[str, str]:
    """``"dram_read"`` -> ``("dram", "read")``; ``"sram"`` -> ``("sram", "")`` (see ``OpStats.bytes``)."""
    if key.endswith(_READ):
        return key[: -len(_READ)], "read"
    if key.endswith(_WRITE):
        return key[: -len(_WRITE)], "write"
    return key, ""


@dataclass(frozen=True)
class LevelTraffic:
    """Bytes moved at one memory level over the whole run.

    Attributes:
        level: level name (``dram``, ``hbm``, ``sram``, ``uram``, ``pim`` ...), as in ``OpStats.bytes`` keys.
        off_chip: True for memory outside the chip (DRAM, HBM): what a roofline's bandwidth roof limits.
        read_bytes, write_bytes: bytes read from / written to the level.
        unsplit_bytes: bytes the design counts without a direction (e.g. MixPE's SRAM bytes).
    """

    level: str
    off_chip: bool
    read_bytes: float = 0.0
    write_bytes: float = 0.0
    unsplit_bytes: float = 0.0

    @property
    def total_bytes(self) -> float:
        return self.read_bytes + self.write_bytes + self.unsplit_bytes


@dataclass(frozen=True)
class MemoryRoof:
    """Peak bandwidth of one memory level.

    Attributes:
        level: level name (as in :class:`LevelTraffic`).
        off_chip: True for the off-chip memory (the roofline's bandwidth roof).
        bytes_per_s: peak bandwidth in bytes/s (1 GB/s = 1e9 bytes/s).
        source: where the number comes from (preset key, memory system, derivation).
    """

    level: str
    off_chip: bool
    bytes_per_s: float
    source: str

    def bytes_per_cycle(self, clock_mhz: float) -> float:
        """Peak bytes per cycle of a ``clock_mhz`` clock."""
        return self.bytes_per_s / (clock_mhz * 1e6)


def traffic_from_ops(ops: list[OpStats], off_chip: tuple[str, ...]) -> list[LevelTraffic]:
    """Per-level traffic summed over ``ops``' ``bytes`` (keys as in ``OpStats.bytes``), levels
    sorted by name; ``off_chip`` names the design's off-chip levels."""
    acc: dict[str, list[float]] = {}
    for o in ops:
        for key, v in o.bytes.items():
            level, direction = level_of(key)
            a = acc.setdefault(level, [0.0, 0.0, 0.0])
            a[{"read": 0, "write": 1, "": 2}[direction]] += v
    return [LevelTraffic(lv, lv in off_chip, *acc[lv]) for lv in sorted(acc)]


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
        traffic: bytes per memory level over the run (empty: the design reports none).
        roofs: peak bandwidth per memory level (the off-chip one is the roofline's roof).
        area_mm2: component -> mm^2 (empty: the design has no area model).
        tokens: tokens the simulated step produces (decode) or consumes (prefill); None: unknown.
        busy_cycles: unit -> cycles the unit is busy (computing or moving its data).
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
    traffic: list[LevelTraffic] = field(default_factory=list)
    roofs: list[MemoryRoof] = field(default_factory=list)
    area_mm2: dict[str, float] = field(default_factory=dict)
    tokens: int | None = None
    busy_cycles: dict[str, int] = field(default_factory=dict)

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

    def offchip_levels(self) -> tuple[str, ...]:
        """Names of the off-chip levels (from :attr:`traffic` and :attr:`roofs`)."""
        return tuple(
            sorted({t.level for t in self.traffic if t.off_chip} | {r.level for r in self.roofs if r.off_chip})
        )

    def offchip_bytes(self) -> float:
        """Off-chip bytes read + written over the run."""
        return float(sum(t.total_bytes for t in self.traffic if t.off_chip))

    def op_offchip_bytes(self, op: OpStats) -> float:
        """Off-chip bytes of one op: its ``bytes`` entries at an off-chip level."""
        off = self.offchip_levels()
        return float(sum(v for k, v in op.bytes.items() if level_of(k)[0] in off))

    def offchip_roof(self) -> MemoryRoof | None:
        """The off-chip bandwidth roof (the first off-chip entry of :attr:`roofs`), or None."""
        return next((r for r in self.roofs if r.off_chip), None)

    @property
    def total_area_mm2(self) -> float | None:
        """Sum of :attr:`area_mm2`, None when the design has no area model."""
        return float(sum(self.area_mm2.values())) if self.area_mm2 else None

    @property
    def tokens_per_s(self) -> float | None:
        t = self.time_s
        return self.tokens / t if self.tokens and t > 0 else None

    def typed_dict(self) -> dict[str, Any]:
        """The typed fields as plain JSON data (summary.json keys ``traffic``, ``memory_roofs``,
        ``area_mm2``, ``busy_cycles``)."""
        return {
            "traffic": [asdict(t) for t in self.traffic],
            "memory_roofs": [{**asdict(r), "bytes_per_cycle": r.bytes_per_cycle(self.clock_mhz)} for r in self.roofs],
            "area_mm2": dict(sorted(self.area_mm2.items())),
            "busy_cycles": dict(sorted(self.busy_cycles.items())),
        }


def busy_by_unit(ops: list[OpStats]) -> dict[str, int]:
    """Unit -> summed op cycles (ops that run one after another on their unit)."""
    out: dict[str, int] = {}
    for o in ops:
        out[o.unit] = out.get(o.unit, 0) + int(o.cycles)
    return out


def fill_typed(
    result: Result,
    *,
    off_chip: tuple[str, ...],
    roofs: list[MemoryRoof],
    area_mm2: dict[str, float] | None = None,
    tokens: int | None = None,
    traffic: list[LevelTraffic] | None = None,
    busy_cycles: dict[str, int] | None = None,
) -> Result:
    """Set ``result``'s typed fields in place and return it.

    ``traffic`` defaults to the ops' ``bytes`` summed per level (:func:`traffic_from_ops`,
    ``off_chip`` naming the off-chip levels); ``busy_cycles`` to the ops' cycles summed per unit.
    """
    result.traffic = traffic if traffic is not None else traffic_from_ops(result.ops, off_chip)
    result.roofs = list(roofs)
    result.area_mm2 = dict(area_mm2 or {})
    result.tokens = tokens
    result.busy_cycles = busy_cycles if busy_cycles is not None else busy_by_unit(result.ops)
    return result
