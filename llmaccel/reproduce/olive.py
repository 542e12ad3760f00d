"""OliVe (ISCA 2023) paper comparisons: ``llmaccel reproduce olive``.

Every design runs the same per-model trace (one transformer block, prefill:
BERT at 128 tokens, decoder LLMs at 512 tokens, batch 1; all blocks of a model
are identical, so block ratios equal whole-model ratios) on the same engine:
the OliVe-family variants (``design: olive`` presets) and the INT8 baseline
(foundation ``systolic-int8``).  Speedup = baseline cycles / OliVe cycles;
energy reduction = baseline energy / OliVe energy.  The paper's headline
(4.5x speedup, 4.0x energy vs GOBO) is an average over its models; we compare
it with our geometric mean.  That headline is the paper's GPU result (OliVe on tensor cores
vs GOBO on a GPU), so it sits on the GPU rows, not on the systolic GOBO rows.

Each systolic baseline runs at the width its own accuracy needs -- the rule of OliVe's
comparison (a baseline is run where it keeps the model's accuracy, not at OliVe's 4 bits):
ANT at 8 bits (its 4-bit types lose LLM accuracy to outliers), OLAccel at 4-bit normals with
8-bit outliers (its outlier path keeps accuracy at 4 bits), AdaFloat at 8 bits -- the widths
the ANT/OliVe artifact's benches use (github clevercool/ANT-Quantization,
ant_simulator/bitfusion/src/benchmarks/{olaccel,adafloat}_bench.py), on its iso-area arrays
(conf_olaccel.ini 16x18, conf_adafloat.ini 32x28, conf_ant.ini 32x32).  ANT-4 is kept as an
extra row (OliVe's speed, not its accuracy).  No constant is fitted to any paper number.
"""

from __future__ import annotations

import math
from functools import cache

from llmaccel.reproduce import ReproRow
from llmaccel.sim.designs import run
from llmaccel.sim.gpu.quantized import GoboWeights, gobo_pass, olive_pass
from llmaccel.sim.hardware.gpu import gpu_params
from llmaccel.sim.preset import load_preset
from llmaccel.workload import model_trace

DESIGN = "olive"

#: (zoo name, label, prompt tokens).  Sequence lengths are assumptions (the spec gives none):
#: 128 is the usual GLUE/SQuAD length for BERT; 512 a typical LM-evaluation window.
MODELS = (
    ("bert-base", "BERT-base", 128),
    ("bert-large", "BERT-large", 128),
    ("gpt2-xl", "GPT2-XL", 512),
    ("bloom-7b1", "BLOOM-7B1", 512),
    ("opt-6.7b", "OPT-6.7B", 512),
)
OLIVE = "olive-w4a4"
#: baseline preset -> (label, quant preset for the int8 foundation design)
BASELINES = {
    "gobo-w3a16": "GOBO",
    "systolic-int8": "INT8",
    "ant-w8a8": "ANT-8",
    "ant-w4a4": "ANT-4",
    "olaccel-w4a4": "OLAccel",
    "adafloat-w8a8": "AdaFloat",
}
#: The paper's headline vs GOBO -- its GPU comparison (tensor cores), so it is held against the GPU rows.
PAPER_GPU = {"speedup": 4.5, "energy reduction": 4.0}
#: Decoder area overhead of the core, spec/olive.md (4-bit 2.2 %, 8-bit 1.5 %).
PAPER_DECODER_OVERHEAD = {"olive-w4a4": 0.022, "olive-w8a8": 0.015}
GPU_PRESET = "rtx2080ti"


@cache
def _run(preset: str, model: str, tokens: int) -> tuple[int, float]:
    hw = load_preset(preset)
    quant = hw.params.get("quant_preset", "w8a8")
    trace = model_trace(model, "prefill", 1, tokens, 1, quant=quant, layers=1)
    r = run(trace, hw)
    return r.total_cycles, r.total_energy_pj


