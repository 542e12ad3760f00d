"""``llmaccel reproduce olive``: row structure, paper values, JSON output."""

from __future__ import annotations

import json

import pytest

from llmaccel.cli import main
from llmaccel.reproduce import olive


def test_rows_and_paper_values(capsys):
    rows = olive.reproduce()
    geo = {(r.metric): r for r in rows if r.workload == olive.GEOMEAN}
    # the paper's 4.5x / 4.0x vs GOBO is its GPU result: held against the GPU rows, not the systolic ones
    assert geo["speedup vs GOBO"].paper is None and geo["energy reduction vs GOBO"].paper is None
    gpu = {r.metric: r for r in rows if r.workload == f"{olive.GEOMEAN}, RTX 2080 Ti"}
    assert gpu["speedup vs GOBO (GPU)"].paper == 4.5 and gpu["energy reduction vs GOBO (GPU)"].paper == 4.0
    # the paper's systolic averages, Sec. 5.4: 4.8x/3.8x/3.7x speedup, 3.7x/2.1x/3.3x energy over AdaFloat/OLAccel/ANT
    expected = {"AdaFloat": (4.8, 3.7), "OLAccel": (3.8, 2.1), "ANT-8": (3.7, 3.3)}
    for label, (speed, energy) in expected.items():
        assert geo[f"speedup vs {label}"].paper == speed and geo[f"energy reduction vs {label}"].paper == energy
        assert geo[f"speedup vs {label}"].model > 1.0
    assert geo["speedup vs INT8"].paper is None and geo["speedup vs INT8"].model > 1.0
    # ANT-4 runs on OliVe's slot: same speed (the difference is accuracy, not throughput)
    assert abs(geo["speedup vs ANT-4"].model - 1.0) < 1e-9
    # every per-model row is a positive ratio and has an assumption text
    assert all(r.model > 0 and r.assumptions for r in rows)
    models = {r.workload for r in rows} - {olive.GEOMEAN, f"{olive.GEOMEAN}, RTX 2080 Ti", "32x32 array, 28 nm"}
    # the paper's 4.5x / 4.0x over GOBO is its GPU result: it sits on the GPU rows
    assert gpu["speedup vs GOBO (GPU)"].assumptions.startswith("model input")
    area = [r for r in rows if r.metric.startswith("decoder area overhead")]
    assert [r.paper for r in area] == [0.022, 0.015]
    # Table 11: 128 x 37.22 and 64 x 49.50 um^2 beside 4096 x 50.01 um^2 of 4-bit PEs (node scaling cancels)
    core = 128 * 37.22 + 64 * 49.50 + 4096 * 50.01
    assert area[0].model == pytest.approx(128 * 37.22 / core) and area[1].model == pytest.approx(64 * 49.50 / core)
    assert len(models) == 5
    assert main(["reproduce", "olive", "--format", "json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data[0]) == {"design", "workload", "metric", "baseline", "paper", "model", "rel_err", "assumptions"}
    assert len(data) == len(rows)


def test_baselines_on_the_artifact_arrays_and_widths():
    from llmaccel.sim.olive.params import olive_params
    from llmaccel.sim.preset import load_preset

    # ANT/OliVe artifact: conf_olaccel.ini 16x18, conf_adafloat.ini 32x28; OLAccel 4-bit, AdaFloat 8-bit
    ola = olive_params(load_preset("olaccel-w4a4"))
    ada = olive_params(load_preset("adafloat-w8a8"))
    assert (ola.array.rows, ola.array.cols, ola.pe.a_bits) == (16, 18, 4)
    assert (ada.array.rows, ada.array.cols, ada.pe.a_bits) == (32, 28, 8)


def test_adafloat_pe_is_no_smaller_than_int8():
    from llmaccel.sim.area import load_area_table
    from llmaccel.sim.olive.params import AREA_TABLE

    t = load_area_table(AREA_TABLE)
    # iso-area with ANT (32x28 vs 32x32 PEs): 4 x 50.01 (paper Tbl. 11) x 32 / 28 = 228.62 um^2 at 22 nm
    assert t.um2("slot_adafloat8", 22) == pytest.approx(4 * 50.01 * 32 / 28, abs=0.005)
    assert t.um2("slot_adafloat8", 45) > t.um2("pe_int8", 45) and t.um2("slot_adafloat8", 45) > t.um2("slot_ant4x4", 45)


def test_static_power_and_olaccel_overlap():
    """Static power (ANT/OliVe artifact: 64.314 uW per 8/4 PE, 484.615 mW DRAM background) is
    charged x time; OLAccel's outlier lanes work beside the dense PEs."""
    from llmaccel.sim.olive.params import OverlappedOutlierPath, olive_machine, olive_params
    from llmaccel.sim.preset import load_preset

    m = olive_machine(olive_params(load_preset("olive-w4a4")))
    assert dict(m.static_power_mw) == pytest.approx({"pe_leakage": 1024 * 64.314e-3, "dram_static": 484.615})
    ola = olive_machine(olive_params(load_preset("olaccel-w4a4")))
    assert dict(ola.static_power_mw)["pe_leakage"] == pytest.approx(288 * 64.314e-3)
    assert isinstance(ola.outlier, OverlappedOutlierPath) and ola.outlier.dense_macs_per_cycle == 16 * 18 * 4
    cycles, _, static = olive._run("olive-w4a4", "bert-base", 128)
    assert static == pytest.approx((484.615 + 1024 * 64.314e-3) * 1e3 * cycles / 500)


def test_overlapped_outlier_path_charges_only_the_excess():
    from llmaccel.sim.olive.params import OverlappedOutlierPath
    from llmaccel.workloads.ops import Op, OpKind, Phase
    from llmaccel.workloads.quant_spec import QuantSpec

    spec = QuantSpec("olaccel", 4)
    op = Op("x", OpKind.GEMM, 0, Phase.PREFILL, 64, 64, 64, a_spec=spec, b_spec=spec)
    # 1 - 0.9^2 = 19 % of 262,144 MACs = 49,807.36 outlier MACs on 10 lanes = 4,981 cycles; dense 262,144 / 128 = 2,048
    path = OverlappedOutlierPath(0.1, 0.1, 10, 8, 8, 0, (), 0.0, dense_macs_per_cycle=128)
    om, extra = path.run(op, 262_144, 4)
    assert om == pytest.approx(49_807.36) and extra == 4_981 - 2_048
    wide = OverlappedOutlierPath(0.1, 0.1, 10_000, 8, 8, 0, (), 0.0, dense_macs_per_cycle=128)
    assert wide.run(op, 262_144, 4)[1] == 0


def test_gobo_on_the_gpu_decompresses_at_the_memory_side_by_hand():
    """GOBO on the paper's RTX 2080 Ti (Sec. 4.1: FP16 107.6 TFLOPS; Sec. 5.3: GOBO's memory organization,
    FP16 compute): one FP16 GEMM per weight matmul, its DRAM traffic the compressed weights."""
    from llmaccel.sim.gpu.achieved import achieved_of
    from llmaccel.sim.gpu.quantized import GoboWeights, gobo_memory_op_kernels
    from llmaccel.workloads.ops import Op, OpKind, Phase
    from llmaccel.workloads.quant_spec import FP16, QuantSpec

    hw = olive.gpu_preset()
    p, a = achieved_of(hw)
    assert (p.peak_tops.fp16, p.peak_tops.of("int4")) == (107.6, 430.3)
    # BERT-base q_proj at the paper's batch 16 x 128 tokens
    op = Op("L0.q_proj", OpKind.GEMM, 0, Phase.PREFILL, m=2048, n=768, k=768, a_spec=FP16, b_spec=QuantSpec("gobo", 3))
    (t,) = gobo_memory_op_kernels(op, p, a, GoboWeights(0.001, 64))
    # 16 x 6 = 96 tiles of 128x128 on 68 SMs: 2 waves (no split-K), each 128x128x768 at 107.6/68 TFLOPS x 0.664
    compute = 2 * 2 * 128 * 128 * 768 / (107.6e12 / 68 * 0.664)
    memory = (2048 * 768 * 2 + 768 * 768 * 3 / 8 + 768 * 768 * 0.001 * 8 + 2048 * 768 * 2) / (616e9 * 0.69)
    assert compute > memory and t == pytest.approx(compute)
    # OliVe's INT4 GEMM of the same shape: 430.3 / 107.6 = 4.0x the peak, same tiles and waves
    from llmaccel.sim.gpu.quantized import olive_op_kernels

    o4 = QuantSpec("ovp4", 4)
    *_, gemm = olive_op_kernels(
        Op("q", OpKind.GEMM, 0, Phase.PREFILL, m=2048, n=768, k=768, a_spec=o4, b_spec=o4), p, a
    )
    assert gemm == pytest.approx(compute * 107.6 / 430.3)


def test_gpu_rows_text_names_the_readings():
    gpu = {r.metric: r for r in olive.gpu_rows()}
    speed = gpu["speedup vs GOBO (GPU)"]
    assert "107.6" in speed.assumptions and "memory organization" in speed.assumptions
    assert "4.39x" in speed.assumptions and "3.96x" in gpu["energy reduction vs GOBO (GPU)"].assumptions
    assert speed.paper == 4.5 and 1.0 < speed.model < 4.5
