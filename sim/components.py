"""Component registry: named PE types and memory systems that any host can take.

Issue 7 §2 ("mix and match"): a PE type, a quantization format or a memory system is a
parameter of a host, declared in YAML.  This module is the one place that knows which
components exist:

* **PE types** (:class:`HostedPE`): the baseline's own (``int8``, ``fp16``), plus what each
  design exposes as ``PE_TYPES: dict[str, HostedPE]`` in ``sim/<design>/components.py``
  (OliVe's exponent-integer slot with its OVP / ANT edge decoders, MixPE's shift-add PE with
  its per-group dequantizer).  A hosted PE carries everything the host must charge for it:
  the :class:`sim.systolic.pe.PEType` (bits, MACs/cycle, pipeline depth, MAC energy
  actions), the edge decoder it needs (latency on the array edge, energy action, area),
  a per-group dequantizer, the energy/area tables its actions live in and its area terms.
* **memory systems** (:func:`memory_system`): complete ``dram:`` sections of a systolic host
  (DDR4-3200, HBM2, HBM2E, HBM3, and the NeuPIMs HBM2 organisation derived from
  ``sim/dram/presets``), numbers with sources in ``sim/tables/memory_systems.yaml``.

Compatibility (:meth:`HostedPE.check_operands`) raises :class:`InputError` naming the field
and what is allowed, for combinations a host cannot run: floating-point operands on an
integer PE, OVP/ANT codes on a PE without the matching decoder, codes that cannot be
bit-sliced onto the PE (only two's-complement integers decompose into bit slices), and
outlier formats that need a separate outlier path (GOBO, OLAccel).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from llmaccel.sim.systolic.pe import BUILTIN_PES, PEType
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant_spec import QuantSpec

TABLE_DIR = Path(__file__).parent / "tables"
MEMORY_SYSTEMS = TABLE_DIR / "memory_systems.yaml"
MEMORY_ENERGY = TABLE_DIR / "memory_energy.yaml"


def pe_providers() -> list[str]:
    """Design packages under ``sim/`` with a ``components`` module (sorted, so the registry
    order is fixed): each contributes its ``PE_TYPES``.  A new design joins by adding one."""
    import pkgutil

    from llmaccel import sim

    out = []
    for info in pkgutil.iter_modules(sim.__path__):
        if info.ispkg and importlib.util.find_spec(f"llmaccel.sim.{info.name}.components") is not None:
            out.append(info.name)
    return sorted(out)


#: Operand families a plain integer PE multiplies (group scales are applied outside the MAC).
INT_FAMILIES = ("int", "int-group")


@dataclass(frozen=True)
class EdgeDecoder:
    """Decoders on the array edges (one per row and one per column, R + C of them).

    Attributes:
        formats: operand format names (``QuantSpec.fmt``) the decoder turns into the PE's
            integer operands, e.g. ``("ovp4",)``.  Plain integers bypass it.
        latency_cycles: cycles added once per fold (operands pass one decoder stage).
        action: energy action charged per operand element entering the array.
        area_key: area-table entry of one decoder.
    """

    formats: tuple[str, ...]
    latency_cycles: int
    action: str
    area_key: str


@dataclass(frozen=True)
class GroupDequant:
    """A per-group dequantizer inside each PE (MixPE): one operation per output per weight
    group, pipelined so that it never stalls the array while ``group_size % d == 0``.

    Attributes:
        action: energy action per dequant operation.
        area_key: area-table entry of one dequantizer (one per PE).
    """

    action: str
    area_key: str


@dataclass(frozen=True)
class HostedPE:
    """A PE type as a host array sees it.

    Attributes:
        pe: bits, family, MACs/cycle, pipeline latency, accumulator, MAC energy actions.
        origin: design the PE comes from (``systolic``, ``olive``, ``mixpe``).
        description: one line.
        decoder: edge decoder this PE needs for non-integer codes (None: none).
        group_dequant: in-PE per-group dequantizer (None: group scales not applied in the PE).
        energy_tables: design energy tables holding its actions (merged over the shared one).
        area_tables: design area tables holding its area keys.
        area_terms: ``(area key, instances per PE)``; one PE's area is their sum.
        source: where the numbers come from (preset / module).
    """

    pe: PEType
    origin: str
    description: str
    decoder: EdgeDecoder | None = None
    group_dequant: GroupDequant | None = None
    energy_tables: tuple[Path, ...] = ()
    area_tables: tuple[Path, ...] = ()
    area_terms: tuple[tuple[str, float], ...] = ()
    source: str = ""

    @property
    def name(self) -> str:
        return self.pe.name

    def check_operand(self, spec: QuantSpec, operand: str, what: str) -> None:
        """InputError unless this PE (with its decoder) can multiply ``spec`` operands.

        Args:
            spec: the operand's format.
            operand: ``"a"`` (streamed activations) or ``"b"`` (weights / second operand).
            what: the op, for the message.
        """
        fam, fmt, pe = spec.family, spec.fmt, self.pe
        if fam == "float":
            if pe.family != "float":
                raise InputError(
                    "array.pe",
                    f"{what}: operand {operand} is floating point ({fmt}) but PE {pe.name!r} "
                    f"is integer-only; allowed: quantized formats, or a float PE "
                    f"({', '.join(float_pe_names())})",
                )
            return
        if fam == "outlier":
            raise InputError(
                "workload.quant",
                f"{what}: operand {operand} format {fmt} needs a separate outlier path "
                "(GOBO/OLAccel, design olive); no host array PE has one",
            )
        if fam in INT_FAMILIES:
            if pe.family == "float" and spec.bits > pe.a_bits:
                raise InputError(
                    "array.pe",
                    f"{what}: {spec.bits}-bit integers cannot be bit-sliced onto float PE "
                    f"{pe.name!r} (at most {pe.a_bits} bits)",
                )
            return
        # a code family (ovp, ant, bitfusion...): only a decoder turns it into PE integers
        if self.decoder is None or fmt not in self.decoder.formats:
            have = pes_decoding(fmt)
            allowed = (
                f"PEs with an edge decoder for {fmt}: {', '.join(have)}"
                if have
                else f"none (no registered PE decodes {fmt})"
            )
            reason = (
                ""
                if self.decoder is None
                else f" (its decoder takes {', '.join(self.decoder.formats)}; {fmt} codes cannot be bit-sliced)"
            )
            raise InputError(
                "array.pe",
                f"{what}: operand {operand} format {fmt} needs an edge decoder but PE "
                f"{pe.name!r} has none for it{reason}; allowed: {allowed}",
            )

    def check_operands(self, a: QuantSpec, b: QuantSpec, what: str) -> None:
        self.check_operand(a, "a", what)
        self.check_operand(b, "b", what)

    def check_group(self, b: QuantSpec, what: str) -> None:
        """MixPE's no-stall bound for its in-PE dequantizer: ``group_size % d == 0``."""
        if self.group_dequant is None or not b.group_size:
            return
        d = self.pe.macs_per_cycle
        if b.group_size % d:
            raise InputError(
                "workload.quant",
                f"{what}: group size {b.group_size} is not a multiple of PE "
                f"{self.name!r}'s {d} lanes; its in-PE dequantizer would stall",
            )

    def area_um2(self, node_nm: float) -> float:
        """Area of one PE (um^2) at ``node_nm`` from its area terms."""
        from llmaccel.sim.area import load_area_table

        t = load_area_table(*self.area_tables)
        return sum(t.um2(key, node_nm) * n for key, n in self.area_terms)


