"""DRAM presets, address map, bandwidth vs analytical bounds, energy, bad input."""

import numpy as np
import pytest

from llmaccel.sim.dram import load_dram
from llmaccel.sim.dram.address import AddressMap
from llmaccel.sim.dram.channel import run_device
from llmaccel.sim.dram.config import DRAM_PRESET_DIR, dram_from_params
from llmaccel.sim.dram.energy import command_energy_pj
from llmaccel.sim.dram.patterns import analytical_bounds, random_access, streaming
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError

CFG = load_dram("hbm2-neupims")


def test_peak_is_channels_times_bus():
    # 32 ch x 128 bit x 2 (DDR) / 1 ns = 1024 GB/s  (spec: ~1 TB/s, 32 GB/s per channel)
    assert CFG.peak_gbps == pytest.approx(32 * 16 * 2)
    assert CFG.org.access_bytes == 64 and CFG.org.columns == 16


def test_address_map_roundtrip_and_field_order():
    amap = AddressMap.of(CFG.org)
    rng = np.random.default_rng(1)
    addr = rng.integers(0, amap.capacity_bytes // 64, 1000) * 64
    f = amap.decode(addr)
    assert np.array_equal(amap.encode(**f), addr)
    # column is the lowest field above the 64 B offset, channel next (ro,ra,bg,ba,ch,co)
    assert amap.decode(np.array([64]))["co"][0] == 1
    assert amap.decode(np.array([1024]))["ch"][0] == 1
    assert amap.decode(np.array([1024 * 32]))["ba"][0] == 1
    assert amap.capacity_bytes == 32 << 30  # 32 channels x 1 GB


def test_streaming_and_random_bandwidth_within_bounds():
    b = analytical_bounds(CFG)
    s = run_device(CFG, streaming(CFG, 8 << 20))
    r = run_device(CFG, random_access(CFG, 1 << 16, seed=3))
    bw_s, bw_r = s.bandwidth_gbps(CFG), r.bandwidth_gbps(CFG)
    assert bw_s <= b["peak"]
    assert 0.85 * b["peak_refresh"] < bw_s
    assert bw_r <= b["random"] * 1.02 and bw_r > 0.7 * b["random"]
    # random access: every access opens a row
    assert r.command_counts["ACT"] >= 0.99 * (1 << 16)


def test_energy_counts_commands():
    e = command_energy_pj(CFG, {"ACT": 2, "RD": 3, "WR": 1, "REF": 1, "PRE": 2}, cycles=10)
    assert e["dram"] == pytest.approx(2 * 828 + 3 * 804 + 1068 + 60840)
    assert e["dram_background"] == pytest.approx(64 * 10 * 66)


def test_bad_inputs():
    with pytest.raises(InputError):
        load_dram("no-such-dram")
    raw = load_preset(str(DRAM_PRESET_DIR / "hbm2-neupims.yaml")).params
    bad = {**raw, "org": {**raw["org"], "address_map": "ro,ra,bg,ba,co"}}
    with pytest.raises(InputError, match="address_map"):
        dram_from_params(bad)
    bad = {**raw, "timing": {**raw["timing"], "tRCD": -1}}
    with pytest.raises(InputError, match="tRCD"):
        dram_from_params(bad)
    bad = {**raw, "org": {**raw["org"], "rows": 1000}}
    with pytest.raises(InputError, match="rows"):
        AddressMap.of(dram_from_params(bad).org)
    with pytest.raises(InputError, match="controller"):
        dram_from_params({"org": raw["org"], "timing": raw["timing"]})
    amap = AddressMap.of(CFG.org)
    with pytest.raises(InputError):
        amap.decode(np.array([amap.capacity_bytes]))
