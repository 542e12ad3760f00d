"""MixPE RTL against the numerics and the cycle model (both simulators)."""
from __future__ import annotations

import pytest

from rtl.flow import simulator_available
from rtl.mixpe import checks
from rtl.mixpe.pe import LATENCY


@pytest.mark.rtl
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_mixpe_pe(sim, tmp_path):
    assert simulator_available(sim), f"{sim} is part of the toolchain (TOOLCHAIN.md)"
    (check,) = [c for c in checks.CHECKS if c.unit == "mixpe.pe"]
    check.run(sim, tmp_path)


@pytest.mark.rtl
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_mixpe_fp16_group_stage(sim, tmp_path):
    assert simulator_available(sim), f"{sim} is part of the toolchain (TOOLCHAIN.md)"
    (check,) = [c for c in checks.CHECKS if c.unit == "mixpe.pe_fp16"]
    check.run(sim, tmp_path)


def test_rtl_latency_is_the_cycle_models_pipeline_depth():
    from sim.mixpe.pe import PE_PIPELINE_DEPTH
    assert LATENCY == PE_PIPELINE_DEPTH
