"""Build typed, validated parameter dataclasses from plain nested dicts.

Every design declares its hardware parameters as frozen dataclasses with type
hints; :func:`build` turns a preset's nested ``params`` dict into them and
raises :class:`~workloads.errors.InputError` naming the dotted field on any
unknown key, missing key, wrong type, non-positive size or bad choice.

Numeric fields go through :func:`workloads.limits.check_number` (finite, of the
field's type) and must be > 0 and <= ``MAX_PRESET_MAGNITUDE`` unless the field's
metadata gives another bound:
``field(metadata={"min": 0})`` (inclusive lower bound) or ``{"max": 1.0}``.
``Literal[...]`` fields accept only the listed values.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError

T = TypeVar("T")


def _check_number(where: str, value: Any, want: type, meta: dict) -> Any:
    """One numeric field through :func:`workloads.limits.check_number` (finite, typed, in range)."""
    lo = meta.get("min")
    hi = meta.get("max", limits.MAX_PRESET_MAGNITUDE)
    if lo is None:
        return limits.check_number(where, value, integer=want is int, lo=0, hi=hi, lo_open=True)
    return limits.check_number(where, value, integer=want is int, lo=lo, hi=hi)


def _convert(where: str, value: Any, tp: Any, meta: dict) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if value is None:
            if len(args) < len(get_args(tp)):
                return None
            raise InputError(where, "must not be null")
        return _convert(where, value, args[0], meta)
    if origin is Literal:
        allowed = get_args(tp)
        if value not in allowed:
            raise InputError(where, f"unknown value {value!r}; allowed: {', '.join(map(str, allowed))}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise InputError(where, f"must be a list, got {value!r}")
        (item_tp, *_rest) = get_args(tp) or (Any,)
        items = [_convert(f"{where}[{i}]", v, item_tp, meta) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise InputError(where, f"must be a mapping, got {value!r}")
        _key_tp, val_tp = get_args(tp) or (Any, Any)
        for k, v in value.items():  # typed and finite; map entries carry no range metadata, so no sign rule
            _convert(f"{where}.{k}", v, val_tp, {"min": -limits.MAX_PRESET_MAGNITUDE})
        return dict(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return build(tp, value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise InputError(where, f"must be true or false, got {value!r}")
        return value
    if tp in (int, float):
        return _check_number(where, value, tp, meta)
    if tp is str:
        if not isinstance(value, str):
            raise InputError(where, f"must be a string, got {value!r}")
        return value
    return value


def build(cls: type[T], data: Any, where: str = "params") -> T:
    """Construct dataclass ``cls`` from nested dict ``data``, validating every field.

    Args:
        cls: a dataclass type with type hints.
        data: mapping of field name -> value (nested mappings for nested dataclasses).
        where: dotted prefix for error messages.

    Raises:
        InputError: naming ``where.field`` and what is allowed.
    """
    if not isinstance(data, dict):
        raise InputError(where, f"must be a mapping of fields, got {type(data).__name__}")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]  # T: any dataclass
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", f"unknown field; allowed: {', '.join(sorted(fields))}")
    kwargs = {}
    for name, f in fields.items():
        sub = f"{where}.{name}"
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise InputError(sub, "missing required field")
            continue
        kwargs[name] = _convert(sub, data[name], hints[name], dict(f.metadata))
    return cls(**kwargs)


def to_dict(obj: Any) -> Any:
    """Dataclass (possibly nested) -> plain dict, for JSON and SQLite rows."""
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) and not isinstance(obj, type) else obj
