"""Area reference table (um^2 per component instance, with node and provenance).

Schema (``sim/tables/area.yaml``)::

    entries:
      pe_int8: {um2: 419, node_nm: 45, source: "..."}
    node_scaling: {rule: "...", source: "..."}

Scaling between nodes: ``A(to) = A(from) * (to / from)^2`` (documented as an
assumption in the table).  Usage::

    table = load_area_table()
    table.mm2("pe_int8", node_nm=28, count=1024)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from llmaccel.workloads.errors import InputError

TABLE_DIR = Path(__file__).parent / "tables"


@dataclass(frozen=True)
class AreaEntry:
    """Area of one instance: ``um2`` at ``node_nm``."""

    name: str
    um2: float
    node_nm: float
    source: str


@dataclass
class AreaTable:
    entries: dict[str, AreaEntry]
    rule: str = ""
    rule_source: str = ""

    @staticmethod
    def node_factor(from_nm: float, to_nm: float) -> float:
        """Area scale factor from ``from_nm`` to ``to_nm`` (feature size squared)."""
        if to_nm <= 0 or from_nm <= 0:
            raise InputError("node_nm", f"must be > 0, got {from_nm} -> {to_nm}")
        return (to_nm / from_nm) ** 2

    def um2(self, name: str, node_nm: float | None = None) -> float:
        """Area of one ``name`` in um^2 at ``node_nm`` (None: its own node)."""
        if name not in self.entries:
            raise InputError(
                "area component", f"unknown component {name!r}; allowed: {', '.join(sorted(self.entries))}"
            )
        e = self.entries[name]
        return e.um2 * (1.0 if node_nm is None else self.node_factor(e.node_nm, node_nm))

    def mm2(self, name: str, node_nm: float | None = None, count: float = 1.0) -> float:
        """Area of ``count`` instances in mm^2."""
        return self.um2(name, node_nm) * count / 1e6

    def merged(self, other: AreaTable) -> AreaTable:
        return AreaTable(
            {**self.entries, **other.entries}, self.rule or other.rule, self.rule_source or other.rule_source
        )


def _parse(doc: object, path: Path) -> AreaTable:
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), dict):
        raise InputError(str(path), "area table needs an 'entries' mapping")
    entries = {}
    for name, e in doc["entries"].items():
        if not isinstance(e, dict) or not {"um2", "node_nm", "source"} <= set(e):
            raise InputError(f"{path.name}: entries.{name}", "needs um2, node_nm and source")
        if isinstance(e["um2"], bool) or not isinstance(e["um2"], (int, float)) or e["um2"] < 0:
            raise InputError(f"{path.name}: entries.{name}.um2", f"must be a number >= 0, got {e['um2']!r}")
        if not str(e["source"]).strip():
            raise InputError(f"{path.name}: entries.{name}.source", "must not be empty")
        entries[name] = AreaEntry(name, float(e["um2"]), float(e["node_nm"]), str(e["source"]))
    ns = doc.get("node_scaling") or {}
    return AreaTable(entries, ns.get("rule", ""), ns.get("source", ""))


def load_area_table(*paths: str | Path) -> AreaTable:
    """The shared area table merged with design tables given (later wins).

    Cached per (file, mtime, size) like :func:`sim.energy.load_table`; read-only.
    """
    from llmaccel.sim.preset import file_stamp

    return _load_area_cached(tuple(file_stamp(p) for p in (TABLE_DIR / "area.yaml", *paths)))


@lru_cache(maxsize=64)
def _load_area_cached(stamps: tuple[tuple[str, int, int], ...]) -> AreaTable:
    from llmaccel.sim.preset import read_yaml

    paths = [Path(s[0]) for s in stamps[1:]]
    table = _parse(read_yaml(TABLE_DIR / "area.yaml", "area table"), TABLE_DIR / "area.yaml")
    for p in paths:
        p = Path(p)
        table = table.merged(_parse(read_yaml(p, "area table"), p))
    return table


__all__ = ["AreaEntry", "AreaTable", "load_area_table"]
