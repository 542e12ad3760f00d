"""MixPE (arXiv 2411.16158) paper comparison: speedup and energy reduction vs each baseline.

Workloads as in the paper (spec/mixpe.md): the QKV, output-projection and FFN linears of
one block of OPT-6.7B, LLaMA-2-13B, ViT-B and ViT-H at batch M = 64 tokens (every block
is identical, so one block gives the whole-model ratios), for W4A8 and W4A16 with group
size 128 (quant presets ``w4a8-g128`` / ``w4a16-g128``).  Every machine runs on the
``mixpe`` design engine (sim/mixpe) with the presets below.

The paper reports only the headline (2.6x speedup, 1.4x energy reduction over the
strongest baseline); its per-workload bars are not given as numbers, so those rows
carry ``paper = None``.  "Strongest baseline" is the paper baseline (ANT, BitFusion,
INT8, FP16) with the fewest cycles in our model's geometric mean; the FIGNA-like
dequantize-in-the-loop ablation and the OliVe engineer's ANT model (``sim/olive``,
preset ``ant-w4a4``; a cross-check of our ANT-style timing, W4A8 only) are extra and never
count as the paper's baseline.
"""

from __future__ import annotations

import math
from functools import lru_cache

from llmaccel.reproduce import ReproRow
from llmaccel.sim.designs import get_design
from llmaccel.sim.preset import load_preset
from llmaccel.workload import model_trace
from llmaccel.workloads.trace import Trace

DESIGN = "mixpe"

#: (label, zoo name)
MODELS = (("OPT-6.7B", "opt-6.7b"), ("LLaMA-2-13B", "llama2-13b"), ("ViT-B", "vit-b"), ("ViT-H", "vit-h"))
#: config -> (quant preset, MixPE preset, FIGNA-like preset)
CONFIGS = {"W4A8": ("w4a8-g128", "mixpe-w4a8", "figna-w4a8"), "W4A16": ("w4a16-g128", "mixpe-w4a16", "figna-w4a16")}
#: baseline label -> preset (the paper's four)
PAPER_BASELINES = {"ANT": "mixpe-ant", "BitFusion": "bitfusion", "INT8": "mixpe-int8", "FP16": "mixpe-fp16"}
#: cross-check: the OliVe engineer's ANT model (sim/olive, preset ant-w4a4: 32x32 slots of four 4-bit
#: PEs, no group dequantization cost); integer-only, so W4A8 only
OLIVE_ANT = {"W4A8": {"ANT (sim/olive)": "ant-w4a4"}, "W4A16": {}}
BATCH_TOKENS = 64
LINEAR_ROLES = ("q_proj", "k_proj", "v_proj", "o_proj", "ffn_gate", "ffn_up", "ffn_down")
PAPER_SPEEDUP = 2.6
PAPER_ENERGY = 1.4

_COMMON = (
    "one block of linears (q/k/v/o + FFN), M=64, g128; 500 MHz, 64 GB/s DRAM, ANT SRAM sizes; "
    "ops serial; energy = PE ops + dequant + SRAM + DRAM at 28 nm, no leakage"
)


@lru_cache(maxsize=32)
def _preset(name: str):
    return load_preset(name)


@lru_cache(maxsize=16)
def linear_trace(model: str, quant: str) -> Trace:
    """The paper's workload: the linear layers of one block at M = 64 tokens."""
    tr = model_trace(model, "prefill", 1, BATCH_TOKENS, 1, quant=quant, layers=1)
    ops = [o for o in tr.ops if o.role in LINEAR_ROLES]
    return Trace(tr.model, ops, tr.requests, {**tr.meta, "subset": "linears"})


@lru_cache(maxsize=32)
def area(preset: str) -> float:
    """Modelled area (mm^2) of a preset: Result.meta["area_mm2"] summed (sim/mixpe/model.py)."""
    from llmaccel.sim.mixpe.model import area_mm2
    from llmaccel.sim.mixpe.params import from_preset

    return float(sum(area_mm2(from_preset(_preset(preset))).values()))


@lru_cache(maxsize=256)
def run(model: str, quant: str, preset: str) -> tuple[int, float, int]:
    """(cycles, energy pJ, dequant ops) of the workload on a preset."""
    hw = _preset(preset)
    d = get_design(hw.design)
    r = d.simulate(d.compile(linear_trace(model, quant), hw), hw)
    return r.total_cycles, r.total_energy_pj, int(r.meta.get("dequant_ops", 0))


