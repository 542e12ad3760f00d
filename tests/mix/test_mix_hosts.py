"""Named memory systems on every host, and the weight formats FlightLLM's datapath hosts
(issue 13 §4): a named system equals the same numbers spelled out; what a host cannot take
is an InputError that says why."""

from __future__ import annotations

import pytest

from llmaccel.sim.designs import run
from llmaccel.sim.flightllm.formats import decoded_elements
from llmaccel.sim.preset import load_preset
from llmaccel.workload import model_trace
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import QuantSpec

#: ddr4-3200 of sim/tables/memory_systems.yaml, spelled out (JESD79-4: 2 x 25.6 GB/s, BL8 x 8 B)
DDR4 = {"channels": 2, "bandwidth_gbps": 51.2, "latency_ns": 50, "burst_bytes": 64}


def _same(a, b) -> None:
    assert (a.total_cycles, a.energy_pj, a.roofs[0].bytes_per_s) == (
        b.total_cycles,
        b.energy_pj,
        b.roofs[0].bytes_per_s,
    )


def test_olive_takes_a_named_memory_system():
    tr = model_trace("llama2-7b", "decode", 2, 64, 8, quant="olive-w4a4", layers=1)
    hw = load_preset("olive-w4a4")
    named = run(tr, hw.with_overrides({"dram": "ddr4-3200"}, "test"))
    spelled = run(
        tr, hw.with_overrides({f"dram.{k}": v for k, v in {**DDR4, "energy_action": "ddr4_bit"}.items()}, "t")
    )
    _same(named, spelled)
    assert named.roofs[0].source.startswith("memory system ddr4-3200")
    assert named.roofs[0].bytes_per_s == 51.2e9


def test_mixpe_takes_a_named_memory_system_with_its_energy():
    tr = model_trace("llama2-7b", "decode", 2, 64, 8, quant="w4a8-g128", layers=1)
    hw = load_preset("mixpe-w4a8")
    named = run(tr, hw.with_overrides({"dram": "ddr4-3200"}, "test"))
    spelled_hw = load_preset("mixpe-w4a8").with_overrides({f"dram.{k}": v for k, v in DDR4.items()}, "t")
    spelled = run(tr, spelled_hw)
    assert named.total_cycles == spelled.total_cycles
    # the same bits, charged at DDR4's 15 pJ/bit instead of the preset's own 0.6292 pJ/bit (the
    # MixPE artifact's DRAM figure, sim/mixpe/energy.yaml dram_bit_artifact)
    bits = (named.traffic[0].total_bytes) * 8
    assert named.traffic[0].level == "dram"
    assert named.energy_pj["dram"] == pytest.approx(bits * 15.0)
    assert spelled.energy_pj["dram"] == pytest.approx(bits * 0.6292)


def test_neupims_takes_memory_systems_with_a_command_level_organisation_only():
    tr = model_trace("gpt3-7b", "decode", 8, 64, 8, quant="fp16", layers=1)
    a = run(tr, load_preset("neupims"))
    b = run(tr, load_preset("neupims").with_overrides({"dram_preset": "hbm2-neupims"}, "test"))
    _same(a, b)
    with pytest.raises(InputError) as e:
        run(tr, load_preset("neupims").with_overrides({"dram_preset": "hbm3"}, "test"))
    assert e.value.field == "neupims.params.dram_preset" and "command by command" in e.value.problem


def test_flightllm_says_why_it_takes_no_named_memory_system():
    tr = model_trace("llama2-7b", "decode", 1, 64, 8, quant="flightllm-paper", layers=1)
    with pytest.raises(InputError) as e:
        run(tr, load_preset("u280").with_overrides({"hbm": "hbm3"}, "test"))
    assert e.value.field == "u280.params.hbm" and "pseudo-channel" in e.value.problem


def _op(a: str, b: str) -> Op:
    return Op(
        "L0.q_proj",
        OpKind.GEMV,
        0,
        Phase.DECODE,
        m=1,
        n=4096,
        k=4096,
        count=2,
        a_spec=QuantSpec(a, 4),
        b_spec=QuantSpec(b, 4),
    )


def test_lut_decoded_elements_by_hand():
    # OVP weights: every stored weight (4096 x 4096 x 2 instances); OVP activations: 1 x 4096 x 2
    assert decoded_elements(_op("ovp4", "ovp4")) == 4096 * 4096 * 2 + 4096 * 2
    assert decoded_elements(_op("int4", "ovp4")) == 4096 * 4096 * 2
    assert decoded_elements(_op("int4", "int4")) == 0


@pytest.mark.parametrize(
    ("quant", "words"),
    [
        ("fp16", ("fp16 is floating point", "DSP48")),
        ("olive-ant-w4a4", ("ant4", "no LUT decoder")),
        ("olive-gobo-w3a16", ("floating point",)),
    ],
)
def test_flightllm_refuses_what_its_datapath_cannot_host(quant, words):
    tr = model_trace("llama2-7b", "decode", 1, 64, 8, quant=quant, layers=1)
    with pytest.raises(InputError) as e:
        run(tr, load_preset("u280"))
    assert e.value.field == "workload.quant"
    for w in words:
        assert w in e.value.problem


def test_flightllm_hosts_ovp_and_nm_sparsity():
    hw = load_preset("u280")
    ovp = run(model_trace("llama2-7b", "decode", 1, 64, 8, quant="olive-w4a4", layers=3), hw)
    dense = run(model_trace("llama2-7b", "decode", 1, 64, 8, quant="w8a8", layers=3), hw)
    assert ovp.energy_pj["lut_decoder"] > 0 and "lut_decoder" not in dense.energy_pj
    # block 1 (not the INT8 first/last blocks) streams 4-bit OVP weights: fewer HBM bytes
    assert ovp.offchip_bytes() < dense.offchip_bytes()
    # the board power model's output is the run total over time (docs/flightllm.md)
    assert sum(ovp.energy_pj.values()) == pytest.approx(ovp.meta["board_power_w"] * ovp.time_s * 1e12)
    sparse = run(model_trace("llama2-7b", "decode", 1, 64, 8, quant="w8a8-sp24", layers=3), hw)
    assert sparse.offchip_bytes() < dense.offchip_bytes()
