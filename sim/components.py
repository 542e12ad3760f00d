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
from functools import lru_cache
from typing import Any

from llmaccel.sim.hardware.memory import (  # noqa: F401  (the registry of every component kind)
    MEMORY_ENERGY,
    MEMORY_SYSTEMS,
    MemorySystem,
    memory_system,
    memory_system_names,
    memory_systems,
)
from llmaccel.sim.systolic.pe import BUILTIN_PES, PEType
from llmaccel.sim.systolic.plugins import INT_FAMILIES, HostedPE
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant_spec import QuantSpec


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


def check_operand(hosted: HostedPE, spec: QuantSpec, operand: str, what: str) -> None:
    """InputError unless ``hosted`` (with its decoder) can multiply ``spec`` operands.

    Args:
        hosted: the PE.
        spec: the operand's format.
        operand: ``"a"`` (streamed activations) or ``"b"`` (weights / second operand).
        what: the op, for the message.
    """
    fam, fmt, pe = spec.family, spec.fmt, hosted.pe
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
    dec = hosted.decoder
    if dec is None or fmt not in dec.formats:
        have = pes_decoding(fmt)
        allowed = (
            f"PEs with an edge decoder for {fmt}: {', '.join(have)}"
            if have
            else f"none (no registered PE decodes {fmt})"
        )
        reason = (
            "" if dec is None else f" (its decoder takes {', '.join(dec.formats)}; {fmt} codes cannot be bit-sliced)"
        )
        raise InputError(
            "array.pe",
            f"{what}: operand {operand} format {fmt} needs an edge decoder but PE "
            f"{pe.name!r} has none for it{reason}; allowed: {allowed}",
        )


def check_operands(hosted: HostedPE, a: QuantSpec, b: QuantSpec, what: str) -> None:
    """:func:`check_operand` for both operands, then the PE's group-dequant bound."""
    check_operand(hosted, a, "a", what)
    check_operand(hosted, b, "b", what)
    hosted.check_group(b, what)


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


def builtin_pe(name: str) -> PEType:
    """The PE type ``name``: a builtin one or any registered PE (InputError listing every allowed name)."""
    return hosted_pe(name).pe


def float_pe_names() -> list[str]:
    return sorted(n for n, h in pe_types().items() if h.pe.family == "float")


def pes_decoding(fmt: str) -> list[str]:
    """Names of PEs whose edge decoder takes format ``fmt``."""
    return sorted(n for n, h in pe_types().items() if h.decoder and fmt in h.decoder.formats)


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
