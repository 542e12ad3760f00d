"""MixPE op-level model: passes, dequantization accounting, hand-counted cycles, agreement
with the shared systolic model, bad input."""

from __future__ import annotations

import math

import pytest

from llmaccel.sim.designs import get_design
from llmaccel.sim.memory import OffChip
from llmaccel.sim.mixpe import model
from llmaccel.sim.mixpe.params import from_preset
from llmaccel.sim.mixpe.pe import pe_kind
from llmaccel.sim.preset import load_preset
from llmaccel.sim.systolic.model import ArrayParams, MemParams, simulate_gemm
from llmaccel.sim.systolic.pe import INT8_PE
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import FP16, INT8, QuantSpec
from llmaccel.workloads.trace import Trace

W4G128 = QuantSpec("int4-group", 4, 128, 20)


def _op(m, n, k, a=INT8, b=W4G128, name="L0.q_proj"):
    return Op(name, OpKind.GEMM, 0, Phase.PREFILL, m, n, k, a_spec=a, b_spec=b, role="q_proj")


def _run(preset, ops, overrides=None):
    hw = load_preset(preset)
    if overrides:
        hw = hw.with_overrides(overrides)
    d = get_design(hw.design)
    return d.simulate(d.compile(Trace("t", ops), hw), hw)


@pytest.mark.parametrize(
    "kind, a, b, passes",
    [
        ("mixpe-a8", INT8, W4G128, 1),
        ("mixpe-a8", INT8, INT8, 2),  # 8-bit weights: two nibbles
        ("mixpe-a16", FP16, W4G128, 1),
        ("ant4", INT8, W4G128, 2),  # 8-bit activation on 4-bit PEs
        ("ant4", FP16, W4G128, 4),  # fp16 -> 16-bit fixed point, 4 slices
        ("bitfusion2", INT8, W4G128, 8),  # (8/2) x (4/2) bricks
        ("bitfusion2", FP16, W4G128, 16),
        ("int8", INT8, W4G128, 1),
        ("int8", FP16, W4G128, 2),
        ("fp16", FP16, W4G128, 1),
        ("fp16", FP16, FP16, 1),
        ("mixpe-a8", INT8, FP16, 4),  # fp16 K/V as 16-bit fixed point over 4-bit weight slices
    ],
)
def test_passes(kind, a, b, passes):
    assert pe_kind(kind).passes(a, b, 16, "op") == passes


def test_group_metadata_does_not_add_a_pass():
    # storage is 4 + 20/128 bits, but the code is 4 bits: one pass on a 4-bit weight PE
    assert W4G128.storage_bits_per_value() > 4
    assert pe_kind("mixpe-a8").passes(INT8, W4G128, 16, "op") == 1


FAST_DRAM = {"dram.bandwidth_gbps": 1.0e6}


def test_hand_counted_in_loop_dequant_gemm():
    # INT8 baseline shrunk to a 2x2 array with 2 dequantizers; GEMM 4x4x8 with g=8 weights.
    # One block (everything fits): array = 4 folds x (T + R + C - 2) = 4 x (8 + 2 + 2 - 2) = 40
    # (scalesim-v3 os folds); dequant = ceil(8*4 / 2) = 16 in series; DRAM (1e6 GB/s): a and b
    # fetches 1 cycle each, output write 1 cycle -> total = 2 + (40 + 16) + 1 = 59.
    b = QuantSpec("int4-group", 4, 8, 20)
    over = {**FAST_DRAM, "array.rows": 2, "array.cols": 2, "dequant.lanes": 2, "dequant.placement": "in_loop"}
    r = _run("mixpe-int8", [_op(4, 4, 8, b=b)], over)
    (st,) = r.ops
    assert st.compute_cycles == 56
    assert st.cycles == 59
    assert r.meta["dequant_ops"] == 8 * 4


