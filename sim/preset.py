"""Hardware presets: YAML files whose every number carries its source.

Format (``sim/presets/<name>.yaml``, schema 1)::

    schema: 1
    name: systolic-int8
    design: systolic            # the sim/<design> package that consumes it
    description: one line
    extends: other-preset       # optional: deep-merged underneath this file
    default_quant: {value: w8a8, source: "why this design runs this format"}
    params:
      clock_mhz: {value: 500, source: "olive.md: ANT simulator config"}
      array:
        rows: {value: 32, source: "..."}
        dataflow: os            # non-numeric leaves may be plain

``default_quant`` names the quantization preset (``workloads/quant_presets``) that
``llmaccel run``/``trace`` use on this hardware when no ``--quant`` is given; it is
inherited through ``extends`` unless the child names its own.

A numeric leaf must be written ``{value: X, source: "..."}`` (optionally with
``unit`` and ``node_nm``); a bare number is rejected so that no constant enters
the simulator without provenance.  :class:`HardwareConfig` keeps the plain
values in ``params`` and the sources in ``sources`` (dotted key -> text).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmaccel.sim.hardware.renamed import renamed_key
from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.textfile import read_yaml as read_yaml_file

PRESET_DIR = Path(__file__).parent / "presets"
SCHEMA_VERSION = 1
_TOP_KEYS = {"schema", "name", "design", "description", "extends", "params", "default_quant"}
_LEAF_KEYS = {"value", "source", "unit", "node_nm"}


@dataclass
class HardwareConfig:
    """A loaded preset.

    Attributes:
        name: preset name.
        design: which ``sim/<design>`` package simulates it.
        params: nested dict of plain values (what design code reads).
        sources: dotted key -> provenance text, for every numeric leaf.
        description: one line.
        path: file it came from (None when built in code).
        default_quant: quantization preset this hardware runs unless ``--quant`` says otherwise
            (None: the CLI default).
        default_quant_source: why (paper section or "assumed: ...").
    """

    name: str
    design: str
    params: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None
    default_quant: str | None = None
    default_quant_source: str = ""

    def get(self, dotted: str, default: Any = ...) -> Any:
        """Value at a dotted key, e.g. ``hw.get("array.rows")``."""
        node: Any = self.params
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is ...:
                    raise InputError(f"{self.name}.params.{dotted}", "missing in preset")
                return default
            node = node[part]
        return node

    def _refuse_renamed(self, dotted: str) -> None:
        """InputError ``<old key>: renamed to <new key>`` when ``dotted`` is an old spelling
        (sim/hardware/renamed.py) that this preset lacks while it has the new one."""
        new = renamed_key(dotted)
        if new is None or self.get(dotted, None) is not None:
            return
        if self.get(new.split(" ")[0], None) is not None:
            raise InputError(dotted, f"renamed to {new}")

    def with_overrides(self, overrides: dict[str, Any], source: str = "override") -> HardwareConfig:
        """A copy with dotted keys replaced (used by the CLI and by sweeps).

        Only existing keys can be overridden; an unknown key raises InputError.
        """
        params = copy.deepcopy(self.params)
        sources = dict(self.sources)
        for dotted, value in overrides.items():
            self._refuse_renamed(dotted)
            node = params
            parts = dotted.split(".")
            for part in parts[:-1]:
                if not isinstance(node.get(part), dict):
                    raise InputError(f"override {dotted}", f"no such section in preset {self.name}")
                node = node[part]
            if parts[-1] not in node:
                raise InputError(f"override {dotted}", f"unknown field; allowed: {', '.join(sorted(node))}")
            node[parts[-1]] = check_override(dotted, node[parts[-1]], value)
            sources[dotted] = source
        return HardwareConfig(
            self.name,
            self.design,
            params,
            sources,
            self.description,
            self.path,
            self.default_quant,
            self.default_quant_source,
        )


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def check_preset_number(key: str, value: Any, sign_of: Any = None) -> Any:
    """A preset number through the one numeric validator (:func:`workloads.limits.check_number`).

    Finite, and a non-zero magnitude in [MIN_PRESET_MAGNITUDE, MAX_PRESET_MAGNITUDE].  With
    ``sign_of`` (the value being replaced) the new value must also keep its sign class:
    a field shipped >= 0 stays >= 0 (whether 0 is meaningful is the design's check, e.g.
    a bandwidth must be > 0).  Returns the value unchanged
    (int stays int, so design code sees the type the YAML had).
    """
    lo_mag, hi_mag = limits.MIN_PRESET_MAGNITUDE, limits.MAX_PRESET_MAGNITUDE
    if sign_of is not None and _is_number(sign_of) and sign_of >= 0:
        v = limits.check_number(key, value, lo=0, hi=hi_mag)
        if 0 < v < lo_mag:
            raise InputError(key, f"must be 0 or a number in [{lo_mag:g}, {hi_mag:g}], got {v!r}")
    else:
        v = limits.check_number(key, value, lo=-hi_mag, hi=hi_mag)
        if 0 < abs(v) < lo_mag:
            raise InputError(key, f"must be 0 or of magnitude in [{lo_mag:g}, {hi_mag:g}], got {v!r}")
    return value


def check_override(key: str, current: Any, value: Any) -> Any:
    """Validate one ``--set`` / sweep override against the value it replaces (InputError naming ``key``)."""
    if isinstance(current, dict):
        if isinstance(value, (str, dict)):  # a named component (dram=hbm2) or a whole section; the design checks it
            return value
        raise InputError(key, f"is a section ({', '.join(sorted(current))}); set one of its fields or name a component")
    if isinstance(current, list):
        raise InputError(key, "holds a list; lists cannot be overridden, edit a preset YAML copy instead")
    if _is_number(current):
        return check_preset_number(key, value, sign_of=current)
    if isinstance(current, bool) and not isinstance(value, bool):
        raise InputError(key, f"must be true or false, got {value!r}")
    if isinstance(current, str) and not isinstance(value, str):
        raise InputError(key, f"must be a string, got {value!r}")
    return value


def _split_leaves(node: Any, prefix: str, file: str, sources: dict[str, str]) -> Any:
    """Turn {value, source} leaves into plain values, collecting sources."""
    if isinstance(node, dict):
        if "value" in node and set(node) <= _LEAF_KEYS:
            if "source" not in node or not str(node["source"]).strip():
                raise InputError(f"{file}: {prefix}", "numeric leaf needs a non-empty 'source'")
            sources[prefix] = str(node["source"])
            value = node["value"]
            for i, x in enumerate(value if isinstance(value, list) else [value]):
                if not isinstance(x, (str, bool)) and x is not None:
                    check_preset_number(f"{file}: {prefix}" + (f"[{i}]" if isinstance(value, list) else ""), x)
            return value
        return {k: _split_leaves(v, f"{prefix}.{k}" if prefix else str(k), file, sources) for k, v in node.items()}
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return node
    if isinstance(node, (int, float)):
        raise InputError(f"{file}: {prefix}", 'a number must be written {value: X, source: "..."}')
    if isinstance(node, list):
        if any(isinstance(x, (int, float)) and not isinstance(x, bool) for x in node):
            raise InputError(f"{file}: {prefix}", 'a list of numbers must be written {value: [...], source: "..."}')
        return [_split_leaves(x, f"{prefix}[{i}]", file, sources) for i, x in enumerate(node)]
    raise InputError(f"{file}: {prefix}", f"unsupported value {node!r}")


def _deep_merge(base: dict, top: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in top.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and "value" not in v:
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def read_yaml(path: Path, what: str = "file") -> Any:
    """Parse a YAML file; a missing, unreadable, non-UTF-8 or malformed file is an InputError naming ``what``."""
    return read_yaml_file(path, what)


def file_stamp(path: str | Path) -> tuple[str, int, int]:
    """(resolved path, mtime ns, size): a cache key that changes when the file does."""
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError:
        return (str(p), -1, -1)
    return (str(p), st.st_mtime_ns, st.st_size)


def preset_names() -> list[str]:
    """Names of the shipped presets."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def _raw_preset(name_or_path: str, seen: tuple[str, ...] = ()) -> tuple[dict, Path]:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        path = p
    else:
        path = PRESET_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise InputError(
                "preset", f"unknown preset {name_or_path!r}; allowed: {', '.join(preset_names())} or a YAML path"
            )
    doc = read_yaml(path, "preset")
    if not isinstance(doc, dict):
        raise InputError(f"{path}", "preset must be a YAML mapping")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise InputError(
            f"{path}: {sorted(unknown)[0]}", f"unknown top-level key; allowed: {', '.join(sorted(_TOP_KEYS))}"
        )
    if doc.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise InputError(
            f"{path}: schema", f"unsupported schema {doc.get('schema')!r}; this llmaccel reads {SCHEMA_VERSION}"
        )
    parent = doc.get("extends")
    if parent:
        if parent in seen:
            raise InputError(f"{path}: extends", f"cycle through {parent!r}")
        base, _ = _raw_preset(parent, seen + (parent,))
        merged = dict(base)
        merged.update({k: v for k, v in doc.items() if k != "params"})
        merged["params"] = _deep_merge(base.get("params") or {}, doc.get("params") or {})
        merged.pop("extends", None)
        return merged, path
    return doc, path


