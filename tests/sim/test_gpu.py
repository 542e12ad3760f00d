"""GPU roofline: hand-computed memory- and compute-bound ops, dtype choice, energy."""

from pathlib import Path

import pytest
import yaml

from llmaccel.sim.designs import get_design, run
from llmaccel.sim.gpu import simulate_trace
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import FP16, INT8, named
from llmaccel.workloads.trace import Trace

PRESETS = Path(__file__).resolve().parents[2] / "sim" / "presets"


def raw(name):
    """Numbers straight from the YAML file (not through the code under test)."""
    p = yaml.safe_load((PRESETS / f"{name}.yaml").read_text())["params"]
    return p


def test_memory_bound_gemv_by_hand():
    p = raw("a100-40gb")
    op = Op("L0.q_proj", OpKind.GEMV, 0, Phase.DECODE, m=1, n=4096, k=4096)
    r = simulate_trace(Trace("x", [op]), "a100-40gb")
    nbytes = 2 * (1 * 4096 + 4096 * 4096 + 1 * 4096)  # fp16 a, b, out
    t_mem = nbytes / (p["memory_gbps"]["value"] * 1e9 * p["efficiency"]["memory"]["value"])
    t_cmp = 2 * 4096 * 4096 / (p["peak_tops"]["fp16"]["value"] * 1e12 * p["efficiency"]["compute"]["gemv"]["value"])
    assert t_mem > t_cmp
    secs = t_mem + p["kernel_overhead_us"]["value"] * 1e-6
    assert r.time_s == pytest.approx(secs, abs=1 / (p["clock_mhz"]["value"] * 1e6))  # whole cycles
    assert r.total_energy_pj == pytest.approx(p["power_w"]["value"] * r.time_s * 1e12)
    assert r.ops[0].bytes["dram_read"] == 2 * (4096 + 4096 * 4096)


def test_compute_bound_gemm_uses_int8_peak():
    p = raw("a100-80gb")
    op = Op("g", OpKind.GEMM, 0, Phase.PREFILL, m=8192, n=8192, k=8192, a_spec=INT8, b_spec=INT8, out_spec=FP16)
    r = simulate_trace(Trace("x", [op]), "a100-80gb")
    t_cmp = 2 * 8192**3 / (p["peak_tops"]["int8"]["value"] * 1e12 * p["efficiency"]["compute"]["gemm"]["value"])
    assert r.time_s == pytest.approx(
        t_cmp + p["kernel_overhead_us"]["value"] * 1e-6, abs=1 / (p["clock_mhz"]["value"] * 1e6)
    )


def test_int4_only_where_listed():
    p2080 = raw("rtx2080ti")
    op = Op("g", OpKind.GEMM, 0, Phase.PREFILL, m=4096, n=4096, k=4096, a_spec=named("int4"), b_spec=named("int4"))
    r = simulate_trace(Trace("x", [op]), "rtx2080ti")
    t = 2 * 4096**3 / (p2080["peak_tops"]["int4"]["value"] * 1e12 * p2080["efficiency"]["compute"]["gemm"]["value"])
    assert r.time_s == pytest.approx(
        t + p2080["kernel_overhead_us"]["value"] * 1e-6, abs=1 / (p2080["clock_mhz"]["value"] * 1e6)
    )
    # V100S lists no int4 peak: int4 operands fall back to int8 (DP4A)
    pv = raw("v100s")
    rv = simulate_trace(Trace("x", [op]), "v100s")
    tv = 2 * 4096**3 / (pv["peak_tops"]["int8"]["value"] * 1e12 * pv["efficiency"]["compute"]["gemm"]["value"])
    assert rv.time_s == pytest.approx(
        tv + pv["kernel_overhead_us"]["value"] * 1e-6, abs=1 / (pv["clock_mhz"]["value"] * 1e6)
    )


def test_design_plugin_and_wrong_preset():
    op = Op("n", OpKind.NORM, 0, Phase.DECODE, m=1, n=4096)
    hw = load_preset("v100s")
    r = run(Trace("x", [op]), hw)
    assert r.design == "gpu" and r.total_cycles > 0
    assert get_design("gpu").name == "gpu"
    with pytest.raises(InputError):
        simulate_trace(Trace("x", [op]), "systolic-int8")
