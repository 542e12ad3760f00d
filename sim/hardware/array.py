"""Array geometry of the hardware layer: R x C processing elements and the dataflow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class ArrayGeometry:
    """``rows`` x ``cols`` PEs; ``dataflow``: which operand stays in the PEs (``os`` outputs,
    ``ws`` weights, ``is`` inputs; sim/systolic/dataflow.py)."""

    rows: int
    cols: int
    dataflow: Literal["os", "ws", "is"]