@cache
def _gpu(path: str, model: str, tokens: int) -> float:
    """Seconds of one block on the RTX 2080 Ti under the achieved model (``path``: gobo or olive)."""
    if path == "gobo":
        gobo = load_preset("gobo-w3a16")
        weights = GoboWeights(
            gobo.get("outlier.weight_frac"), gobo.get("outlier.value_bits") + gobo.get("outlier.index_bits")
        )
        trace = model_trace(model, "prefill", 1, tokens, 1, quant=gobo.get("quant_preset"), layers=1)
        return gobo_pass(trace, GPU_PRESET, weights).seconds
    trace = model_trace(model, "prefill", 1, tokens, 1, quant=load_preset(OLIVE).get("quant_preset"), layers=1)
    return olive_pass(trace, GPU_PRESET).seconds


def gpu_rows() -> list[ReproRow]:
    """OliVe vs GOBO on the RTX 2080 Ti (model input, no measured point): speedup and energy reduction."""
    ratios = [_gpu("gobo", model, tokens) / _gpu("olive", model, tokens) for model, _l, tokens in MODELS]
    gpu = gpu_params(load_preset(GPU_PRESET))
    ach, peak = gpu.achieved_block(), gpu.peak_tops
    why = (
        f"model input: sim.gpu achieved model on {GPU_PRESET} ({ach.memory_fraction:.0%} of "
        f"{gpu.hbm.bandwidth_gbps:g} GB/s, {ach.tensor_fraction:.0%} of the tensor peak per SM, "
        f"{ach.tile_m}x{ach.tile_n} tiles in waves over {ach.sm_count} SMs, {ach.kernel_gap_us:g} us "
        "per-kernel gap). GOBO: per weight matmul a dequantize kernel (3-bit index -> FP16 weight), an outlier "
        f"kernel (FP32 outliers scattered back, one {ach.sector_bytes} B sector each) and an FP16 GEMM "
        f"({peak.fp16:g} TFLOPS peak); OliVe: an OVP encode kernel per activation operand and an INT4 GEMM "
        f"({peak.of('int4'):g} TOPS) with decoders inline. Missing: the paper's GPU kernels and tile choices "
        "(not in the spec)"
    )
    g = _geomean(ratios)
    return [
        ReproRow(
            DESIGN, "geomean of 5 models, RTX 2080 Ti", "speedup vs GOBO (GPU)", "GOBO", PAPER_GPU["speedup"], g, why
        ),
        ReproRow(
            DESIGN,
            "geomean of 5 models, RTX 2080 Ti",
            "energy reduction vs GOBO (GPU)",
            "GOBO",
            PAPER_GPU["energy reduction"],
            g,
            "board power is the same load_power_w for both (no published per-kernel GPU power), so the energy "
            "ratio equals the speedup; the paper's 4.0x energy vs 4.5x speedup implies OliVe draws more power "
            "(INT4 tensor cores busier), which this model does not capture",
        ),
    ]


def _assumption(label: str) -> str:
    common = (
        "one block, prefill, batch 1; 500 MHz, 64 GB/s, same SRAM for all; arrays of the ANT/OliVe artifact "
        "(32x32 slots; OLAccel 16x18, AdaFloat 32x28 iso-area); each baseline at the width its accuracy needs; "
        "OliVe W4A4 OVP incl. attention BMMs"
    )
    why = {
        "GOBO": "GOBO: FP16 activations x 3-bit dictionary weights on one FP16 MAC per slot, 0.1 % FP32 weight "
        "outliers on a serialised outlier path; OliVe: four 4-bit exp-int MACs per slot. The paper's 4.5x / 4.0x "
        "vs GOBO is its GPU result and is compared on the GPU rows; the paper gives no systolic GOBO figure",
        "INT8": "INT8 = foundation systolic-int8 (W8A8)",
        "ANT-8": "ANT at 8 bits: the width ANT needs for LLM accuracy with outliers (our reading of OliVe's accuracy "
        "comparison); 8-bit on four 4-bit PEs = 4 passes",
        "ANT-4": "ANT at 4 bits has OliVe's speed (same slot) but not its accuracy; speedup ~1 is expected",
        "OLAccel": "OLAccel at 4-bit normals (accurate thanks to its 8-bit outliers; artifact olaccel_bench.py): 3 % "
        "outliers per operand on 72 8-bit outlier lanes, serialised, +8-bit value/+8-bit index storage per outlier, "
        "16x18 dense PEs (conf_olaccel.ini)",
        "AdaFloat": "AdaFloat at 8 bits (the width it needs; artifact adafloat_bench.py): one 8-bit float MAC per PE on "
        "32x28 PEs (conf_adafloat.ini), PE area 32/28 of ANT's",
    }[label]
    return f"{common}; {why}"


