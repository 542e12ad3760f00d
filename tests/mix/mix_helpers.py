"""Shared helpers of the mix-and-match tests (one-layer traces, cached)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from llmaccel.sim.designs import get_design
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import Result
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import fixed
from llmaccel.workloads.trace import Trace
from llmaccel.workloads.zoo import get_model

ROOT = Path(__file__).resolve().parents[2]
SPACES = ROOT / "examples" / "spaces"
SPARSE_HOST = str(SPACES / "hosts" / "systolic-int8-sparse.yaml")


@lru_cache(maxsize=32)
def trace_for(quant: str, phase: str = "decode", model: str = "llama2-7b", batch: int = 8) -> Trace:
    reqs = fixed(1, 64, 1) if phase == "prefill" else fixed(batch, 256, 1)
    return build_trace(get_model(model), phase, reqs, quant=quant, layers=1)


def run_trace(trace: Trace, hw: HardwareConfig) -> Result:
    d = get_design(hw.design)
    return d.simulate(d.compile(trace, hw), hw)
