"""Design plug-in, resources, bucket cache, steady-state extrapolation, bad input."""

from __future__ import annotations

import pytest

from llmaccel.sim.designs import get_design
from llmaccel.sim.flightllm.params import flight_params
from llmaccel.sim.flightllm.request import BucketCache, simulate_request, step_summary
from llmaccel.sim.flightllm.resources import check_fit, usage
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import fixed
from llmaccel.workloads.zoo import get_model


def test_resources_fit_and_overflow_names_the_resource():
    u = usage(flight_params(load_preset("u280")))
    assert u["dsp"]["used"] == 3 * 2 * 64 * 16  # 3 cores x pN x pM/2 chains x pK DSPs
    assert u["uram"]["used"] == 3 * (128 + 32 + 64)  # (4608 + 1152 + 2304) KiB / 36 KiB
    assert u["lut"]["used"] == 6144 // 2 * 330 and u["lut"]["available"] == 1304000  # DGs x Yosys LUTs
    hw = load_preset("u280")
    with pytest.raises(InputError, match="dsp"):
        check_fit(flight_params(hw.with_overrides({"compute.cores": 5})), "u280")
    with pytest.raises(InputError, match="uram"):
        check_fit(flight_params(hw.with_overrides({"buffers.weight_kib": 20000})), "u280")
    with pytest.raises(InputError, match="bram36"):
        check_fit(flight_params(hw.with_overrides({"buffers.sfu_bram36": 1000})), "u280")


def test_bad_parameters_raise_input_error():
    hw = load_preset("u280")
    with pytest.raises(InputError):
        flight_params(hw.with_overrides({"clock_mhz": -1}))
    with pytest.raises(InputError):
        flight_params(hw.with_overrides({"decode_mode": "sometimes"}))


def test_design_is_discovered_and_simulates_a_trace(tiny_model):
    d = get_design("flightllm")
    hw = load_preset("u280")
    tr = build_trace(tiny_model, "decode", fixed(1, 50, 1, kv_len=50), quant="flightllm-paper", include_lm_head=True)
    r = d.simulate(d.compile(tr, hw), hw)
    assert r.design == "flightllm" and r.total_cycles > 0
    assert r.meta["hbm_read_bytes"] > 0 and 0 < r.meta["bandwidth_utilisation"] < 1
    # board power is an output: the components add up to board power x time, and the static
    # floor (device 8 W + 2 HBM stacks x 1 W, / 0.88 VRM, + DDR 2 W + other 3 W) bounds it below
    assert r.total_energy_pj == pytest.approx(r.meta["board_power_w"] * r.time_s * 1e12)
    assert r.meta["board_power_w"] > 10 / 0.88 + 5
    # every weight byte is read once per step
    wbytes = sum(o.bytes["dram_read"] for o in r.ops if o.kind in ("gemv", "gemm"))
    assert wbytes >= sum(op.b_bytes() for op in tr.ops if op.b_class == "weight" and op.kind.is_matmul) * 0.99


def test_bucket_cache_reuses_results_and_equals_fresh(tiny_model):
    hw = load_preset("u280")
    cache = BucketCache()
    r = simulate_request(tiny_model, 100, 40, hw, cache=cache)  # kv 101..140 -> buckets 112,128,144
    assert r.buckets == {"prefill": [128], "decode": [112, 128, 144]}
    assert cache.misses == 4 and cache.hits == 0
    again = simulate_request(tiny_model, 100, 40, hw, cache=cache)
    assert cache.misses == 4 and cache.hits == 4
    assert again.decode_s == r.decode_s and again.energy_j == r.energy_j
    fresh = step_summary(tiny_model, "decode", 128, hw, "flightllm-paper", BucketCache())
    assert cache.results[next(k for k in cache.results if k[3] == "decode" and k[4] == 128)] == fresh
    # lengths 113..128 share one program: 16 decode steps cost exactly 16 x that step
    one = simulate_request(tiny_model, 112, 16, hw, cache=BucketCache())
    assert one.decode_s == pytest.approx(16 * fresh.time_s)


def test_steady_state_extrapolation_is_close_to_full():
    """On a real-size model (LLaMA2-7B) one block is long enough to reach steady state."""
    hw = load_preset("u280")
    model = get_model("llama2-7b")
    for phase, length in (("decode", 1040), ("prefill", 128)):
        full = step_summary(model, phase, length, hw, "flightllm-paper", BucketCache(), "full")
        steady = step_summary(model, phase, length, hw, "flightllm-paper", BucketCache(), "steady")
        assert steady.time_s == pytest.approx(full.time_s, rel=0.005)
        assert steady.hbm_bytes == pytest.approx(full.hbm_bytes, rel=1e-9)
        assert steady.program_bytes == pytest.approx(full.program_bytes, rel=1e-9)


def test_always_on_chip_decode_beats_off_chip(tiny_model):
    on = simulate_request(tiny_model, 64, 32, load_preset("u280"))
    off = simulate_request(tiny_model, 64, 32, load_preset("u280-offchip"))
    assert on.decode_s < off.decode_s
    assert on.decode_bw_utilisation > off.decode_bw_utilisation


def test_request_bad_input(tiny_model):
    hw = load_preset("u280")
    with pytest.raises(InputError):
        simulate_request(tiny_model, 0, 10, hw)
    with pytest.raises(InputError):
        simulate_request(tiny_model, 2000, 100, hw)  # beyond max_len 2048
    with pytest.raises(InputError):
        step_summary(tiny_model, "decode", 16, hw, "flightllm-paper", BucketCache(), "approximate")


def test_u280_streams_from_the_24_pcs_its_cores_drive(tiny_model):
    """Artifact layout: 8 PCs per core, so the U280's 3 cores drive 24 of 32; giving every PC to the
    cores (pcs_per_core 11 -> capped at 32) moves the same bytes in no more time."""
    d = get_design("flightllm")
    hw = load_preset("u280")
    tr = build_trace(tiny_model, "decode", fixed(1, 500, 1, kv_len=500), quant="flightllm-paper", layers=3)
    r24 = d.simulate(d.compile(tr, hw), hw)
    all_pcs = hw.with_overrides({"hbm.pcs_per_core": 11}, "test: every PC driven")
    r32 = d.simulate(d.compile(tr, all_pcs), all_pcs)
    assert (r24.meta["hbm_pcs"], r32.meta["hbm_pcs"]) == (24, 32)
    assert r24.meta["hbm_bytes"] == r32.meta["hbm_bytes"] > 0
    assert r24.total_cycles > r32.total_cycles
    # the model-only utilisation against the driven PCs' peak is the device-peak one x 32/24
    assert r24.meta["bandwidth_utilisation_driven_pcs"] == pytest.approx(r24.meta["bandwidth_utilisation"] * 32 / 24)
    assert r32.meta["bandwidth_utilisation_driven_pcs"] == pytest.approx(r32.meta["bandwidth_utilisation"])
