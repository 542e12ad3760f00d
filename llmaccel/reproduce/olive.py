"""OliVe (ISCA 2023) paper comparisons: ``llmaccel reproduce olive``.

Every design runs the same per-model trace (one transformer block, prefill:
BERT at 128 tokens, decoder LLMs at 512 tokens, batch 1; all blocks of a model
are identical, so block ratios equal whole-model ratios) on the same engine:
the OliVe-family variants (``design: olive`` presets) and the INT8 baseline
(foundation ``systolic-int8``).  Speedup = baseline cycles / OliVe cycles;
energy reduction = baseline energy / OliVe energy.  The paper's headline
(4.5x speedup, 4.0x energy vs GOBO) is an average over its models; we compare
it with our geometric mean.  No constant is fitted to any paper number.
"""

from __future__ import annotations

import math
from functools import cache

from llmaccel.reproduce import ReproRow
from llmaccel.sim.designs import run
from llmaccel.sim.gpu import simulate_trace as gpu_simulate
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
PAPER = {("GOBO", "speedup"): 4.5, ("GOBO", "energy reduction"): 4.0}
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
def _gpu(quant: str, model: str, tokens: int) -> float:
    trace = model_trace(model, "prefill", 1, tokens, 1, quant=quant, layers=1)
    return gpu_simulate(trace, GPU_PRESET).time_s


def _assumption(label: str) -> str:
    common = (
        "one block, prefill, batch 1; same 32x32 slots, 500 MHz, 64 GB/s, SRAM for all (iso-slot, not iso-area); "
        "OliVe W4A4 OVP incl. attention BMMs"
    )
    why = {
        "GOBO": "GOBO: FP16 activations x 3-bit dictionary weights on one FP16 MAC per slot, 0.1 % FP32 weight "
        "outliers on a serialised outlier path; OliVe: four 4-bit exp-int MACs per slot. Gap to the paper: "
        "fill/drain of short K folds and DRAM stalls cap OliVe's 4x MAC-rate advantage; the paper's GOBO "
        "config (iso-area, its memory system) is not given in the spec",
        "INT8": "INT8 = foundation systolic-int8 (W8A8)",
        "ANT-8": "ANT at 8 bits: the width ANT needs for LLM accuracy with outliers (our reading of OliVe's accuracy "
        "comparison); 8-bit on four 4-bit PEs = 4 passes",
        "ANT-4": "ANT at 4 bits has OliVe's speed (same slot) but not its accuracy; speedup ~1 is expected",
        "OLAccel": "OLAccel: 3 % outliers per operand on 256 8-bit outlier lanes, serialised, +8-bit value/+8-bit index "
        "storage per outlier",
        "AdaFloat": "AdaFloat 8-bit float MAC per slot (W8A8)",
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
                    PAPER.get((label, metric)),
                    _geomean(vals),
                    _assumption(label),
                )
            )
    # decoder area overhead: (R + C) edge decoders / (PE slots + decoders), SRAM excluded
    from llmaccel.sim.olive.model import area_mm2
    from llmaccel.sim.olive.params import olive_params

    for preset, paper in PAPER_DECODER_OVERHEAD.items():
        a = area_mm2(olive_params(load_preset(preset)))
        frac = a["edge_decoders"] / (a["pe_array"] + a["edge_decoders"])
        rows.append(
            ReproRow(
                DESIGN,
                "32x32 array, 28 nm",
                f"decoder area overhead ({preset[-4:]})",
                None,
                paper,
                frac,
                "64 decoders of the spec's area (22 nm, scaled by feature size^2) vs 1024 slots of "
                "sim/olive/area.yaml (four 4-bit PEs + adder each, Horowitz-composed, registers not "
                "counted); Yosys cells give a similar 0.35 %. The paper's core (PE size, registers, "
                "array shape) is not in the spec, so its 2.2 %/1.5 % is not reproduced",
            )
        )
    # GPU-class variant: roofline on an RTX 2080 Ti (int4 tensor cores behind OVP decoders vs GOBO's FP16)
    gs = []
    for model, _mlabel, tokens in MODELS:
        s = _gpu("olive-gobo-w3a16", model, tokens) / _gpu("olive-w4a4", model, tokens)
        gs.append(s)
    rows.append(
        ReproRow(
            DESIGN,
            "geomean of 5 models, RTX 2080 Ti roofline",
            "speedup vs GOBO (GPU)",
            "GOBO",
            None,
            _geomean(gs),
            "sim.gpu roofline (op level: max(compute at 70 % of the dtype peak, bytes at 80 % of 616 GB/s) "
            "+ launch): OliVe = INT4 tensor-core peak 430 TOPS, GOBO = FP16 53.8 TFLOPS; decoder cost "
            "and GOBO's outlier handling not modelled; energy = TDP x time so the energy ratio equals it",
        )
    )
    return rows
