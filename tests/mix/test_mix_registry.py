"""Component registry: PE types from every design, named memory systems."""

from __future__ import annotations

import pytest

from llmaccel.sim.components import builtin_pe, hosted_pe, memory_system, memory_system_names, pe_names, pes_decoding
from llmaccel.sim.systolic.pe import BUILTIN_PES
from llmaccel.workloads.errors import InputError

EXPECTED_PES = {"int8", "fp16", "olive-ovp4", "olive-ovp8", "ant4", "mixpe-a8", "bitfusion2"}


def test_every_design_contributes_pes():
    assert set(pe_names()) == EXPECTED_PES
    assert {hosted_pe(n).origin for n in pe_names()} == {"systolic", "olive", "mixpe"}


def test_registry_resolves_registered_names_and_lists_all_on_error():
    assert hosted_pe("olive-ovp4").pe.macs_per_cycle == 4  # four 4-bit multipliers per slot (spec/olive.md)
    assert hosted_pe("mixpe-a8").pe.b_bits == 4
    with pytest.raises(InputError) as e:
        hosted_pe("tpu-bf16")
    assert e.value.field == "array.pe"
    for name in EXPECTED_PES:
        assert name in str(e.value)
    # the systolic PE module knows only its builtins (the registry imports it, not the reverse);
    # the registry's builtin_pe resolves any registered name to its PEType
    assert set(BUILTIN_PES) == {"int8", "fp16"}
    assert builtin_pe("int8").a_bits == 8
    assert builtin_pe("olive-ovp4") is hosted_pe("olive-ovp4").pe
    with pytest.raises(InputError) as e:
        builtin_pe("tpu-bf16")
    assert e.value.field == "array.pe" and "int8" in str(e.value)


def test_olive_pe_semantics():
    h = hosted_pe("olive-ovp4")
    assert (h.pe.a_bits, h.pe.b_bits, h.pe.family) == (4, 4, "int")
    assert h.pe.pipeline_latency == 2  # rtl/olive/pe.py: two registered stages
    assert h.decoder.latency_cycles == 1 and h.decoder.action == "ovp4_decode"
    assert h.decoder.formats == ("ovp4",)
    assert hosted_pe("olive-ovp8").decoder.action == "ovp8_decode"
    assert pes_decoding("ovp4") == ["olive-ovp4"]
    assert pes_decoding("ant8") == ["ant4"]
    # an 8-bit OVP MAC is four 4-bit passes (OliVe: "four 4-bit PEs per 8-bit MAC")
    assert h.pe.passes(8, 8) == 4


def test_mixpe_pe_semantics():
    from llmaccel.rtl.mixpe.pe import LATENCY

    h = hosted_pe("mixpe-a8")
    assert (h.pe.a_bits, h.pe.b_bits, h.pe.macs_per_cycle) == (8, 4, 4)
    assert h.pe.pipeline_latency == LATENCY
    assert h.group_dequant.action == "dequant_group_fixed"
    assert h.pe.passes(8, 4) == 1 and h.pe.passes(8, 8) == 2  # INT8 weights: two 4-bit weight slices
    assert hosted_pe("bitfusion2").pe.passes(8, 8) == 16  # (8/2) x (8/2) BitBrick products


def test_pe_area_matches_the_mixpe_design_per_pe():
    """Hosted MixPE PE area == the mixpe design's own area model divided by its PE count."""
    from llmaccel.sim.mixpe.model import area_mm2
    from llmaccel.sim.mixpe.params import from_preset
    from llmaccel.sim.preset import load_preset

    p = from_preset(load_preset("mixpe-w4a8"))
    a = area_mm2(p)
    per_pe_um2 = (a["pe_array"] + a["dequant"]) * 1e6 / (p.array.rows * p.array.cols)
    assert hosted_pe("mixpe-a8").area_um2(p.node_nm) == pytest.approx(per_pe_um2)


def test_memory_systems_hand_values():
    assert set(memory_system_names()) >= {"ddr4-3200", "hbm2", "hbm2e", "hbm3", "hbm2-neupims"}
    assert memory_system("hbm3").bandwidth_gbps == pytest.approx(1024 * 6.4 / 8)
    assert memory_system("hbm2e").bandwidth_gbps == pytest.approx(1024 * 3.2 / 8)
    assert memory_system("ddr4-3200").bandwidth_gbps == pytest.approx(2 * 3200e6 * 8 / 1e9)
    neu = memory_system("hbm2-neupims")  # derived from sim/dram/presets/hbm2-neupims.yaml
    assert neu.channels == 32
    assert neu.bandwidth_gbps == pytest.approx(32 * 16 * 2 / 1.0)  # 128-bit bus, DDR, tCK 1 ns
    assert neu.latency_ns == pytest.approx(14 + 14)  # tRCD + CL at 1 ns
    assert neu.burst_bytes == 64
    with pytest.raises(InputError) as e:
        memory_system("gddr7")
    assert e.value.field == "dram" and "hbm3" in str(e.value)


def test_component_rows_list_every_component():
    from llmaccel.sim.components import component_rows

    rows = component_rows()
    assert {r["name"] for r in rows if r["kind"] == "pe"} == EXPECTED_PES
    ovp = next(r for r in rows if r["name"] == "olive-ovp4")
    assert ovp["summary"] == "4x4-bit int, 4 MAC/cycle, latency 2; decoder ovp4 +1 cyc"
    hbm3 = next(r for r in rows if r["name"] == "hbm3")
    assert hbm3["summary"] == "16 ch, 819.2 GB/s, 100 ns, 64 B bursts, hbm3_bit"


def test_list_components_command(capsys):
    from llmaccel.cli import main
    from llmaccel.sim.components import component_rows

    assert main(["list", "components"]) == 0
    out = capsys.readouterr().out
    for r in component_rows():
        assert r["name"] in out
    assert "olive-ovp4" in out and "hbm3" in out and "mixpe-a8" in out
