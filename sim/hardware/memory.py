"""Memory levels of the hardware layer: on-chip SRAM buffers and off-chip memory.

* :class:`SramLevels` -- input / weight / output SRAM (KiB), double buffered or not.
* :class:`OffChipMemory` -- a ``dram:`` section: channels, bandwidth (GB/s), first-access
  latency (ns), burst (bytes), energy action per bit; :meth:`OffChipMemory.channel` gives the
  channel model (:class:`sim.memory.OffChip`) at a consumer clock.
* named memory systems (:func:`memory_system`): DDR4-3200, HBM2, HBM2E, HBM3 and the
  NeuPIMs HBM2 organisation derived from ``sim/dram/presets``, numbers with sources in
  ``sim/tables/memory_systems.yaml``.  Every array host takes one by name in its off-chip
  section (``dram: hbm3``): :func:`resolve_named_dram`, called by :func:`build_array_params`,
  the one builder of the systolic, OliVe and MixPE parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from llmaccel.sim.hardware.renamed import check_renamed_params
from llmaccel.sim.memory import OffChip
from llmaccel.sim.params import build
from llmaccel.workloads.errors import InputError

if TYPE_CHECKING:
    from llmaccel.sim.preset import HardwareConfig

T = TypeVar("T")

TABLE_DIR = Path(__file__).resolve().parent.parent / "tables"
MEMORY_SYSTEMS = TABLE_DIR / "memory_systems.yaml"
MEMORY_ENERGY = TABLE_DIR / "memory_energy.yaml"


@dataclass(frozen=True)
class SramLevels:
    """On-chip buffers (KiB); double buffered: a tile may use half of each."""

    input_kib: int
    weight_kib: int
    output_kib: int
    double_buffered: bool = True


@dataclass(frozen=True)
class OffChipMemory:
    """An off-chip memory section.  Units: GB/s (1e9 B/s), ns, bytes.

    ``energy_action``: energy-table action per bit moved ("" = the design's default action;
    a host that has none requires it).
    """

    channels: int
    bandwidth_gbps: float
    latency_ns: float = field(metadata={"min": 0})
    burst_bytes: int
    energy_action: str = ""

    def channel(self, clock_mhz: float) -> OffChip:
        """The bandwidth/latency/burst channel model, cycles of ``clock_mhz``."""
        return OffChip(self.channels, self.bandwidth_gbps, self.latency_ns, self.burst_bytes, clock_mhz)


def build_array_params(cls: type[T], hw: HardwareConfig) -> T:
    """Validated ``params`` of an array-host preset (``systolic``, ``olive``, ``mixpe``) as
    ``cls``: an old key spelling is refused naming its new key (sim/hardware/renamed.py), a
    named memory system in ``dram`` is expanded (:func:`resolve_named_dram`), then
    :func:`sim.params.build` checks every field (InputError naming the dotted key)."""
    where = f"{hw.name}.params"
    check_renamed_params(hw.params, where)
    return build(cls, resolve_named_dram(hw.params, where), where)


def resolve_named_dram(params: dict[str, Any], where: str, key: str = "dram") -> dict[str, Any]:
    """``params`` with ``params[key]`` replaced by the named memory system's section when it
    is a name (``dram: hbm3``); unchanged otherwise."""
    if isinstance(params.get(key), str):
        return {**params, key: memory_system(params[key], f"{where}.{key}").dram_section()}
    return params


@dataclass(frozen=True)
class MemorySystem:
    """A named off-chip memory: exactly the fields of a systolic host's ``dram:`` section.

    Units: GB/s (1e9 B/s), ns, bytes.  ``sources`` maps field -> provenance; ``dram_preset``
    names the command-level organisation (sim/dram/presets) a system was derived from, the one
    a command-level host (the NeuPIMs PIM channel) can run.
    """

    name: str
    description: str
    channels: int
    bandwidth_gbps: float
    latency_ns: float
    burst_bytes: int
    energy_action: str
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    dram_preset: str | None = None

    def dram_section(self) -> dict[str, Any]:
        """Plain-valued ``dram:`` section for :class:`OffChipMemory`."""
        return {
            "channels": self.channels,
            "bandwidth_gbps": self.bandwidth_gbps,
            "latency_ns": self.latency_ns,
            "burst_bytes": self.burst_bytes,
            "energy_action": self.energy_action,
        }


def _from_dram_preset(name: str, entry: dict, preset: str) -> MemorySystem:
    from llmaccel.sim.dram.config import load_dram

    cfg = load_dram(preset)
    t = cfg.timing
    src = f"derived from sim/dram/presets/{preset}.yaml"
    return MemorySystem(
        name,
        str(entry.get("description", "")),
        cfg.org.channels,
        cfg.peak_gbps,
        (t.tRCD + t.CL) * t.tck_ns,
        cfg.org.access_bytes,
        str(entry["energy_action"]),
        {
            "channels": f"{src} org.channels",
            "bandwidth_gbps": f"{src}: channels x bus bytes x 2 / tCK",
            "latency_ns": f"{src}: (tRCD + CL) x tCK",
            "burst_bytes": f"{src}: bus bytes x burst length",
        },
        preset,
    )


@lru_cache(maxsize=1)
def memory_systems() -> dict[str, MemorySystem]:
    """All named memory systems of ``sim/tables/memory_systems.yaml``."""
    from llmaccel.sim.preset import _split_leaves, read_yaml

    doc = read_yaml(MEMORY_SYSTEMS, "memory systems")
    out = {}
    for name, entry in (doc.get("systems") or {}).items():
        where = f"{MEMORY_SYSTEMS.name}: systems.{name}"
        if "from_dram_preset" in entry:
            out[name] = _from_dram_preset(name, entry, entry["from_dram_preset"])
            continue
        sources: dict[str, str] = {}
        plain = _split_leaves({k: v for k, v in entry.items() if k != "description"}, "", where, sources)
        need = ("channels", "bandwidth_gbps", "latency_ns", "burst_bytes", "energy_action")
        missing = [k for k in need if k not in plain]
        if missing:
            raise InputError(f"{where}.{missing[0]}", "missing")
        out[name] = MemorySystem(
            name,
            str(entry.get("description", "")),
            int(plain["channels"]),
            float(plain["bandwidth_gbps"]),
            float(plain["latency_ns"]),
            int(plain["burst_bytes"]),
            str(plain["energy_action"]),
            sources,
        )
    return out


def memory_system_names() -> list[str]:
    return sorted(memory_systems())


def memory_system(name: str, field_name: str = "dram") -> MemorySystem:
    """The named memory system (InputError listing the allowed names)."""
    reg = memory_systems()
    if not isinstance(name, str) or name not in reg:
        raise InputError(
            field_name,
            f"unknown memory system {name!r}; allowed: {', '.join(sorted(reg))} "
            "or a full {channels, bandwidth_gbps, latency_ns, burst_bytes, energy_action} mapping",
        )
    return reg[name]
