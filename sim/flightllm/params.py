"""FlightLLM's typed parameters: defined once in the hardware layer (:mod:`sim.hardware.flightllm`)."""

from llmaccel.sim.hardware.flightllm import (
    BufferParams,
    CompressionParams,
    ComputeParams,
    DdrParams,
    DeviceParams,
    FlightParams,
    HbmParams,
    IsaParams,
    IsaWords,
    LinkParams,
    Parallelism,
    PowerParams,
    SfuParams,
    flight_params,
)

__all__ = [
    "BufferParams",
    "CompressionParams",
    "ComputeParams",
    "DdrParams",
    "DeviceParams",
    "FlightParams",
    "HbmParams",
    "IsaParams",
    "IsaWords",
    "LinkParams",
    "Parallelism",
    "PowerParams",
    "SfuParams",
    "flight_params",
]
