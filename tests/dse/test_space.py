"""Sweep-space validation: every bad field gets a clear InputError naming it."""

import textwrap

import pytest

from llmaccel.dse.space import load_space, point_key
from llmaccel.workloads.errors import InputError

GOOD = """
schema: 1
name: t
host: {host}
parameters:
  hw.clock_mhz: {{choices: [250, 500]}}
  workload.batch: {{range: [1, 4], step: 2}}
workloads:
  - {{model: llama2-7b, phase: decode, batch: 1, prompt_len: 128, layers: 1}}
objectives:
  - {{metric: tokens_per_s, goal: max}}
  - {{metric: energy_per_token_j, goal: min}}
constraints:
  - {{metric: power_w, max: 1000}}
search: {{method: grid}}
"""


@pytest.fixture
def host(tmp_path):
    p = tmp_path / "host.yaml"
    p.write_text(
        textwrap.dedent("""
        schema: 1
        name: tiny
        design: systolic
        params:
          clock_mhz: {value: 500, source: "test"}
          array: {rows: {value: 4, source: "test"}}
    """)
    )
    return p


def write(tmp_path, text):
    p = tmp_path / "space.yaml"
    p.write_text(text)
    return p


def test_good_space_expands_grid_in_order(tmp_path, host):
    s = load_space(write(tmp_path, GOOD.format(host=host)))
    assert s.size == 4
    assert s.grid() == [
        {"hw.clock_mhz": 250, "workload.batch": 1},
        {"hw.clock_mhz": 250, "workload.batch": 3},
        {"hw.clock_mhz": 500, "workload.batch": 1},
        {"hw.clock_mhz": 500, "workload.batch": 3},
    ]
    assert point_key({"b": 1, "a": 2}) == '{"a":2,"b":1}'


@pytest.mark.parametrize(
    "old,new,field",
    [
        ("hw.clock_mhz:", "hw.no_such_knob:", "parameters.hw.no_such_knob"),
        ("workload.batch:", "workload.colour:", "parameters.workload.colour"),
        ("metric: tokens_per_s", "metric: speed", "objectives[0].metric"),
        ("goal: max", "goal: most", "objectives[0].goal"),
        ("method: grid", "method: annealing", "search.method"),
        ("step: 2", "step: 0", "parameters.workload.batch.step"),
        ("choices: [250, 500]", "choices: []", "parameters.hw.clock_mhz.choices"),
        ("name: t", "nmae: t", "nmae"),
        ("metric: power_w, max: 1000", "metric: power_w", "constraints[0]"),
    ],
)
def test_bad_fields_are_named(tmp_path, host, old, new, field):
    text = GOOD.format(host=host).replace(old, new)
    with pytest.raises(InputError) as e:
        load_space(write(tmp_path, text))
    assert e.value.field.startswith(field) or field in str(e.value)


def test_unknown_host_preset(tmp_path):
    with pytest.raises(InputError) as e:
        load_space(write(tmp_path, GOOD.format(host="no-such-preset")))
    assert e.value.field == "host" and "no-such-preset" in e.value.problem


def test_malformed_yaml(tmp_path):
    with pytest.raises(InputError) as e:
        load_space(write(tmp_path, "name: [unclosed\n"))
    assert "malformed YAML" in str(e.value)
