"""RTL check registry: every ``rtl/<unit>/checks.py`` exposing ``CHECKS`` is found.

An :class:`RtlCheck` is one named cocotb verification of one unit.  Its ``run``
takes the simulator name and a fresh build folder and raises
:class:`rtl.flow.RtlCheckFailed` on any mismatch.  pytest (``tests/rtl``) and
``llmaccel verify`` both run the same checks.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from llmaccel import rtl


@dataclass(frozen=True)
class RtlCheck:
    """One verification.

    Attributes:
        unit: RTL unit, e.g. ``"baseline.pe"``, ``"olive.decoder4"``.
        description: what is compared (vectors, latency).
        run: ``run(sim, build_dir)``; raises RtlCheckFailed on mismatch.
    """

    unit: str
    description: str
    run: Callable[[str, Path], None]


def all_checks() -> list[RtlCheck]:
    """Every registered check, sorted by unit name."""
    checks: list[RtlCheck] = []
    for info in pkgutil.iter_modules(rtl.__path__):
        if not info.ispkg:
            continue
        name = f"llmaccel.rtl.{info.name}.checks"
        if importlib.util.find_spec(name) is None:
            continue
        checks.extend(importlib.import_module(name).CHECKS)
    return sorted(checks, key=lambda c: c.unit)
