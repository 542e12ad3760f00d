"""sim/olive: hand-calculated cycles and outlier-path costs, presets, bad input, 8-bit decomposition."""

from __future__ import annotations

import math

import numpy as np
import pytest

from llmaccel.sim.designs import get_design, run
from llmaccel.sim.olive.params import olive_params
from llmaccel.sim.olive.pe import mul8_via_4bit
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import QuantSpec, named
from llmaccel.workloads.trace import Trace

PRESETS = ["olive-w4a4", "olive-w8a8", "ant-w4a4", "ant-w8a8", "olaccel-w4a4", "gobo-w3a16", "adafloat-w8a8"]


def _trace(m, n, k, a: QuantSpec, b: QuantSpec) -> Trace:
    op = Op("L0.q_proj", OpKind.GEMM, 0, Phase.PREFILL, m, n, k, 1, a, b, named("fp16"), role="q_proj")
    return Trace("hand", [op])


def test_mul8_via_four_4bit_pes_exhaustive():
    x, y = np.meshgrid(np.arange(-128, 128), np.arange(-128, 128))
    assert np.array_equal(mul8_via_4bit(x, y), x * y)


def test_olive_fold_cycles_by_hand():
    hw = load_preset("olive-w4a4")
    o4 = named("ovp4")
    r = run(_trace(32, 32, 64, o4, o4), hw)
    # one fold (scalesim-v3): T + R + C - 2 + (L-1) + e with R=C=32, T=64/4=16, L=2, e=1
    assert r.ops[0].compute_cycles == 16 + 32 + 32 - 2 + 1 + 1
    # 8-bit OVP on the same slots: four passes of the same fold
    o8 = named("ovp8")
    r8 = run(_trace(32, 32, 64, o8, o8), load_preset("olive-w8a8"))
    assert r8.ops[0].compute_cycles == 4 * (16 + 32 + 32 - 2 + 1 + 1)
    # edge folds are padded: m=33 -> two row folds
    r2 = run(_trace(33, 32, 64, o4, o4), hw)
    assert r2.ops[0].compute_cycles == 2 * (16 + 32 + 32 - 2 + 1 + 1)
    assert r.peak_macs_per_cycle == 32 * 32 * 4


def test_outlier_path_cycles_by_hand():
    hw = load_preset("gobo-w3a16")
    p = olive_params(hw)
    m, n, k = 64, 64, 128
    r = run(_trace(m, n, k, named("fp16"), QuantSpec("gobo", 3)), hw)
    folds = math.ceil(m / 32) * math.ceil(n / 32)
    want = math.ceil(m * n * k * p.outlier.weight_frac / p.outlier.lanes) + p.outlier.sync_cycles_per_fold * folds
    assert r.meta["outlier_cycles"] == want
    dense = folds * (k + 32 + 32 - 2 + 0 + 1)  # scalesim-v3 os fold; FP16 MAC: d=1, L=1, e=1
    assert r.ops[0].compute_cycles == dense + want
    # OLAccel: both operands carry outliers -> 1 - (1-fa)(1-fb) of the MACs, on lanes working beside
    # the dense PEs: only the excess over the dense pass's ideal cycles (MACs / (16 x 18 x 4)) costs time
    hw2 = load_preset("olaccel-w4a4")
    p2 = olive_params(hw2)
    ol = QuantSpec("olaccel", 4)
    r2 = run(_trace(m, n, k, ol, ol), hw2)
    frac = 1 - (1 - p2.outlier.act_frac) * (1 - p2.outlier.weight_frac)
    folds2 = math.ceil(m / 16) * math.ceil(n / 18)  # OLAccel's 16x18 array (ANT artifact conf_olaccel.ini)
    assert (p2.array.rows, p2.array.cols) == (16, 18)
    serial = math.ceil(m * n * k * frac / p2.outlier.lanes) + p2.outlier.sync_cycles_per_fold * folds2
    assert serial == 431 + 2 * 16
    assert r2.meta["outlier_cycles"] == serial - math.ceil(m * n * k / (16 * 18 * 4)) == 463 - 456


