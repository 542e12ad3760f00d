"""Energy reference tables (pJ per action, with provenance) and the energy ledger.

Tables are YAML (schema in ``sim/tables/energy.yaml``): ``entries`` of
``{pj, node_nm, source}`` plus a ``node_scaling`` rule.  A design adds its own
table file with the same schema and loads both via :func:`load_table`.

Ledger usage::

    table = load_table()                     # shared anchors
    ledger = EnergyLedger(table, node_nm=28)
    ledger.charge("pe_array", "int8_mult", count=macs)
    ledger.charge_pj("dram", "read", pj=bytes * 8 * table.pj("hbm2_bit"))
    ledger.by_component()  # {"pe_array": pJ, "dram": pJ}
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from llmaccel.workloads.errors import InputError

TABLE_DIR = Path(__file__).parent / "tables"


@dataclass(frozen=True)
class EnergyEntry:
    """One action's energy: ``pj`` at ``node_nm`` (0 = off-chip, never scaled)."""

    name: str
    pj: float
    node_nm: float
    source: str


@dataclass
class EnergyTable:
    entries: dict[str, EnergyEntry]
    vdd: dict[float, float]
    rule: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    def node_factor(self, from_nm: float, to_nm: float) -> float:
        """Scale factor for logic/SRAM energy from ``from_nm`` to ``to_nm``."""
        if from_nm == 0 or to_nm == 0 or from_nm == to_nm:
            return 1.0
        for n in (from_nm, to_nm):
            if n not in self.vdd:
                raise InputError(
                    "node_nm", f"no Vdd for {n} nm; allowed: {', '.join(str(int(k)) for k in sorted(self.vdd))}"
                )
        return (to_nm / from_nm) * (self.vdd[to_nm] / self.vdd[from_nm]) ** 2

    def pj(self, name: str, node_nm: float | None = None) -> float:
        """Energy of action ``name`` in pJ, scaled to ``node_nm`` (None: its own node)."""
        if name not in self.entries:
            raise InputError("energy action", f"unknown action {name!r}; allowed: {', '.join(sorted(self.entries))}")
        e = self.entries[name]
        return e.pj * (1.0 if node_nm is None else self.node_factor(e.node_nm, node_nm))

    def merged(self, other: EnergyTable) -> EnergyTable:
        return EnergyTable(
            {**self.entries, **other.entries},
            {**self.vdd, **other.vdd},
            self.rule or other.rule,
            {**self.sources, **other.sources},
        )


def _parse(doc: dict, path: Path) -> EnergyTable:
    from llmaccel.sim.preset import read_yaml  # noqa: F401  (same YAML conventions)

    if not isinstance(doc, dict) or "entries" not in doc:
        raise InputError(str(path), "energy table needs an 'entries' mapping")
    entries = {}
    for name, e in (doc.get("entries") or {}).items():
        if not isinstance(e, dict) or not {"pj", "node_nm", "source"} <= set(e):
            raise InputError(f"{path.name}: entries.{name}", "needs pj, node_nm and source")
        if not isinstance(e["pj"], (int, float)) or e["pj"] < 0:
            raise InputError(f"{path.name}: entries.{name}.pj", f"must be a number >= 0, got {e['pj']!r}")
        entries[name] = EnergyEntry(name, float(e["pj"]), float(e["node_nm"]), str(e["source"]))
    ns = doc.get("node_scaling") or {}
    vdd = {float(k): float(v["value"]) for k, v in (ns.get("vdd") or {}).items()}
    return EnergyTable(entries, vdd, ns.get("rule", ""), {"node_scaling": ns.get("source", "")})


def load_table(*paths: str | Path) -> EnergyTable:
    """The shared anchor table, merged with any design tables given (later wins).

    Parsed tables are cached per (file, mtime, size): simulators call this once per
    run and sweeps run thousands of times. Treat the returned table as read-only.
    """
    from llmaccel.sim.preset import file_stamp

    stamps = tuple(file_stamp(p) for p in (TABLE_DIR / "energy.yaml", *paths))
    return _load_table_cached(stamps)


@lru_cache(maxsize=64)
def _load_table_cached(stamps: tuple[tuple[str, int, int], ...]) -> EnergyTable:
    from llmaccel.sim.preset import read_yaml

    paths = [Path(s[0]) for s in stamps[1:]]
    table = _parse(read_yaml(TABLE_DIR / "energy.yaml", "energy table"), TABLE_DIR / "energy.yaml")
    for p in paths:
        p = Path(p)
        table = table.merged(_parse(read_yaml(p, "energy table"), p))
    return table


class EnergyLedger:
    """Accumulates pJ per (component, action)."""

    def __init__(self, table: EnergyTable, node_nm: float | None = None) -> None:
        self.table = table
        self.node_nm = node_nm
        self._pj: dict[tuple[str, str], float] = defaultdict(float)

    def charge(self, component: str, action: str, count: float = 1.0) -> float:
        """Charge ``count`` x energy of table ``action`` to ``component``; returns pJ."""
        pj = count * self.table.pj(action, self.node_nm)
        self._pj[(component, action)] += pj
        return pj

    def charge_pj(self, component: str, action: str, pj: float) -> float:
        """Charge an energy already computed in pJ (e.g. static power x time)."""
        self._pj[(component, action)] += pj
        return pj

    def by_component(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for (comp, _), v in self._pj.items():
            out[comp] += v
        return dict(out)

    def by_action(self) -> dict[tuple[str, str], float]:
        return dict(self._pj)

    @property
    def total_pj(self) -> float:
        return float(sum(self._pj.values()))
