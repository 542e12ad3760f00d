"""MixPE RTL against the numerics and the cycle model (the cocotb runs on both simulators are in
test_rtl_checks.py)."""

from __future__ import annotations

from llmaccel.rtl.mixpe.pe import LATENCY


def test_rtl_latency_is_the_cycle_models_pipeline_depth():
    from llmaccel.sim.mixpe.pe import PE_PIPELINE_DEPTH

    assert LATENCY == PE_PIPELINE_DEPTH
