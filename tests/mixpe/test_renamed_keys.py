"""The MixPE presets spell their memories as every array host does (``sram.*``, ``dram``); an old
``memory.*`` key in a preset, an override or a sweep is an InputError naming the new key."""

from __future__ import annotations

import textwrap

import pytest

from llmaccel.dse.space import load_space
from llmaccel.sim.designs import get_design
from llmaccel.sim.mixpe.params import from_preset
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.trace import Trace


@pytest.mark.parametrize(
    "old, new, value",
    [
        ("memory.input_kib", "sram.input_kib", 512),
        ("memory.weight_kib", "sram.weight_kib", 64),
        ("memory.output_kib", "sram.output_kib", 64),
        ("memory.double_buffered", "sram.double_buffered", False),
        ("memory.dram", "dram", "hbm3"),
        ("memory.dram.latency_ns", "dram.latency_ns", 50),
        ("memory.dram.bandwidth_gbps", "dram.bandwidth_gbps", 128),
    ],
)
def test_old_override_key_names_the_new_one(old, new, value):
    hw = load_preset("mixpe-w4a8")
    with pytest.raises(InputError) as e:
        hw.with_overrides({old: value})
    assert str(e.value) == f"{old}: renamed to {new}"
    # the new key is taken
    assert hw.with_overrides({new: value}).get(new) == value


def test_the_hint_is_given_only_where_the_new_key_exists():
    hw = load_preset("u280")  # FlightLLM: neither memory.* nor sram.*
    with pytest.raises(InputError) as e:
        hw.with_overrides({"memory.input_kib": 1})
    assert e.value.field == "override memory.input_kib" and "renamed" not in e.value.problem


@pytest.mark.parametrize(
    "section, key, new",
    [
        ("memory:\n    input_kib: {value: 512, source: test}", "memory.input_kib", "sram.input_kib"),
        ("memory:\n    double_buffered: false", "memory.double_buffered", "sram.double_buffered"),
        ("memory:\n    dram: hbm3", "memory.dram", "dram"),
        ("memory:\n    bogus: x", "memory", "sram (input_kib, weight_kib, output_kib, double_buffered) and dram"),
    ],
)
def test_user_preset_with_an_old_section_names_the_new_key(tmp_path, section, key, new):
    path = tmp_path / "old.yaml"
    path.write_text(f"schema: 1\nname: old\ndesign: mixpe\nextends: mixpe-w4a8\nparams:\n  {section}\n")
    hw = load_preset(str(path))
    with pytest.raises(InputError) as e:
        from_preset(hw)
    assert str(e.value) == f"old.params.{key}: renamed to {new}"
    d = get_design("mixpe")
    with pytest.raises(InputError, match="renamed to"):
        d.compile(Trace("t", []), hw)


def test_old_key_on_the_systolic_and_olive_hosts_names_the_new_one_too():
    for preset in ("systolic-int8", "olive-w4a4"):
        with pytest.raises(InputError) as e:
            load_preset(preset).with_overrides({"memory.dram": "hbm3"})
        assert str(e.value) == "memory.dram: renamed to dram"


def test_sweep_on_an_old_key_names_the_new_one(tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text(
        textwrap.dedent(
            """
            schema: 1
            name: old-keys
            host: mixpe-w4a8
            parameters:
              hw.memory.dram: {choices: [hbm3, ddr4-3200]}
            workloads:
              - {model: llama2-7b, phase: decode, batch: 1, prompt_len: 64, layers: 1}
            objectives:
              - {metric: tokens_per_s, goal: max}
            search: {method: grid}
            """
        )
    )
    with pytest.raises(InputError) as e:
        load_space(space)
    assert e.value.field == "parameters.hw.memory.dram" and e.value.problem == "renamed to dram"