def test_hand_counted_mixpe_fold():
    # MixPE with its 4 lanes along K (lane_layout k) on a 2x2 array, GEMM 2x2x16, g=8: one
    # fold, T = 16/4 = 4, T + R + C - 2 + (L - 1) = 4 + 2 + 2 - 2 + 3 = 9 cycles (scalesim-v3);
    # dequant in the PE (no cycles); dequant ops = m * n * k/G = 2*2*2 = 8.
    b = QuantSpec("int4-group", 4, 8, 20)
    over = {**FAST_DRAM, "array.rows": 2, "array.cols": 2, "pe.lane_layout": "k"}
    r = _run("mixpe-w4a8", [_op(2, 2, 16, b=b)], over)
    (st,) = r.ops
    assert st.compute_cycles == 9 and st.cycles == 9 + 3
    assert r.meta["dequant_ops"] == 8
    assert r.meta["dequant_occupancy"] == pytest.approx(8 / (4 * 9))


def test_hand_counted_mixpe_fold_with_lanes_over_m_and_n():
    # The preset's layout (the artifact's): 2 x 2 lanes over M and N on a 2x2 array = 4x4 MAC
    # positions.  GEMM 2x2x16: one fold (half the lanes idle), T = 16 beats, 16 + 2 + 2 - 2 + 3 = 21
    # cycles; GEMM 4x4x16: still one fold, 21 cycles (along K it is 4 folds of 9 = 36).
    b = QuantSpec("int4-group", 4, 8, 20)
    over = {**FAST_DRAM, "array.rows": 2, "array.cols": 2}
    (st,) = _run("mixpe-w4a8", [_op(2, 2, 16, b=b)], over).ops
    assert st.compute_cycles == 21
    (st4,) = _run("mixpe-w4a8", [_op(4, 4, 16, b=b)], over).ops
    assert st4.compute_cycles == 21
    (st4k,) = _run("mixpe-w4a8", [_op(4, 4, 16, b=b)], {**over, "pe.lane_layout": "k"}).ops
    assert st4k.compute_cycles == 36


def test_dequant_counts_on_a_real_layer():
    m, n, k = 64, 4096, 4096
    r_mix = _run("mixpe-w4a8", [_op(m, n, k)])
    r_int = _run("mixpe-int8", [_op(m, n, k)])
    assert r_mix.meta["dequant_ops"] == m * n * k // 128
    hw = load_preset("mixpe-int8")
    d = get_design("mixpe")
    (task,) = d.compile(Trace("t", [_op(m, n, k)]), hw).tasks
    assert r_int.meta["dequant_ops"] == k * n * math.ceil(m / task.tiling.mb)


def test_int8_baseline_equals_shared_systolic_model():
    """Without group dequantization (the study's every-weight charge switched off) the engine
    must reproduce sim.systolic.model exactly."""
    p = from_preset(load_preset("mixpe-int8"))
    off = OffChip(
        p.dram.channels,
        p.dram.bandwidth_gbps,
        p.dram.latency_ns,
        p.dram.burst_bytes,
        p.clock_mhz,
    )
    mem = MemParams(p.sram.input_kib * 1024, p.sram.weight_kib * 1024, p.sram.output_kib * 1024, off)
    arr = ArrayParams(p.array.rows, p.array.cols, "os", fold_convention=p.array.fold_convention)
    for m, n, k in [(64, 4096, 4096), (64, 768, 3072), (37, 100, 300), (1, 5, 7)]:
        shared = simulate_gemm(m, n, k, arr, mem, INT8_PE, 8.0, 8.0, 16.0)
        r = _run("mixpe-int8", [_op(m, n, k, b=INT8)], {"dequant.all_weights_group": 0})
        assert r.ops[0].cycles == shared.cycles
        assert r.ops[0].compute_cycles == shared.compute_cycles
        assert r.ops[0].bytes["dram_read"] == shared.dram_read


def test_mixpe_w4a8_is_faster_than_its_multiplier_in_loop_ablation():
    # same array; the ablation adds k*n/cols dequant cycles per block in series
    ops = [_op(64, 4096, 4096)]
    assert _run("mixpe-w4a8", ops).total_cycles < _run("figna-w4a8", ops).total_cycles


