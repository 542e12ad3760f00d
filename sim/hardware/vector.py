"""Vector unit of the hardware layer (softmax, norms, activations, element-wise, RoPE)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class VectorUnitCfg:
    """``lanes`` elements per cycle, ``latency_cycles`` once per op, ``passes``: op kind ->
    sweeps over the data, ``actions``: energy actions per element per pass."""

    lanes: int
    latency_cycles: int = field(metadata={"min": 0})
    passes: dict[str, int]
    actions: list[str]
