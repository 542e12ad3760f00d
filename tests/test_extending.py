"""docs/extending.md stays true: its worked example (a PE type registered from outside sim/)
runs as written, and the numbers it produces are the ones the guide promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from llmaccel.sim.components import hosted_pe, pe_names, register_pe_type, unregister_pe_type
from llmaccel.workloads.errors import InputError

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "extending.md"


def _worked_example() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    after = text.split("Worked example", 1)[1]
    return re.search(r"```python\n(.*?)```", after, re.S).group(1)


@pytest.fixture
def example():
    ns: dict = {}
    try:
        exec(compile(_worked_example(), str(GUIDE), "exec"), ns)
        yield ns
    finally:
        unregister_pe_type("toy-int8x2")


def test_worked_example_registers_a_pe_every_host_can_use(example):
    int8, toy = example["int8"], example["toy"]
    assert "toy-int8x2" in pe_names() and hosted_pe("toy-int8x2").origin == "example"
    with pytest.raises(InputError):  # a name is registered once
        register_pe_type(example["TOY"])
    # area: two pe_int8 units (Horowitz 282 + 137 um^2 each at 45 nm) per PE: twice the INT8 array
    assert toy.area_mm2["pe_array"] == pytest.approx(2 * int8.area_mm2["pe_array"])
    # energy: the same MACs charged the same actions
    assert toy.energy_pj["pe_array"] == pytest.approx(int8.energy_pj["pe_array"])
    assert toy.total_macs == int8.total_macs
    # two K elements per cycle: the compute-bound prefill takes fewer cycles
    assert toy.total_cycles < int8.total_cycles


def test_worked_example_pe_runs_on_the_neupims_npu_too(example):
    from llmaccel.sim.designs import run
    from llmaccel.sim.preset import load_preset
    from llmaccel.workload import model_trace

    hw = load_preset("neupims-npu-pe")
    tr = model_trace("gpt3-7b", "decode", 8, 64, 8, quant="w8a8", layers=1)
    toy = run(tr, hw.with_overrides({"npu.pe": "toy-int8x2"}, "test"))
    int8 = run(tr, hw.with_overrides({"npu.pe": "int8"}, "test"))
    assert toy.area_mm2["npu_pe_arrays"] == pytest.approx(2 * int8.area_mm2["npu_pe_arrays"])
    assert toy.energy_pj["npu_array"] == pytest.approx(int8.energy_pj["npu_array"])
    assert toy.busy_cycles["npu"] <= int8.busy_cycles["npu"]
