"""Invalid component combinations: InputError naming the field and what is allowed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from mix_helpers import ROOT, SPARSE_HOST, run_trace, trace_for

from llmaccel.sim.components import hosted_pe
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.quant_presets import parse_preset
from llmaccel.workloads.quant_spec import QuantSpec
from llmaccel.workloads.requests import fixed
from llmaccel.workloads.zoo import get_model


def _err(quant: str, overrides: dict, host: str = "systolic-int8") -> InputError:
    with pytest.raises(InputError) as e:
        run_trace(trace_for(quant), load_preset(host).with_overrides(overrides))
    return e.value


def test_ovp_weights_on_a_pe_without_decoder():
    e = _err("olive-w4a4", {"array.pe": "int8"})
    assert e.field == "array.pe" and "ovp4" in str(e) and "olive-ovp4" in str(e)


def test_codes_that_cannot_be_bit_sliced():
    e = _err("olive-w8a8", {"array.pe": "olive-ovp4"})  # 8-bit OVP codes need the 8-bit decoder
    assert e.field == "array.pe" and "bit-sliced" in str(e) and "olive-ovp8" in str(e)


def test_float_activations_on_integer_pe():
    e = _err("fp16", {"array.pe": "olive-ovp4"})
    assert e.field == "quant" and "integer-only" in str(e)
    e = _err("fp16", {"array.pe": "mixpe-a8"})
    assert e.field == "quant"


def test_outlier_formats_need_the_olive_outlier_path():
    e = _err("olive-gobo-w3a16", {"array.pe": "fp16"})
    assert e.field == "workload.quant" and "outlier" in str(e)


def test_group_not_a_multiple_of_mixpe_lanes():
    w = QuantSpec("int4-group", 4, group_size=6, scale_bits=20)
    with pytest.raises(InputError) as e:
        hosted_pe("mixpe-a8").check_group(w, "op x")
    assert e.value.field == "workload.quant" and "stall" in str(e.value)
    hosted_pe("mixpe-a8").check_group(QuantSpec("int4-group", 4, group_size=128, scale_bits=20), "op x")


def test_sparse_activations_on_sparse_mux():
    q = parse_preset(
        {
            "schema": 1,
            "name": "sparse-acts",
            "specs": {"i8sp": {"fmt": "int8", "sparsity": {"n": 2, "m": 4, "density": 0.5}}, "i8": {"fmt": "int8"}},
            "roles": {"linear": {"a": "i8sp", "b": "i8sp"}, "attention": {"a": "i8", "b": "i8"}},
        }
    )
    tr = build_trace(get_model("llama2-7b"), "decode", fixed(2, 64, 1), quant=q, layers=1)
    hw = load_preset(SPARSE_HOST).with_overrides({"array.sparse_mux": True})
    with pytest.raises(InputError) as e:
        run_trace(tr, hw)
    assert e.value.field == "array.sparse_mux" and "operand b" in str(e.value)


def test_sparsity_pattern_not_fitting_the_mux_window():
    q = parse_preset(
        {
            "schema": 1,
            "name": "sp3",
            "specs": {"i8sp": {"fmt": "int8", "sparsity": {"n": 2, "m": 3, "density": 0.66}}, "i8": {"fmt": "int8"}},
            "roles": {"linear": {"a": "i8", "b": "i8sp"}, "attention": {"a": "i8", "b": "i8"}},
        }
    )
    tr = build_trace(get_model("llama2-7b"), "decode", fixed(2, 64, 1), quant=q, layers=1)
    with pytest.raises(InputError) as e:
        run_trace(tr, load_preset(SPARSE_HOST).with_overrides({"array.sparse_mux": True}))
    assert e.value.field == "workload.quant" and "divide" in str(e.value)


def test_unknown_components_list_the_allowed_ones():
    e = _err("w8a8", {"array.pe": "tpu-mxu"})
    assert e.field == "array.pe" and "olive-ovp4" in str(e) and "mixpe-a8" in str(e)
    e = _err("w8a8", {"dram": "gddr7"})
    assert e.field.endswith("dram") and "hbm2e" in str(e)


def test_cli_prints_one_line_and_exits_2():
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "llmaccel.cli",
            "run",
            "--set",
            "array.pe=int8",
            "--quant",
            "olive-w4a4",
            "--layers",
            "1",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "array.pe" in lines[0] and "olive-ovp4" in lines[0]
