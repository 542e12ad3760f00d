"""The ``gpu`` design: roofline reference (``sim.gpu.roofline``).  The program is the trace itself."""

from __future__ import annotations

from dataclasses import dataclass

from llmaccel.sim.gpu.roofline import gpu_params, simulate_trace
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import Result
from llmaccel.workloads.trace import Trace


@dataclass
class GpuDesign:
    name: str = "gpu"

    def compile(self, trace: Trace, hw: HardwareConfig) -> Trace:
        gpu_params(hw)  # validate the preset early
        return trace

    def simulate(self, program: Trace, hw: HardwareConfig) -> Result:
        return simulate_trace(program, hw)


DESIGN = GpuDesign()
