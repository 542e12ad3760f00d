"""Swept hardware names are checked before any evaluation (issue 12 §6), and a workload without
``quant`` runs the hardware's own ``default_quant``, as ``llmaccel run`` does."""

from __future__ import annotations

import textwrap

import pytest

from llmaccel.dse.evaluate import evaluate
from llmaccel.dse.space import load_space
from llmaccel.workloads.errors import InputError

SPACE = """
schema: 1
name: names
host: systolic-int8
parameters:
  {param}
workloads:
  - {{model: llama2-7b, phase: decode, batch: 1, prompt_len: 64, layers: 1}}
objectives:
  - {{metric: tokens_per_s, goal: max}}
search: {{method: grid}}
"""


def _space(tmp_path, param: str):
    p = tmp_path / "space.yaml"
    p.write_text(textwrap.dedent(SPACE.format(param=param)))
    return load_space(p)


@pytest.mark.parametrize(
    "param,value",
    [
        ("hw.array.dataflow: {choices: [os, zigzag]}", "zigzag"),
        ("hw.array.pe: {choices: [int8, tpu-bf16]}", "tpu-bf16"),
    ],
)
def test_a_name_the_host_does_not_know_is_refused_up_front(tmp_path, param, value):
    with pytest.raises(InputError) as e:
        _space(tmp_path, param)
    assert e.value.field == f"parameters.{param.split(':')[0]}"
    assert repr(value) in e.value.problem


def test_known_names_pass(tmp_path):
    space = _space(tmp_path, "hw.array.dataflow: {choices: [os, ws, is]}")
    assert [p.values for p in space.parameters] == [("os", "ws", "is")]


def test_a_workload_without_quant_runs_the_hardware_default_quant():
    """systolic-int8's default_quant is w8a8: an INT8 array runs it (fp16 operands would be refused)."""
    w = {"model": "llama2-7b", "phase": "decode", "batch": 1, "prompt_len": 64, "layers": 1}
    out = evaluate("systolic-int8", {}, w)
    assert out["status"] == "ok", out
    explicit = evaluate("systolic-int8", {}, {**w, "quant": "w8a8"})
    assert out["metrics"] == explicit["metrics"]