def _geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def reproduce() -> list[ReproRow]:
    rows: list[ReproRow] = []
    for preset, label in BASELINES.items():
        sp, en = [], []
        for model, mlabel, tokens in MODELS:
            oc, oe = _run(OLIVE, model, tokens)
            bc, be = _run(preset, model, tokens)
            sp.append(bc / oc)
            en.append(be / oe)
            short = f"one block; {OLIVE} vs {preset}; see the geomean row for the full assumptions"
            rows.append(
                ReproRow(DESIGN, f"{mlabel} prefill {tokens}", f"speedup vs {label}", label, None, bc / oc, short)
            )
            rows.append(
                ReproRow(
                    DESIGN, f"{mlabel} prefill {tokens}", f"energy reduction vs {label}", label, None, be / oe, short
                )
            )
        for metric, vals in (("speedup", sp), ("energy reduction", en)):
            rows.append(
                ReproRow(
                    DESIGN,
                    "geomean of 5 models",
                    f"{metric} vs {label}",
                    label,
                    None,
                    _geomean(vals),
                    _assumption(label),
                )
            )
    # decoder area overhead: (R + C) edge decoders / (PE slots + decoders), SRAM excluded
    from llmaccel.sim.olive.model import area_mm2
    from llmaccel.sim.olive.params import olive_params

    for preset, paper in PAPER_DECODER_OVERHEAD.items():
        hw = load_preset(preset)
        p = olive_params(hw)
        a = area_mm2(p)
        frac = a["edge_decoders"] / (a["pe_array"] + a["edge_decoders"])
        slots = p.array.rows * p.array.cols
        ours_um2 = a["pe_array"] * 1e6 / slots
        implied_um2 = a["edge_decoders"] * 1e6 * (1 - paper) / paper / slots
        rows.append(
            ReproRow(
                DESIGN,
                f"{p.array.rows}x{p.array.cols} array, {p.node_nm:g} nm",
                f"decoder area overhead ({preset[-4:]})",
                None,
                paper,
                frac,
                "core = the PE array (1024 slots of four 4-bit exp-int multipliers + shifters + adder tree + "
                "int32 accumulator, Horowitz-composed, sim/olive/area.yaml, registers not counted) + R + C = 64 "
                "edge decoders of the spec's area (22 nm, scaled by feature size^2); SRAM excluded (the ANT/OliVe "
                "artifact's energy 'Core' is the systolic array alone; its systolic_array_synth.csv carries no "
                f"area). Missing fact: the paper's core per slot. Its {100 * paper:.1f} % implies "
                f"{implied_um2:.0f} um^2 per slot at {p.node_nm:g} nm against our {ours_um2:.0f} um^2; Yosys cells "
                "of our RTL give a similar 0.35 %",
            )
        )
    # GPU comparison (the paper's 4.5x / 4.0x over GOBO is its RTX 2080 Ti result): achieved-performance
    # model, GOBO = dequantize + outlier + FP16 GEMM kernels, OliVe = OVP encode + INT4 tensor-core GEMM
    rows.extend(gpu_rows())
    return rows
