"""Registered PE types on the NeuPIMs NPU (``npu.pe``): the NPU is a machine of the one array
host (sim/neupims/params.py ``npu_machine``), each GEMM costed by the host's
``gemm_instance``.  Hand-computed GEMM costs, the paper's NPU unchanged, and clear errors for
what a PE cannot multiply."""

from __future__ import annotations

import dataclasses

import pytest

from llmaccel.sim.components import hosted_pe
from llmaccel.sim.designs import run
from llmaccel.sim.neupims.params import neupims_params, npu_machine
from llmaccel.sim.preset import load_preset
from llmaccel.sim.systolic.host import gemm_instance
from llmaccel.workload import model_trace
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import QuantSpec

INT8 = QuantSpec("int8", 8)
INT4_G128 = QuantSpec("int4-group", 4, group_size=128, scale_bits=16)
OVP4 = QuantSpec("ovp4", 4)
FP16 = QuantSpec("fp16", 16)

#: preset neupims (8 arrays of 128 x 128) on the pipelined schedule, small enough to count by hand
BASE, _DRAM = neupims_params(load_preset("neupims"))


def _machine(pe: str, schedule: str = "pipelined", tile_spad_kib: int | None = None):
    npu = dataclasses.replace(BASE.npu, pe=pe, gemm_schedule=schedule)
    if tile_spad_kib is not None:
        npu = dataclasses.replace(npu, tile_spad_kib=tile_spad_kib)
    return npu_machine(dataclasses.replace(BASE, npu=npu))


def _gemm(m: int, n: int, k: int, a: QuantSpec, b: QuantSpec) -> Op:
    return Op("L0.q_proj", OpKind.GEMM, 0, Phase.DECODE, m, n, k, 1, a, b)


def test_pipelined_closed_form_by_hand():
    # 4 tokens x (512 x 256): tiles ceil(512/128) x ceil(256/128) = 8 -> one per array (T = 1):
    # (2R - 1) + 0 + (R + C - 2 + max(4, 4)) = 255 + 258 = 513
    c = gemm_instance(_machine("npu-fp16"), _gemm(4, 256, 512, FP16, FP16))
    assert (c.cycles, c.passes, c.macs, c.weight_bits, c.weight_passes) == (513, 1, 4 * 256 * 512, 16.0, 1)


def test_paper_npu_takes_any_format_at_its_own_width():
    # the paper's NPU holds every operand in FP16 (elem_bytes 2): INT4 group weights cost what FP16 costs
    c = gemm_instance(_machine("npu-fp16"), _gemm(4, 256, 512, INT8, INT4_G128))
    assert (c.cycles, c.passes, c.weight_bits, c.dequant_ops) == (513, 1, 16.0, 0)


def test_int8_pe_costs_what_the_npu_costs():
    c = gemm_instance(_machine("int8"), _gemm(4, 256, 512, INT8, INT8))
    assert (c.cycles, c.decodes, c.dequant_ops, c.weight_bits) == (513, 0, 0, 8.0)


def test_olive_pe_passes_dot_width_and_decoders():
    m = _machine("olive-ovp4")  # 4 x 4-bit MACs per slot, 1-cycle edge decoder (spec/olive.md)
    # K = 512 over dot width 4 -> 128 rows: tiles 1 x 2 -> T = 1 fold; 513 + 1 decoder cycle
    c = gemm_instance(m, _gemm(4, 256, 512, OVP4, OVP4))
    assert c.cycles == 514
    assert c.decodes == 4 * 512 + 512 * 256  # every element of both OVP operands
    # INT8 operands on the 4-bit slot: (8/4) x (8/4) = 4 passes, integers bypass the decoder
    c8 = gemm_instance(m, _gemm(4, 256, 512, INT8, INT8))
    assert (c8.cycles, c8.decodes, c8.passes) == (4 * 514, 0, 4)


def test_mixpe_pe_group_dequant():
    c = gemm_instance(_machine("mixpe-a8"), _gemm(4, 256, 512, INT8, INT4_G128))
    # A8 x W4 in one pass, 4 lanes -> 128 K rows: 513 cycles; one dequant per output per group
    assert (c.cycles, c.dequant_ops) == (513, 4 * 256 * (512 // 128))
    # weights stored at 4 bits plus 16 scale bits per 128
    assert c.weight_bits == 4 + 16 / 128


def test_artifact_schedule_weight_passes_and_hosted_dot_width():
    # 512 tokens x (4096 -> 3072): half a 1 MiB scratchpad holds 256 tokens per L2 tile, so the
    # weights are read twice (tests/neupims/test_neupims_mapping_npu.py works the halving out) ...
    c = gemm_instance(_machine("npu-fp16", "artifact", 1024), _gemm(512, 3072, 4096, FP16, FP16))
    assert c.weight_passes == 2
    # ... while the scratchpad the artifact tiles by (its sram_size, 134218 KiB) holds all 512 tokens
    assert gemm_instance(_machine("npu-fp16", "artifact"), _gemm(512, 3072, 4096, FP16, FP16)).weight_passes == 1
    # a 4-lane PE sees K / 4 rows: the artifact's cycles of a 1024-deep K
    t = _machine("npu-fp16", "artifact").gemm_timing()
    c4 = gemm_instance(_machine("mixpe-a8", "artifact"), _gemm(512, 3072, 4096, INT8, INT4_G128))
    assert c4.cycles == t.cycles(512, 3072, 1024, hosted_pe("int8").pe)


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