def _builtin(pe: PEType, description: str) -> HostedPE:
    return HostedPE(pe, "systolic", description, area_terms=((pe.area_key, 1.0),), source="sim/systolic/pe.py")


#: PE types registered at run time (:func:`register_pe_type`), by name
_REGISTERED: dict[str, HostedPE] = {}


def register_pe_type(hosted: HostedPE) -> None:
    """Add a PE type from outside ``sim/`` (a plug-in, a notebook, a test): every host that takes
    ``array.pe`` / ``npu.pe`` can then use it by name.  InputError if the name is taken."""
    if hosted.name in pe_types():
        raise InputError("sim.components", f"PE name {hosted.name!r} is already registered")
    _REGISTERED[hosted.name] = hosted


def unregister_pe_type(name: str) -> None:
    """Remove a PE type added with :func:`register_pe_type` (no-op for unknown names)."""
    _REGISTERED.pop(name, None)


def pe_types() -> dict[str, HostedPE]:
    """Every registered PE type by name: builtin, each provider's ``PE_TYPES``, then those of
    :func:`register_pe_type`."""
    return {**_discovered_pe_types(), **_REGISTERED}


@lru_cache(maxsize=1)
def _discovered_pe_types() -> dict[str, HostedPE]:
    out = dict(_builtins())
    for design in pe_providers():
        mod = importlib.import_module(f"llmaccel.sim.{design}.components")
        for name, hosted in mod.PE_TYPES.items():
            if name in out:
                raise InputError("sim.components", f"PE name {name!r} registered twice ({design})")
            out[name] = hosted
    return out


