"""Paper-comparison rows, one module per design: ``llmaccel/reproduce/<design>.py``.

Each module exposes ``DESIGN: str`` and ``reproduce() -> list[ReproRow]``.
``llmaccel reproduce <design>|all`` finds them by package scan.

JSON schema of one row (``llmaccel reproduce X --format json`` prints a list):

=========== ======================================================================
design      design name (``"olive"``)
workload    model / setting, e.g. ``"OPT-6.7B b64 W4A8"`` or ``"geomean"``
metric      what is compared, e.g. ``"speedup vs ANT"``, ``"tokens/J"``
baseline    what the metric is relative to (null for absolute metrics)
paper       the paper's value (null where the paper gives none)
model       llmaccel's value
rel_err     (model - paper) / paper (null where paper is null)
assumptions text: what the model value rests on, and why a gap exists
=========== ======================================================================
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import asdict, dataclass
from typing import Any

from llmaccel.workloads.errors import InputError


@dataclass
class ReproRow:
    design: str
    workload: str
    metric: str
    baseline: str | None
    paper: float | None
    model: float
    assumptions: str = ""

    @property
    def rel_err(self) -> float | None:
        if self.paper is None or self.paper == 0:
            return None
        return (self.model - self.paper) / self.paper

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rel_err"] = self.rel_err
        return {
            k: d[k] for k in ("design", "workload", "metric", "baseline", "paper", "model", "rel_err", "assumptions")
        }


def reproducers() -> dict[str, Any]:
    """design name -> module with ``reproduce()``."""
    out = {}
    for info in pkgutil.iter_modules(__path__):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "reproduce") and hasattr(mod, "DESIGN"):
            out[mod.DESIGN] = mod
    return out


def reproduce(design: str) -> list[ReproRow]:
    mods = reproducers()
    if design == "all":
        return [r for name in sorted(mods) for r in mods[name].reproduce()]
    if design not in mods:
        raise InputError("design", f"no reproduction for {design!r}; allowed: {', '.join(sorted(mods) + ['all'])}")
    return mods[design].reproduce()
