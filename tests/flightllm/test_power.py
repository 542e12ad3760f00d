"""Board power model (sim/flightllm/power.py), SLR gather and host latency: hand-computed."""

from __future__ import annotations

import pytest

from llmaccel.sim.flightllm.design import gather_cycles, host_cycles
from llmaccel.sim.flightllm.params import flight_params
from llmaccel.sim.flightllm.power import board_energy, logic_resources
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError


def test_logic_resources_of_u280():
    r = logic_resources(flight_params(load_preset("u280")))
    # 3 cores x 2 x 64 chains x 16 DSPs = 6144 DSPs = 3072 DGs of 330 LUT / 203 FF
    assert r == {"dsp_groups": 3072, "luts": 3072 * 330, "ffs": 3072 * 203}


def test_board_energy_one_second_by_hand():
    p = flight_params(load_preset("u280"))
    e = board_energy(p, {"hbm": 1.0}, hbm_bytes=1e11, cycles=225_000_000, mpe_busy_cycles=112_500_000)
    w = {k: v * 1e-12 for k, v in e.items()}  # 1 s run: pJ -> W
    assert w["hbm_interface"] == pytest.approx(8e11 * 2.0e-12)
    assert w["dsp_clock"] == pytest.approx(6144 * 195 * 3.6e-15 * 225e6)  # 0.970 W
    assert w["logic_ff_clock"] == pytest.approx(623_616 * 3.6e-15 * 225e6)  # 0.505 W
    assert w["logic_lut"] == pytest.approx(1_013_760 * 0.125 * 18e-15 * 112.5e6)  # 0.257 W
    assert w["static_device"] == pytest.approx(8.0) and w["static_hbm"] == pytest.approx(2.0)
    on_chip = 1e-12 + 1.6 + 0.9704448 + 0.50512896 + 0.2566080 + 8.0 + 2.0
    assert w["vrm_loss"] == pytest.approx(on_chip * (1 / 0.88 - 1), rel=1e-6)
    assert w["board_ddr"] == pytest.approx(2.0) and w["board_other"] == pytest.approx(3.0)
    assert sum(w.values()) == pytest.approx(on_chip / 0.88 + 5.0, rel=1e-6)  # 20.15 W


def test_gather_and_host_latency_by_hand():
    p = flight_params(load_preset("u280"))
    # 3 SLRs: out and back over 2 boundaries of 4 cycles; 4096 B x 2/3 over 512 bits = 43 cycles
    assert gather_cycles(p, 4096) == (16, 43)
    # 2 PCIe round trips of 1 us at 225 MHz
    assert host_cycles(p) == 450
    one = flight_params(load_preset("u280").with_overrides({"compute.cores": 1}))
    assert gather_cycles(one, 4096) == (0, 0)


def test_power_fields_are_validated():
    hw = load_preset("u280")
    with pytest.raises(InputError, match="vrm_efficiency"):
        flight_params(hw.with_overrides({"power.vrm_efficiency": 1.5}))
    with pytest.raises(InputError, match="toggle_rate"):
        flight_params(hw.with_overrides({"power.toggle_rate": -0.1}))