def pe_names() -> list[str]:
    return sorted(pe_types())


@lru_cache(maxsize=1)
def _builtins() -> dict[str, HostedPE]:
    return {
        "int8": _builtin(BUILTIN_PES["int8"], "INT8 x INT8 MAC, INT32 accumulate (baseline)"),
        "fp16": _builtin(BUILTIN_PES["fp16"], "FP16 x FP16 MAC, FP32 accumulate (baseline)"),
    }


def hosted_pe(name: str) -> HostedPE:
    """The registered PE ``name`` (InputError listing every allowed name).  Builtin PEs resolve
    without importing the other designs."""
    if name in _builtins():
        return _builtins()[name]
    reg = pe_types()
    if name not in reg:
        raise InputError("array.pe", f"unknown PE type {name!r}; allowed: {', '.join(sorted(reg))}")
    return reg[name]


def float_pe_names() -> list[str]:
    return sorted(n for n, h in pe_types().items() if h.pe.family == "float")


def pes_decoding(fmt: str) -> list[str]:
    """Names of PEs whose edge decoder takes format ``fmt``."""
    return sorted(n for n, h in pe_types().items() if h.decoder and fmt in h.decoder.formats)


# ---------------------------------------------------------------- memory systems


@dataclass(frozen=True)
class MemorySystem:
    """A named off-chip memory: exactly the fields of a systolic host's ``dram:`` section.

    Units: GB/s (1e9 B/s), ns, bytes.  ``sources`` maps field -> provenance.
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
        """Plain-valued ``dram:`` section for :class:`sim.systolic.params.DramCfg`."""
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


def with_named_memory(
    params: dict[str, Any], key: str, where: str, fields: tuple[str, ...] | None = None
) -> tuple[dict[str, Any], MemorySystem | None]:
    """``params`` with the section at dotted ``key`` replaced by a named memory system's fields
    when the preset gives a name there (``dram: hbm3``, ``memory.dram: ddr4-3200``), and that
    system; unchanged params and None when the section is spelled out.

    Args:
        params: a preset's plain ``params``.
        key: dotted path of the off-chip memory section.
        where: preset name, for the error's field.
        fields: the section fields the host takes (default: all of :meth:`MemorySystem.dram_section`).
    """
    parts = key.split(".")
    node: Any = params
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    name = node.get(parts[-1]) if isinstance(node, dict) else None
    if not isinstance(name, str):
        return params, None
    system = memory_system(name, f"{where}.params.{key}")
    section = system.dram_section()
    if fields is not None:
        section = {k: section[k] for k in fields}

    def put(tree: dict[str, Any], i: int) -> dict[str, Any]:
        if i == len(parts) - 1:
            return {**tree, parts[i]: section}
        return {**tree, parts[i]: put(tree[parts[i]], i + 1)}

    return put(params, 0), system


def component_rows() -> list[dict[str, Any]]:
    """One row per registered component (kind, name, origin, summary) for listings, e.g. a
    future ``llmaccel list components``; sorted by kind then name."""
    rows = []
    for name, h in sorted(pe_types().items()):
        p = h.pe
        dec = f"; decoder {'/'.join(h.decoder.formats)} +{h.decoder.latency_cycles} cyc" if h.decoder else ""
        dq = "; in-PE group dequant" if h.group_dequant else ""
        rows.append(
            {
                "kind": "pe",
                "name": name,
                "origin": h.origin,
                "summary": f"{p.a_bits}x{p.b_bits}-bit {p.family}, {p.macs_per_cycle} MAC/cycle, "
                f"latency {p.pipeline_latency}{dec}{dq}",
                "description": h.description,
            }
        )
    for name, m in sorted(memory_systems().items()):
        rows.append(
            {
                "kind": "memory",
                "name": name,
                "origin": "sim/tables/memory_systems.yaml",
                "summary": f"{m.channels} ch, {m.bandwidth_gbps:g} GB/s, {m.latency_ns:g} ns, "
                f"{m.burst_bytes} B bursts, {m.energy_action}",
                "description": m.description,
            }
        )
    return rows