def test_memory_traffic_at_packed_widths():
    """A weight-streaming GEMV: OVP-4 moves half the bytes of OVP-8; OLAccel adds its outlier payload."""

    def dram(preset, spec):
        return run(_trace(1, 1024, 1024, spec, spec), load_preset(preset)).ops[0].bytes["dram_read"]

    b4, b8 = dram("olive-w4a4", named("ovp4")), dram("olive-w8a8", named("ovp8"))
    assert b8 == pytest.approx(2 * b4, rel=0.01)
    assert b4 == pytest.approx((1024 * 1024 + 1024) * 4 / 8, rel=0.01)
    bo = dram("olaccel-w4a4", QuantSpec("olaccel", 4))
    p = olive_params(load_preset("olaccel-w4a4"))
    per = 4 + p.outlier.weight_frac * (p.outlier.value_bits + p.outlier.index_bits)
    assert bo == pytest.approx(1024 * 1024 * per / 8 + 1024 * (4 + p.outlier.act_frac * 16) / 8, rel=0.01)


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_runs_its_quant_preset(preset):
    from llmaccel.workloads.graph import build_trace
    from llmaccel.workloads.requests import fixed

    hw = load_preset(preset)
    tr = build_trace("bert-base", "prefill", fixed(1, 64, 1, phase="prefill"), quant=hw.get("quant_preset"), layers=1)
    r = run(tr, hw)
    assert r.design == "olive" and r.total_cycles > 0 and r.total_energy_pj > 0
    assert r.meta["area_mm2"]["pe_array"] > 0
    assert sum(o.macs for o in r.ops) == tr.total_macs


def test_olive_beats_int8_and_gobo_on_bert():
    from llmaccel.workloads.graph import build_trace
    from llmaccel.workloads.requests import fixed

    req = fixed(1, 128, 1, phase="prefill")
    cyc = {}
    for preset in ("olive-w4a4", "gobo-w3a16", "systolic-int8"):
        hw = load_preset(preset)
        q = hw.params.get("quant_preset", "w8a8")
        cyc[preset] = run(build_trace("bert-base", "prefill", req, quant=q, layers=1), hw).total_cycles
    assert cyc["olive-w4a4"] * 2 < cyc["gobo-w3a16"] and cyc["olive-w4a4"] * 2 < cyc["systolic-int8"]


def test_bad_input():
    hw = load_preset("olive-w4a4")
    with pytest.raises(InputError):  # fp16 activations on the integer OVP PE
        run(_trace(8, 8, 8, named("fp16"), named("ovp4")), hw)
    with pytest.raises(InputError):
        olive_params(hw.with_overrides({"variant": "posit"}))
    with pytest.raises(InputError):
        olive_params(hw.with_overrides({"pe.macs_per_cycle": 0}))
    with pytest.raises(InputError):
        olive_params(load_preset("olaccel-w4a4").with_overrides({"outlier.weight_frac": 1.5}))
    assert get_design("olive").name == "olive"


def test_fast_path_equals_per_pe_reference_on_ovp_operands():
    """olive design (closed form via the shared engine) == per-PE per-cycle reference, values == numpy.

    200 random small shapes (edge folds included) with OVP-4 encoded/decoded operands, the olive
    PE parameters (d = 4 multipliers per slot, L = 2, e = 1) on small arrays.
    """
    from llmaccel.sim.systolic.reference import simulate_gemm
    from llmaccel.workloads.quant import ovp

    rng = np.random.default_rng(12)
    base = load_preset("olive-w4a4")
    p = olive_params(base)
    o4 = named("ovp4")
    for _ in range(200):
        R, C = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        m, n, k = int(rng.integers(1, 15)), int(rng.integers(1, 15)), int(rng.integers(1, 40))
        f = ovp.ovp4("flint4" if rng.integers(2) else "int4")
        A = ovp.decode(ovp.encode(rng.standard_t(2, (m, k)) * 3, f, axis=1), f, axis=1, length=k).astype(np.int64)
        B = ovp.decode(ovp.encode(rng.standard_t(2, (k, n)) * 3, f, axis=0), f, axis=0, length=k).astype(np.int64)
        out, cycles = simulate_gemm(
            A,
            B,
            R,
            C,
            "os",
            p.pe.pipeline_latency,
            p.decoder.latency_cycles,
            p.pe.macs_per_cycle,
            p.array.fold_convention,
        )
        assert np.array_equal(out, A @ B)
        hw = base.with_overrides({"array.rows": R, "array.cols": C})
        r = run(_trace(m, n, k, o4, o4), hw)
        assert r.ops[0].compute_cycles == cycles


