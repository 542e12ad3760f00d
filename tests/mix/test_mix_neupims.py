"""Registered PE types on the NeuPIMs NPU (``npu.pe``, sim/neupims/npu_pe.py): hand-computed
GEMM costs, the paper's NPU unchanged, and clear errors for what a PE cannot multiply."""

from __future__ import annotations

import pytest

from llmaccel.sim.components import hosted_pe
from llmaccel.sim.designs import run
from llmaccel.sim.neupims.npu import gemm_cycles
from llmaccel.sim.neupims.npu_pe import pe_gemm
from llmaccel.sim.neupims.params import NpuParams, VectorPasses
from llmaccel.sim.preset import load_preset
from llmaccel.workload import model_trace
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant_spec import QuantSpec

INT8 = QuantSpec("int8", 8)
INT4_G128 = QuantSpec("int4", 4, group_size=128, scale_bits=16)
OVP4 = QuantSpec("ovp4", 4)

#: 8 arrays of 128 x 128, pipelined schedule (spec/neupims.md), small enough to count by hand
NPU = NpuParams(1000.0, 8, 128, 128, 4, 1024, 2, VectorPasses(4, 3, 1, 1, 2), "pipelined", 1024, "int8")


def test_pipelined_closed_form_by_hand():
    # 4 tokens x (512 x 256): tiles ceil(512/128) x ceil(256/128) = 8 -> one per array (T = 1):
    # (2R - 1) + 0 + (R + C - 2 + max(4, 4)) = 255 + 258 = 513
    assert gemm_cycles(4, 256, 512, NPU) == 513


def test_int8_pe_costs_what_the_npu_costs():
    c = pe_gemm(4, 256, 512, INT8, INT8, NPU, hosted_pe("int8"))
    assert (c.cycles, c.decodes, c.dequant_ops) == (513, 0, 0)


def test_olive_pe_passes_dot_width_and_decoders():
    h = hosted_pe("olive-ovp4")  # 4 x 4-bit MACs per slot, 1-cycle edge decoder (spec/olive.md)
    # K = 512 over dot width 4 -> 128 rows: tiles 1 x 2 -> T = 1 fold; 513 + 1 decoder cycle
    c = pe_gemm(4, 256, 512, OVP4, OVP4, NPU, h)
    assert c.cycles == 514
    assert c.decodes == 4 * 512 + 512 * 256  # every element of both OVP operands
    # INT8 operands on the 4-bit slot: (8/4) x (8/4) = 4 passes, integers bypass the decoder
    c8 = pe_gemm(4, 256, 512, INT8, INT8, NPU, h)
    assert (c8.cycles, c8.decodes) == (4 * 514, 0)


def test_mixpe_pe_group_dequant():
    c = pe_gemm(4, 256, 512, INT8, INT4_G128, NPU, hosted_pe("mixpe-a8"))
    # A8 x W4 in one pass, 4 lanes -> 128 K rows: 513 cycles; one dequant per output per group
    assert (c.cycles, c.dequant_ops) == (513, 4 * 256 * (512 // 128))


def _trace(quant: str):
    return model_trace("gpt3-7b", "decode", 8, 64, 16, quant=quant, layers=1)


def test_paper_npu_is_the_default_and_equals_preset_neupims():
    a = run(_trace("fp16"), load_preset("neupims"))
    b = run(_trace("fp16"), load_preset("neupims-npu-pe"))
    assert (a.total_cycles, a.energy_pj) == (b.total_cycles, b.energy_pj)
    assert b.area_mm2 == {}


def test_hosted_pe_charges_its_energy_and_area():
    hw = load_preset("neupims-npu-pe").with_overrides({"npu.pe": "mixpe-a8"}, "test")
    r = run(_trace("w4a8-g128"), hw)
    assert r.energy_pj["npu_dequant"] > 0 and "npu_edge_decoder" not in r.energy_pj
    # area: one PE's area terms x 8 x 128 x 128 PEs at the 22 nm node
    per_pe = hosted_pe("mixpe-a8").area_um2(22)
    assert r.area_mm2 == {"npu_pe_arrays": pytest.approx(per_pe * 8 * 128 * 128 / 1e6)}
    # INT4 weights stream at 4 bits + the group's scale/zero bits per 128 weights instead of FP16's 16
    b = next(op.b_spec for op in _trace("w4a8-g128").ops if op.role == "q_proj")
    assert (b.bits, b.group_size) == (4, 128)
    w = r.traffic[0]
    f = run(_trace("fp16"), load_preset("neupims")).traffic[0]
    assert w.level == f.level == "hbm"
    assert w.read_bytes == pytest.approx(f.read_bytes * (4 + b.scale_bits / 128) / 16, rel=1e-9)


@pytest.mark.parametrize(
    ("pe", "quant", "words"),
    [
        ("int8", "fp16", ("floating point", "integer-only")),
        ("mixpe-a8", "olive-w4a4", ("ovp4", "edge decoder", "olive-ovp4")),
        ("tpu", "w8a8", ("unknown PE type", "npu-fp16", "mixpe-a8")),
    ],
)
def test_what_a_pe_cannot_host_is_a_clear_error(pe, quant, words):
    hw = load_preset("neupims-npu-pe").with_overrides({"npu.pe": pe}, "test")
    with pytest.raises(InputError) as e:
        run(_trace(quant), hw)
    assert e.value.field == "npu.pe"
    for w in words:
        assert w in str(e.value)