def test_energy_components_and_determinism():
    ops = [_op(64, 768, 768)]
    per_action = {"pe_power.energy": "per_action"}
    r1, r2 = _run("mixpe-w4a8", ops, per_action), _run("mixpe-w4a8", ops, per_action)
    assert r1.energy_pj == r2.energy_pj
    assert set(r1.energy_pj) == {"pe_array", "dequant", "sram", "dram", "pe_leakage", "dram_static"}
    # PE energy = MACs x (shift-add product + int32 add) at 28 nm (node-scaled table values)
    t = model.energy_table()
    per = t.pj("prod_shift_add_8x4", 28) + t.pj("int32_add", 28)
    assert r1.energy_pj["pe_array"] == pytest.approx(64 * 768 * 768 * per)


def test_shared_dequantizer_same_cycles_less_area():
    ops = [_op(64, 1024, 1024)]
    a, b = _run("mixpe-w4a8", ops), _run("mixpe-w4a8-shared-dq", ops)
    assert a.total_cycles == b.total_cycles and a.energy_pj == b.energy_pj
    assert b.meta["area_mm2"]["dequant"] == pytest.approx(a.meta["area_mm2"]["dequant"] / 32)
    with pytest.raises(InputError, match="pes_per_unit <= 32"):
        _run("mixpe-w4a8", ops, {"dequant.pes_per_unit": 33})


def test_area_hand_value():
    # INT8 baseline PE array: 1024 PEs x (282 + 137) um^2 (Horowitz 45 nm) x (28/45)^2
    r = _run("mixpe-int8", [_op(4, 4, 8, b=INT8)])
    assert r.meta["area_mm2"]["pe_array"] == pytest.approx(1024 * 419 * (28 / 45) ** 2 / 1e6)
    # SRAM: 512 KiB x 1734 um^2/KiB (28 nm table entry)
    assert r.meta["area_mm2"]["sram"] == pytest.approx(512 * 1734 / 1e6)


def test_bad_inputs():
    with pytest.raises(InputError, match="pe.kind"):
        _run("mixpe-w4a8", [_op(4, 4, 8)], {"pe.kind": "tpu"})
    with pytest.raises(InputError, match="group"):
        _run("mixpe-w4a8", [_op(4, 4, 12, b=QuantSpec("int4-group", 4, 6, 20))])
    with pytest.raises(InputError, match="rows"):
        _run("mixpe-w4a8", [_op(4, 4, 8)], {"array.rows": 0})
    with pytest.raises(InputError, match="placement"):
        _run("mixpe-w4a8", [_op(4, 4, 8)], {"dequant.placement": "nowhere"})


@pytest.mark.parametrize(
    "setting, message",
    [
        ("pe.kind=tpu", "pe.kind: unknown value 'tpu'"),
        ("pe.lanes=3", "lanes_m x lanes_n = 2 x 2 must divide lanes = 3"),
        ("pe.lane_layout=kn", "pe.lane_layout"),
    ],
)
def test_cli_bad_mixpe_input_exits_2(capsys, setting, message):
    from llmaccel.cli import main

    rc = main(
        [
            "run",
            "--hw",
            "mixpe-w4a8",
            "--model",
            "vit-b",
            "--phase",
            "prefill",
            "--prompt-len",
            "64",
            "--quant",
            "w4a8-g128",
            "--layers",
            "1",
            "--set",
            setting,
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1


def test_synthesised_pe_power_is_charged_per_compute_cycle():
    # the artifact's core energy: PEs x synthesised dynamic power per compute cycle (4096 PEs x
    # 279.96 uW at 500 MHz = 2293.43 pJ per cycle), no per-MAC actions; same cycles either way
    ops = [_op(64, 768, 768)]
    r = _run("mixpe-w4a8", ops)
    r_pa = _run("mixpe-w4a8", ops, {"pe_power.energy": "per_action"})
    assert r.total_cycles == r_pa.total_cycles
    compute = sum(s.compute_cycles for s in r.ops)
    assert r.energy_pj["pe_array"] == pytest.approx(4096 * 0.27996 * compute / 500 * 1e3)
    assert r.energy_pj["pe_array"] != pytest.approx(r_pa.energy_pj["pe_array"])


def test_synthesised_pe_power_needs_a_pe_count():
    with pytest.raises(InputError):
        _run("mixpe-w4a8", [_op(4, 4, 8)], {"static.pes": 0})
