"""Hosts taking components: other designs' PEs and named memory systems on the baseline array."""

from __future__ import annotations

import math

import pytest
from mix_helpers import run_trace, trace_for

from llmaccel.sim.energy import load_table
from llmaccel.sim.mixpe.model import ENERGY_TABLE as MIXPE_ENERGY
from llmaccel.sim.preset import load_preset


@pytest.mark.parametrize(
    "pe,own_preset,quant,phase",
    [
        ("olive-ovp4", "olive-w4a4", "olive-w4a4", "decode"),
        ("olive-ovp4", "olive-w4a4", "olive-w4a4", "prefill"),
        ("olive-ovp8", "olive-w8a8", "olive-w8a8", "decode"),
        ("ant4", "ant-w4a4", "olive-ant-w4a4", "decode"),
    ],
)
def test_hosted_olive_pe_equals_the_olive_design(pe, own_preset, quant, phase):
    """Same array, memories and vector unit: the baseline host with an OliVe-family PE must
    reproduce the olive design's own run (cycles per op, energy per component, area)."""
    tr = trace_for(quant, phase=phase)
    own = run_trace(tr, load_preset(own_preset))
    hosted = run_trace(tr, load_preset("systolic-int8").with_overrides({"array.pe": pe}))
    assert [o.cycles for o in hosted.ops] == [o.cycles for o in own.ops]
    assert hosted.total_cycles == own.total_cycles
    assert hosted.energy_pj.keys() == own.energy_pj.keys()
    for k, v in own.energy_pj.items():
        assert hosted.energy_pj[k] == pytest.approx(v, rel=1e-12)
    assert hosted.meta["area_mm2"] == pytest.approx(own.meta["area_mm2"])


def test_mixpe_pe_charges_one_dequant_per_output_per_group():
    tr = trace_for("mix-w4a8-g128")
    hw = load_preset("systolic-int8").with_overrides({"array.pe": "mixpe-a8"})
    res = run_trace(tr, hw)
    ops = sum(
        o.m * o.n * math.ceil(o.k / 128) * o.count for o in tr.ops if o.kind.is_matmul and o.b_spec.group_size == 128
    )
    assert ops > 0
    pj = load_table(MIXPE_ENERGY).pj("dequant_group_fixed", 28)
    assert res.energy_pj["dequant"] == pytest.approx(ops * pj)
    # int8 x int8 attention on 8x4-bit lanes: two weight slices, so twice the MAC energy per MAC
    table = load_table(MIXPE_ENERGY)
    per_mac = table.pj("prod_shift_add_8x4", 28) + table.pj("int32_add", 28)
    stats = {o.name: o for o in res.ops}
    att = [o for o in tr.ops if o.kind.value == "attn_score"]
    assert att
    for op in att:
        assert stats[op.name].energy_pj["pe_array"] == pytest.approx(op.m * op.n * op.k * op.count * 2 * per_mac)


def test_named_memory_system_equals_the_spelled_out_section():
    tr = trace_for("w8a8")
    base = load_preset("systolic-int8")
    named = run_trace(tr, base.with_overrides({"dram": "hbm2e"}))
    spelled = run_trace(
        tr,
        base.with_overrides(
            {
                "dram": {
                    "channels": 8,
                    "bandwidth_gbps": 409.6,
                    "latency_ns": 100,
                    "burst_bytes": 64,
                    "energy_action": "hbm2_bit",
                }
            }
        ),
    )
    assert named.meta["components"]["dram"] == "hbm2e" and spelled.meta["components"]["dram"] == "preset"
    assert named.total_cycles == spelled.total_cycles
    assert named.energy_pj == spelled.energy_pj
    slow = run_trace(tr, base.with_overrides({"dram": "ddr4-3200"}))
    # DDR4 moves the same bytes at 15 pJ/bit instead of HBM2's 3.9 (sim/tables/memory_energy.yaml)
    assert slow.energy_pj["dram"] == pytest.approx(named.energy_pj["dram"] * 15.0 / 3.9)


def test_baseline_int8_area_unchanged():
    res = run_trace(trace_for("w8a8"), load_preset("systolic-int8"))
    # pe_int8 419 um^2 at 45 nm scaled to 28 nm, 32 x 32 PEs; no decoders, no MUX
    assert res.meta["area_mm2"]["pe_array"] == pytest.approx(419 * (28 / 45) ** 2 * 1024 / 1e6)
    assert set(res.meta["area_mm2"]) == {"pe_array", "sram"}


def test_hosted_mixpe_pe_equals_the_mixpe_design_on_matmuls():
    """The baseline host shaped like mixpe-w4a8 (64x64, its SRAM and bandwidth-only DRAM) runs
    every matmul op in the mixpe design's cycles, dequant energy and PE energy; only the
    vector units (each design's own) differ."""
    tr = trace_for("mix-w4a8-g128")
    own = run_trace(tr, load_preset("mixpe-w4a8"))
    hw = load_preset("systolic-int8").with_overrides(
        {
            "array.pe": "mixpe-a8",
            "array.rows": 64,
            "array.cols": 64,
            "dram": {
                "channels": 1,
                "bandwidth_gbps": 64,
                "latency_ns": 0,
                "burst_bytes": 128,
                "energy_action": "hbm2_bit",
            },
        }
    )
    hosted = run_trace(tr, hw)
    n = 0
    for a, b in zip(own.ops, hosted.ops):
        assert a.name == b.name
        if a.unit != "array":
            continue
        n += 1
        assert b.cycles == a.cycles, a.name
        for comp in ("pe_array", "dequant"):
            assert b.energy_pj.get(comp, 0.0) == pytest.approx(a.energy_pj.get(comp, 0.0), rel=1e-12), (a.name, comp)
    assert n >= 7 + 2 * 8  # 7 linear layers + 2 BMMs per request