def load_preset(name_or_path: str) -> HardwareConfig:
    """Load a preset by shipped name or YAML path.

    Raises:
        InputError: unknown name, unreadable/malformed file, a number without a source.
    """
    doc, path = _raw_preset(str(name_or_path))
    for key in ("name", "design"):
        if not isinstance(doc.get(key), str):
            raise InputError(f"{path}: {key}", "required string field")
    sources: dict[str, str] = {}
    params = _split_leaves(doc.get("params") or {}, "", str(path.name), sources)
    quant, quant_source = _default_quant(doc.get("default_quant"), path)
    return HardwareConfig(
        doc["name"], doc["design"], params, sources, doc.get("description", ""), path, quant, quant_source
    )


def _default_quant(entry: Any, path: Path) -> tuple[str | None, str]:
    """``default_quant: {value: NAME, source: "..."}`` -> (NAME, source); absent -> (None, "")."""
    if entry is None:
        return None, ""
    if (
        not isinstance(entry, dict)
        or set(entry) != {"value", "source"}
        or not isinstance(entry["value"], str)
        or not str(entry["source"]).strip()
    ):
        raise InputError(
            f"{path}: default_quant", 'must be {value: QUANT_PRESET_NAME, source: "..."} with a non-empty source'
        )
    return entry["value"], str(entry["source"])
