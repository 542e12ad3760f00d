"""Every named memory system works on every array host (key ``dram`` on every array host, MixPE included)."""

from __future__ import annotations

import pytest

from llmaccel.sim.designs import get_design
from llmaccel.sim.mixpe.params import from_preset
from llmaccel.sim.olive.params import olive_machine, olive_params
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import INT8, QuantSpec
from llmaccel.workloads.trace import Trace

HBM3_GBPS = 1024 * 6.4 / 8  # sim/tables/memory_systems.yaml: 1024-bit stack at 6.4 Gb/s per pin
HBM3_PJ_PER_BIT = 3.9  # sim/tables/memory_energy.yaml hbm3_bit (not node-scaled)


def test_olive_takes_a_named_memory_system():
    p = olive_params(load_preset("olive-w4a4").with_overrides({"dram": "hbm3"}))
    m = olive_machine(p)
    assert m.memory().dram.bandwidth_gbps == pytest.approx(HBM3_GBPS)
    assert m.energy.dram_bit == "hbm3_bit"


def test_mixpe_takes_a_named_memory_system():
    p = from_preset(load_preset("mixpe-w4a8").with_overrides({"dram": "hbm3"}))
    assert p.off_chip().bandwidth_gbps == pytest.approx(HBM3_GBPS)
    assert p.dram_action() == "hbm3_bit"
    # without it, the preset's own 64 GB/s interface and its energy.dram_bit
    q = from_preset(load_preset("mixpe-w4a8"))
    assert q.off_chip().bandwidth_gbps == 64 and q.dram_action() == "dram_bit_artifact"


def test_mixpe_dram_energy_is_charged_at_the_memory_systems_action():
    hw = load_preset("mixpe-w4a8").with_overrides({"dram": "hbm3"})
    op = Op(
        "L0.q", OpKind.GEMM, 0, Phase.PREFILL, 16, 256, 256, a_spec=INT8, b_spec=QuantSpec("int4-group", 4, 128, 20)
    )
    d = get_design("mixpe")
    r = d.simulate(d.compile(Trace("t", [op]), hw), hw)
    (st,) = r.ops
    bits = (st.bytes["dram_read"] + st.bytes["dram_write"]) * 8
    assert st.energy_pj["dram"] == pytest.approx(bits * HBM3_PJ_PER_BIT)


@pytest.mark.parametrize("preset", ["systolic-int8", "olive-w4a4", "mixpe-w4a8"])
def test_unknown_memory_system_names_the_key(preset):
    key = "dram"  # the same key on every array host
    hw = load_preset(preset).with_overrides({key: "hbm9"})
    d = get_design(hw.design)
    with pytest.raises(InputError) as e:
        d.compile(Trace("t", []), hw)
    assert e.value.field == f"{preset}.params.{key}" and "hbm3" in str(e.value)