def test_pe_array_draws_the_artifacts_synthesised_pe_power_by_hand():
    """ANT/OliVe artifact (results/systolic_array_synth.csv line 2, stats.py get_energy_breakdown): every PE
    of every array draws 279.96 uW per compute cycle at 500 MHz, whatever it computes; GOBO's FP16 PE the
    MixPE artifact's 16/16 row (839.982 uW)."""
    from llmaccel.sim.olive.params import olive_machine

    pes = {"olive-w4a4": 1024, "ant-w8a8": 1024, "olaccel-w4a4": 288, "adafloat-w8a8": 896}
    for preset, n in pes.items():
        m = olive_machine(olive_params(load_preset(preset)))
        assert dict(m.array_power_mw) == pytest.approx({"pe_array": n * 279.96e-3})
        assert m.pe.pe.mac_actions == ()  # the synthesised power replaces the per-MAC actions
    gobo = olive_machine(olive_params(load_preset("gobo-w3a16")))
    assert dict(gobo.array_power_mw) == pytest.approx({"pe_array": 1024 * 839.982e-3})
    assert dict(gobo.static_power_mw)["pe_leakage"] == pytest.approx(1024 * 192.942e-3)
    # one fold of 16 + 32 + 32 - 2 + 1 + 1 = 80 compute cycles: 1024 PEs x 279.96 uW x 80 cycles / 500 MHz
    o4 = named("ovp4")
    r = run(_trace(32, 32, 64, o4, o4), load_preset("olive-w4a4"))
    assert r.ops[0].compute_cycles == 80
    assert r.energy_pj["pe_array"] == pytest.approx(1024 * 279.96e-6 * 80 / 500e6 * 1e12)
    # AdaFloat: 32x28 PEs of the same power; K = 64 on one 8-bit MAC per PE: 64 + 32 + 28 - 2 + 0 + 0 cycles
    a8 = named("adafloat8")
    ra = run(_trace(32, 28, 64, a8, a8), load_preset("adafloat-w8a8"))
    assert ra.energy_pj["pe_array"] == pytest.approx(896 * 279.96e-6 * ra.ops[0].compute_cycles / 500e6 * 1e12)
    assert ra.ops[0].compute_cycles == 64 + 32 + 28 - 2


def test_per_action_pe_energy_option_and_hosted_slots_keep_their_mac_actions():
    from llmaccel.sim.olive.components import PE_TYPES

    hw = load_preset("olive-w4a4").with_overrides({"pe_power.energy": "per_action"})
    o4 = named("ovp4")
    r = run(_trace(32, 32, 64, o4, o4), hw)
    # per MAC: int4_mult + shift_32b + int32_add (Horowitz-based, node-scaled), no per-cycle array power
    from llmaccel.sim.olive.model import energy_table

    t = energy_table()
    per_mac = sum(t.pj(a, 28) for a in ("int4_mult", "shift_32b", "int32_add"))
    assert r.energy_pj["pe_array"] == pytest.approx(32 * 32 * 64 * per_mac)
    # the registry's slot PEs (hosted on other arrays) are charged per MAC
    assert PE_TYPES["olive-ovp4"].pe.mac_actions == ("int4_mult", "shift_32b", "int32_add")
    with pytest.raises(InputError, match="pe_power"):
        olive_params(load_preset("olive-w4a4").with_overrides({"pe_power.dynamic_uw": 0.0}))
