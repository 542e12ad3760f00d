"""DRAM organisation, timing and controller parameters, loaded from presets by name.

Presets live in ``sim/dram/presets/<name>.yaml`` (preset schema of :mod:`sim.preset`:
every number carries its source).  A design preset may also embed the same three
sections under its own ``params.dram`` key; :func:`dram_from_params` reads either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from llmaccel.sim.params import build
from llmaccel.sim.preset import HardwareConfig, load_preset
from llmaccel.workloads.errors import InputError

DRAM_PRESET_DIR = Path(__file__).parent / "presets"

#: Address-map field names, most significant first in a map string like "ro,ra,bg,ba,ch,co".
MAP_FIELDS = ("ro", "ra", "bg", "ba", "ch", "co")


@dataclass(frozen=True)
class DramOrg:
    """Organisation of the whole device (all channels).

    Attributes:
        channels: independent channels (each with its own controller and data bus).
        ranks: (pseudo-)ranks per channel sharing the channel's buses.
        bankgroups: bank groups per rank.
        banks_per_group: banks per bank group.
        rows: rows per bank.
        row_bytes: bytes per row (page size).
        bus_bits: data-bus width per channel in bits (double data rate).
        burst_length: beats per column command.
        address_map: comma-separated fields, MSB first (permutation of ro,ra,bg,ba,ch,co).
    """

    channels: int
    ranks: int
    bankgroups: int
    banks_per_group: int
    rows: int
    row_bytes: int
    bus_bits: int
    burst_length: int
    address_map: str = "ro,ra,bg,ba,ch,co"

    def __post_init__(self) -> None:
        parts = self.address_map.split(",")
        if sorted(parts) != sorted(MAP_FIELDS):
            raise InputError(
                "dram.org.address_map", f"a permutation of {','.join(MAP_FIELDS)}, got {self.address_map!r}"
            )
        if self.burst_length % 2:
            raise InputError("dram.org.burst_length", f"an even number of beats (DDR), got {self.burst_length}")

    @property
    def access_bytes(self) -> int:
        """Bytes moved by one column command (bus bytes x burst length)."""
        return self.bus_bits // 8 * self.burst_length

    @property
    def columns(self) -> int:
        """Column-command slots per row."""
        return self.row_bytes // self.access_bytes

    @property
    def banks_per_rank(self) -> int:
        return self.bankgroups * self.banks_per_group

    @property
    def banks_per_channel(self) -> int:
        return self.ranks * self.banks_per_rank


@dataclass(frozen=True)
class DramTiming:
    """Timing in clock cycles (tCK).  Names follow JEDEC/DRAMsim3."""

    tck_ns: float
    CL: int
    CWL: int
    tRCD: int
    tRP: int
    tRAS: int
    tRC: int
    tRFC: int
    tREFI: int
    tRRD_S: int
    tRRD_L: int
    tWTR_S: int
    tWTR_L: int
    tFAW: int
    tWR: int
    tCCD_S: int
    tCCD_L: int
    tRTP: int
    tRTRS: int = field(default=1, metadata={"min": 0})


@dataclass(frozen=True)
class DramController:
    """Controller parameters.  queue_depth: transaction-queue entries per channel."""

    queue_depth: int


@dataclass(frozen=True)
class DramConfig:
    """Everything the controller needs."""

    org: DramOrg
    timing: DramTiming
    controller: DramController
    name: str = "dram"

    @property
    def burst_cycles(self) -> int:
        """Data-bus cycles per column command (DDR: two beats per cycle)."""
        return self.org.burst_length // 2

    @property
    def peak_bytes_per_cycle_channel(self) -> float:
        """Peak data bytes per tCK of one channel: bus bytes x 2 (DDR)."""
        return self.org.bus_bits / 8 * 2

    @property
    def peak_gbps(self) -> float:
        """Peak bandwidth of the whole device in GB/s (1e9 B/s)."""
        return self.org.channels * self.peak_bytes_per_cycle_channel / self.timing.tck_ns


def dram_from_params(params: dict, name: str = "dram", where: str = "dram") -> DramConfig:
    """Build a validated :class:`DramConfig` from a plain nested dict (org, timing, controller)."""
    if not isinstance(params, dict):
        raise InputError(where, "must be a mapping with org, timing, controller")
    for key in ("org", "timing", "controller"):
        if key not in params:
            raise InputError(f"{where}.{key}", "missing required section")
    extra = sorted(set(params) - {"org", "timing", "controller"})
    if extra:
        raise InputError(f"{where}.{extra[0]}", "unknown section; allowed: controller, org, timing")
    org = build(DramOrg, params["org"], f"{where}.org")
    timing = build(DramTiming, params["timing"], f"{where}.timing")
    ctrl = build(DramController, params["controller"], f"{where}.controller")
    return DramConfig(org, timing, ctrl, name)


def dram_preset_names() -> list[str]:
    return sorted(p.stem for p in DRAM_PRESET_DIR.glob("*.yaml"))


def load_dram(name_or_path: str) -> DramConfig:
    """Load a DRAM preset by name (``sim/dram/presets``) or YAML path.

    Raises:
        InputError: unknown name or invalid parameters.
    """
    p = Path(name_or_path)
    if not (p.suffix in (".yaml", ".yml") or p.exists()):
        p = DRAM_PRESET_DIR / f"{name_or_path}.yaml"
        if not p.exists():
            raise InputError(
                "dram preset", f"unknown {name_or_path!r}; allowed: {', '.join(dram_preset_names())} or a YAML path"
            )
    st = p.stat()
    return _load_dram_cached(str(p.resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=32)
def _load_dram_cached(path: str, _mtime_ns: int, _size: int) -> DramConfig:
    hw: HardwareConfig = load_preset(path)
    return dram_from_params(hw.params, hw.name)
