"""The GPU section of the hardware layer (sim/hardware/gpu.py): typed clock, peaks per kind,
off-chip memory, board power and SM count, read from the GPU presets (expected values are
read from the preset YAML leaves, not from the code under test)."""

from __future__ import annotations

import pytest

from llmaccel.sim.hardware.gpu import GpuMemory, gpu_params
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError

GPUS = ("a100-40gb", "a100-80gb", "v100s", "rtx2080ti")


@pytest.mark.parametrize("name", GPUS)
def test_typed_fields_equal_the_preset_leaves(name):
    hw = load_preset(name)
    raw = hw.params
    p = gpu_params(hw)
    assert p.clock_mhz == raw["clock_mhz"]
    assert p.hbm == GpuMemory(raw["memory_gbps"], raw["memory_gib"])
    assert p.board_power_w == raw["power_w"]
    assert p.peak_tops.as_dict() == raw["peak_tops"]
    assert list(p.peak_tops.as_dict()) == list(raw["peak_tops"])  # the presets' order, echoed in Result.meta
    assert p.sm_count() == raw["achieved"]["sm_count"]


def test_peaks_a_gpu_lacks_are_refused_by_name():
    v100 = gpu_params(load_preset("v100s")).peak_tops
    assert not v100.has("int4") and v100.has("int8")
    with pytest.raises(InputError) as e:
        v100.of("int4")
    assert e.value.field == "peak_tops.int4" and "fp16, int8, vector" in e.value.problem
    assert gpu_params(load_preset("rtx2080ti")).peak_tops.of("int4") == 430.3


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda p: p["peak_tops"].pop("fp16"), "peak_tops.fp16"),
        (lambda p: p["peak_tops"].update(bf16=1.0), "peak_tops.bf16"),
        (lambda p: p["peak_tops"].update(int8=0), "peak_tops.int8"),
        (lambda p: p.pop("memory_gbps"), "memory_gbps"),
    ],
)
def test_bad_gpu_sections_name_the_key(edit, field):
    hw = load_preset("a100-40gb")
    edit(hw.params)
    with pytest.raises(InputError) as e:
        gpu_params(hw)
    assert e.value.field == f"a100-40gb.params.{field}"


def test_sm_count_needs_the_achieved_block():
    hw = load_preset("a100-40gb")
    hw.params.pop("achieved")
    with pytest.raises(InputError) as e:
        gpu_params(hw).sm_count("a100-40gb.params.achieved")
    assert e.value.field == "a100-40gb.params.achieved"
