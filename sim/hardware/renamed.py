"""Preset keys that were renamed, so that an old spelling is refused with its new name.

The MixPE presets once spelt their memories ``memory.{input,weight,output}_kib``,
``memory.double_buffered`` and ``memory.dram``; every array host now spells them as the
hardware layer does (``sram.*``, ``dram``).  A preset, ``--set`` or sweep key still using an
old spelling is an :class:`InputError` naming the new key, never a silent ignore.
"""

from __future__ import annotations

from typing import Any

from llmaccel.workloads.errors import InputError

#: old dotted key -> new dotted key (a longer key under an old one is renamed by its prefix).
RENAMED_KEYS: dict[str, str] = {
    "memory.input_kib": "sram.input_kib",
    "memory.weight_kib": "sram.weight_kib",
    "memory.output_kib": "sram.output_kib",
    "memory.double_buffered": "sram.double_buffered",
    "memory.dram": "dram",
    "memory": "sram (input_kib, weight_kib, output_kib, double_buffered) and dram",
}


def renamed_key(dotted: str) -> str | None:
    """The new spelling of an old dotted key (``memory.dram.latency_ns`` -> ``dram.latency_ns``),
    or None when ``dotted`` is no old key."""
    for old in sorted(RENAMED_KEYS, key=len, reverse=True):
        if dotted == old:
            return RENAMED_KEYS[old]
        if dotted.startswith(old + ".") and old != "memory":
            return RENAMED_KEYS[old] + dotted[len(old) :]
    return None


def check_renamed_params(params: dict[str, Any], where: str) -> None:
    """InputError ``<where>.<old key>: renamed to <new key>`` for the first old spelling in
    ``params`` (a nested preset ``params`` mapping)."""
    section = params.get("memory")
    if not isinstance(section, dict):
        if section is not None:
            raise InputError(f"{where}.memory", f"renamed to {RENAMED_KEYS['memory']}")
        return
    for field in section:
        old = f"memory.{field}"
        if old in RENAMED_KEYS:
            raise InputError(f"{where}.{old}", f"renamed to {RENAMED_KEYS[old]}")
    raise InputError(f"{where}.memory", f"renamed to {RENAMED_KEYS['memory']}")