def _geo(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def reproduce() -> list[ReproRow]:
    rows: list[ReproRow] = []
    speed: dict[tuple[str, str], list[float]] = {}
    energy: dict[tuple[str, str], list[float]] = {}
    for cfg, (quant, mixpe, figna) in CONFIGS.items():
        baselines = {**PAPER_BASELINES, "FIGNA-like": figna, **OLIVE_ANT[cfg]}
        for label, model in MODELS:
            c0, e0, _ = run(model, quant, mixpe)
            for bl, preset in baselines.items():
                c1, e1, _ = run(model, quant, preset)
                s, er = c1 / c0, e1 / e0
                speed.setdefault((cfg, bl), []).append(s)
                energy.setdefault((cfg, bl), []).append(er)
                wl = f"{label} b{BATCH_TOKENS} {cfg}"
                rows.append(ReproRow(DESIGN, wl, "speedup", bl, None, s, f"{mixpe} vs {preset}; {_COMMON}"))
                rows.append(ReproRow(DESIGN, wl, "energy reduction", bl, None, er, f"{mixpe} vs {preset}; {_COMMON}"))
        for bl in baselines:
            rows.append(
                ReproRow(
                    DESIGN,
                    f"geomean {cfg}",
                    "speedup",
                    bl,
                    None,
                    _geo(speed[(cfg, bl)]),
                    "geometric mean over OPT-6.7B, LLaMA-2-13B, ViT-B, ViT-H",
                )
            )
            if baselines[bl].startswith(("mixpe", "bitfusion", "figna")):  # presets of this engine
                ratio = area(mixpe) / area(baselines[bl])
                rows.append(
                    ReproRow(
                        DESIGN,
                        f"geomean {cfg}",
                        "area ratio (MixPE / baseline)",
                        bl,
                        None,
                        ratio,
                        "PE products + accumulate adders + dequantizers + SRAM, Horowitz areas "
                        "scaled by RTL cell ratios (sim/mixpe/area.yaml); the spec's arrays are "
                        "not iso-area in this model",
                    )
                )
                rows.append(
                    ReproRow(
                        DESIGN,
                        f"geomean {cfg}",
                        "speedup per area",
                        bl,
                        None,
                        _geo(speed[(cfg, bl)]) / ratio,
                        "geomean speedup / area ratio",
                    )
                )
            rows.append(
                ReproRow(
                    DESIGN,
                    f"geomean {cfg}",
                    "energy reduction",
                    bl,
                    None,
                    _geo(energy[(cfg, bl)]),
                    "geometric mean over OPT-6.7B, LLaMA-2-13B, ViT-B, ViT-H",
                )
            )
    # area-saving variant: one dequantizer per 32 PEs (no stalls at g128) -> same cycles, less area
    for cfg, (_quant, mixpe, _) in CONFIGS.items():
        shared = f"{mixpe}-shared-dq"
        ratio = area(shared) / area(PAPER_BASELINES["ANT"])
        rows.append(
            ReproRow(
                DESIGN,
                f"geomean {cfg}",
                "speedup per area (dequantizer shared by 32 PEs)",
                "ANT",
                None,
                _geo(speed[(cfg, "ANT")]) / ratio,
                f"{shared}: same cycles as {mixpe} (a PE finishes one group per 32 cycles; the 32 PEs "
                f"of a column finish on consecutive cycles), area {area(shared):.2f} vs "
                f"{area(mixpe):.2f} mm^2",
            )
        )

    # headline: strongest paper baseline = highest geomean MixPE speedup is weakest; we want the lowest
    geo_all = {bl: _geo(speed[("W4A8", bl)] + speed[("W4A16", bl)]) for bl in PAPER_BASELINES}
    strongest = min(geo_all, key=geo_all.get)
    e_all = _geo(energy[("W4A8", strongest)] + energy[("W4A16", strongest)])
    why = (
        f"strongest paper baseline in this model = {strongest} (fewest cycles); geomean over 4 models x "
        "{W4A8, W4A16}. Gap: the spec's arrays give MixPE 8x (W4A8) / 4x (W4A16) the peak MAC/cycle of the "
        "iso-area ANT array (2 or 4 bit-sliced passes on 64x64 4-bit PEs); at M=64 MixPE W4A8 is DRAM-bound, "
        "the baselines compute-bound. The paper's baseline array sizes/bandwidths are not published, so no "
        "constant was tuned"
    )
    rows.append(
        ReproRow(
            DESIGN, "geomean all", "speedup vs strongest baseline", strongest, PAPER_SPEEDUP, geo_all[strongest], why
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            "geomean all",
            "energy reduction vs strongest baseline",
            strongest,
            PAPER_ENERGY,
            e_all,
            why + "; energy is DRAM-dominated (3.9 pJ/bit HBM2-class assumed) and both read "
            "the same 4-bit weights, so the PE savings are diluted",
        )
    )
    # dequantization work: paper's accounting K*N (baselines) vs K*N/128 (MixPE)
    quant, mixpe, _ = CONFIGS["W4A8"]
    label, model = MODELS[0]
    _, _, dq_mix = run(model, quant, mixpe)
    _, _, dq_base = run(model, quant, PAPER_BASELINES["INT8"])
    rows.append(
        ReproRow(
            DESIGN,
            f"{label} b{BATCH_TOKENS} W4A8",
            "dequant ops MixPE / baseline",
            "INT8",
            1 / 128,
            dq_mix / dq_base,
            "model counts one dequantization per group per OUTPUT (m*n*k/G, here M/G = 64/128) "
            "for MixPE vs k*n per GEMM for a baseline; the paper's K*N/128 counts one per group per "
            "weight column, which holds only for M = 1",
        )
    )
    return rows
