"""GPU reference: per-op roofline with per-op-kind efficiency factors and board power.

``simulate_trace(trace, preset_name_or_hw) -> Result``; presets ``v100s``,
``a100-40gb``, ``a100-80gb``, ``rtx2080ti`` (``design: gpu``).
"""

from llmaccel.sim.gpu.roofline import GpuParams, gpu_params, op_time_s, simulate_trace  # noqa: F401
