"""FlightLLM DSP-group RTL against the packed-INT8 functional model (both simulators)."""
from __future__ import annotations

import pytest

from rtl.flightllm import checks
from rtl.flightllm.dsp_group import LATENCY, DspGroup
from rtl.flow import cell_counts, simulator_available


@pytest.mark.rtl
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_flightllm_dsp_group(sim, tmp_path):
    assert simulator_available(sim), f"{sim} is part of the toolchain (TOOLCHAIN.md)"
    (check,) = [c for c in checks.CHECKS if c.unit == "flightllm.dsp_group"]
    check.run(sim, tmp_path)


@pytest.mark.rtl
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_flightllm_dsp_chain(sim, tmp_path):
    assert simulator_available(sim), f"{sim} is part of the toolchain (TOOLCHAIN.md)"
    (check,) = [c for c in checks.CHECKS if c.unit == "flightllm.dsp_chain"]
    check.run(sim, tmp_path)


def test_rtl_latency_is_the_presets_dg_pipeline_depth():
    from sim.preset import load_preset
    for name in ("u280", "vhk158"):
        assert load_preset(name).get("compute.dg_pipeline_stages") == LATENCY


def test_dsp_group_maps_to_two_dsp48e2():
    """Yosys synth_xilinx: the two packed 27x8 multiplies land in exactly two DSP48E2 slices."""
    cells = cell_counts(DspGroup(), "flightllm_dg", target="xilinx")
    assert cells.get("DSP48E2") == 2
