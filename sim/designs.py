"""Design registry: every ``sim/<design>/design.py`` exposing ``DESIGN`` is found.

A design is any object with::

    name: str                                   # == preset "design" field
    def compile(trace, hw) -> program           # usually delegates to mapping/<design>.py
    def simulate(program, hw) -> sim.result.Result

Discovery is by package scan, so a new design (or the DSE code) needs no edit
of a central list.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from typing import Any, Protocol

from llmaccel import sim
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import Result
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.trace import Trace


class Design(Protocol):
    name: str

    def compile(self, trace: Trace, hw: HardwareConfig) -> Any: ...

    def simulate(self, program: Any, hw: HardwareConfig) -> Result: ...


def _discover() -> dict[str, str]:
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(sim.__path__):
        if info.ispkg:
            spec = importlib.util.find_spec(f"llmaccel.sim.{info.name}.design")
            if spec is not None:
                found[info.name] = f"llmaccel.sim.{info.name}.design"
    return found


def design_names() -> list[str]:
    return sorted(_discover())


def get_design(name: str) -> Design:
    """The registered design called ``name`` (raises InputError if unknown)."""
    mods = _discover()
    if name not in mods:
        raise InputError("design", f"unknown design {name!r}; allowed: {', '.join(sorted(mods))}")
    return importlib.import_module(mods[name]).DESIGN


def run(trace: Trace, hw: HardwareConfig) -> Result:
    """compile + simulate ``trace`` on the design named by the preset."""
    d = get_design(hw.design)
    return d.simulate(d.compile(trace, hw), hw)
