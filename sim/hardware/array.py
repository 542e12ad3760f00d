"""Array geometry of the hardware layer: R x C processing elements and the dataflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class ArrayGeometry:
    """``rows`` x ``cols`` PEs; ``dataflow``: which operand stays in the PEs (``os`` outputs,
    ``ws`` weights, ``is`` inputs; sim/systolic/dataflow.py); ``fold_convention``: how one
    fold is costed, ``scalesim-v3`` (SCALE-Sim 3.0.0, the default) or ``drain`` (output drain
    through the bottom edge charged per os fold; sim/systolic/dataflow.py)."""

    rows: int
    cols: int
    dataflow: Literal["os", "ws", "is"]
    fold_convention: Literal["scalesim-v3", "drain"] = field(default="scalesim-v3", kw_only=True)
