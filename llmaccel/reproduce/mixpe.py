"""MixPE (arXiv 2411.16158) paper comparison: speedup and energy reduction vs each baseline.

Workloads as in the paper (spec/mixpe.md): the QKV, output-projection and FFN linears of
one block of OPT-6.7B, LLaMA-2-13B, ViT-B and ViT-H at batch M = 64 tokens (every block
is identical, so one block gives the whole-model ratios).  MixPE runs W4A8 and W4A16 with
group size 128 (quant presets ``w4a8-g128`` / ``w4a16-g128``); every baseline runs its own
formats, as the authors' artifact (github yuzhang712/mixpe_simulator) configures them:
FP16 = W16A16 (``fp16``, float_bench.py), INT8 = W8A8 (``w8a8``, int88_bench.py), ANT
at ant_bench.py's per-block precisions (its 4-bit type ``olive-ant-w4a4`` in most blocks, W8A8
in the blocks that bench runs at 8 bits, :data:`ANT_BENCH_8BIT_BLOCKS`),
BitFusion at 8 bits (``w8a8``, bitfusion_bench.py: 240 of 256 OPT linears at 8 bits).  The
arrays are the artifact's conf_*.ini ones, so the machines are neither iso-PE nor
iso-area nor iso-peak (the "basis" rows normalise both ways).  Every machine runs on the
``mixpe`` design engine (sim/mixpe).

The paper reports only the headline (2.6x speedup, 1.4x energy reduction over the
strongest baseline); its per-workload bars are not given as numbers, so those rows
carry ``paper = None``.  "Strongest baseline" is the paper baseline (ANT, BitFusion,
INT8, FP16) with the fewest cycles in our model's geometric mean; the FIGNA-like
dequantize-in-the-loop ablation and the OliVe engineer's ANT model (``sim/olive``,
preset ``ant-w4a4``; a cross-check of our ANT-style timing) are extra and never count as
the paper's baseline.
"""

from __future__ import annotations

import math
from dataclasses import replace
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
#: baseline label -> (preset, its own quant preset) -- the paper's four, formats as the artifact's benches
PAPER_BASELINES = {
    "ANT": ("mixpe-ant", "olive-ant-w4a4"),
    "BitFusion": ("bitfusion", "w8a8"),
    "INT8": ("mixpe-int8", "w8a8"),
    "FP16": ("mixpe-fp16", "fp16"),
}
#: cross-check: the OliVe engineer's ANT model (sim/olive, preset ant-w4a4: 32x32 slots of four 4-bit
#: PEs, no group dequantization cost) on the same W4A4 ANT formats
OLIVE_ANT = {"ANT (sim/olive)": ("ant-w4a4", "olive-ant-w4a4")}
BATCH_TOKENS = 64
LINEAR_ROLES = ("q_proj", "k_proj", "v_proj", "o_proj", "ffn_gate", "ffn_up", "ffn_down")
PAPER_SPEEDUP = 2.6
PAPER_ENERGY = 1.4

#: The authors' artifact output that the paper's per-model figure plots (github
#: yuzhang712/mixpe_simulator, results/mixpe_res.csv, commit bfba57f): per model (ViT-B, ViT-H,
#: OPT-6.7B, LLaMA-2-13B) and machine (ARTIFACT_COLUMNS), time normalised to FP16 ("Time") and the
#: four energy components normalised to FP16's total, two decimals as written there.  Its
#: "Geomean" columns are left out (an arithmetic mean, and off by one column for energy).
ARTIFACT_MODELS = ("ViT-B", "ViT-H", "OPT-6.7B", "LLaMA-2-13B")
ARTIFACT_COLUMNS = ("MixPE-W4A8", "ANT", "BitFusion", "INT8", "MixPE-W4A16", "FP16")
ARTIFACT_LINES = {
    "Time": (.15, .61, .70, .82, .53, 1.0, .12, .47, .67, .82, .32, 1.0,
             .10, .40, .68, .86, .19, 1.0, .10, .40, .68, .86, .19, 1.0),
    "Static": (.04, .15, .17, .20, .13, .24, .03, .11, .15, .19, .07, .23,
               .02, .09, .15, .19, .04, .22, .02, .09, .15, .19, .04, .22),
    "Dram": (.02, .03, .04, .05, .05, .07, .01, .03, .03, .07, .03, .12,
             .01, .03, .03, .05, .02, .13, .01, .03, .03, .06, .02, .13),
    "Buffer": (.09, .10, .12, .12, .17, .23, .06, .08, .11, .11, .12, .23,
               .05, .07, .11, .11, .10, .23, .05, .07, .11, .12, .10, .23),
    "Core": (.11, .11, .15, .14, .18, .46, .08, .08, .14, .13, .10, .43,
             .06, .06, .14, .14, .06, .42, .06, .06, .14, .14, .06, .42),
}  # fmt: skip
ENERGY_LINES = ("Static", "Dram", "Buffer", "Core")


def artifact_ratio(model: str, cfg: str, baseline: str, metric: str) -> float | None:
    """The artifact's speedup (time ratio) or energy reduction of MixPE ``cfg`` over a paper
    baseline on one model (None for baselines the artifact does not run).  The geomean rows
    carry their geometric mean as the paper value; per-model rows carry none (the same
    comparison four times over, with two-decimal rounding of 0.10-size times)."""
    if baseline not in PAPER_BASELINES or model not in ARTIFACT_MODELS:
        return None
    base = ARTIFACT_MODELS.index(model) * len(ARTIFACT_COLUMNS)
    lines = ("Time",) if metric == "speedup" else ENERGY_LINES

    def value(col: str) -> float:
        return sum(ARTIFACT_LINES[line][base + ARTIFACT_COLUMNS.index(col)] for line in lines)

    return value(baseline) / value(f"MixPE-{cfg}")


_COMMON = (
    "one block of linears (q/k/v/o + FFN), M=64, MixPE g128, baselines in their own formats; arrays of the "
    "artifact's conf_*.ini; 500 MHz, 64 GB/s DRAM, ANT SRAM sizes; ops serial; baselines' dequantization = "
    "the artifact's extra array layer of M*K*N/8 MACs; energy = the artifact's synthesised PE dynamic "
    "power x PEs per compute cycle + MixPE's dequant + SRAM + DRAM at 28 nm + the artifact's PE leakage and "
    "DRAM background power x time"
)


#: PE-array energy models of the MixPE-study presets (sim/mixpe/params.py PEPowerParams): the
#: presets use the artifact's synthesised PE power (like for like with the paper's figure);
#: ``per_action`` re-runs them with Horowitz-based product/accumulate actions per MAC.
PE_ENERGY_MODELS = ("synthesised", "per_action")


@lru_cache(maxsize=64)
def _preset(name: str, pe_energy: str = "synthesised"):
    """A preset; ``pe_energy="per_action"`` swaps its PE-array energy model (same cycles)."""
    hw = load_preset(name)
    if pe_energy == "synthesised" or "pe_power" not in hw.params:
        return hw
    return replace(hw, params={**hw.params, "pe_power": {**hw.params["pe_power"], "energy": pe_energy}})


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


#: ANT's per-block precisions in the authors' artifact (github yuzhang712/mixpe_simulator, commit
#: 7e0d42c, bitfusion/src/benchmarks/ant_bench.py): every block is 8 layers, each main linear
#: (QKV, out-proj, FC1, FC2) after a ``[K x N/8]`` 8-bit layer (the dequantization layer our
#: ``dequant.placement: array_pass`` charges). The main linears run at 4 bits except in a few
#: blocks, where all 8 layers are at 8 bits (ANT's mixed precision).  zoo name -> (blocks, indices
#: of the 8-bit blocks, 0-based); lines of those blocks in ant_bench.py:
#: ViT-B (list ``vit``, conv line 2, blocks from line 3): 43-50, 67-74;
#: ViT-H (``vit_huge``, conv line 103, blocks from 104): 136-151, 176-183, 272-279, 304-319;
#: OPT-6.7B (``opt``, blocks from line 362): 378-385, 418-425, 490-497, 522-529, 538-553;
#: LLaMA-2-13B (``llama``, blocks from line 620): 620-635, 644-651, 708-715, 780-787, 852-867, 884-891.
#: Over the four benches: 376 main linears at 4 bits, 552 linears at 8 bits (plus the 2 ViT convs).
ANT_BENCH_8BIT_BLOCKS: dict[str, tuple[int, tuple[int, ...]]] = {
    "vit-b": (12, (5, 8)),
    "vit-h": (32, (4, 5, 9, 21, 25, 26)),
    "opt-6.7b": (32, (2, 7, 16, 20, 22, 23)),
    "llama2-13b": (40, (0, 1, 3, 11, 20, 29, 30, 33)),
}
#: the preset whose runs follow ant_bench.py's per-block precisions, and the quant preset of its
#: 8-bit blocks (ant_bench.py precision 8 for both operands: INT8 x INT8, the artifact's pf = 1)
ANT_BENCH_PRESET = "mixpe-ant"
ANT_8BIT_QUANT = "w8a8"


@lru_cache(maxsize=512)
def _run_block(model: str, quant: str, preset: str, pe_energy: str) -> tuple[int, float, int]:
    """(cycles, energy pJ, dequant ops) of one block's linears in ``quant`` on a preset."""
    hw = _preset(preset, pe_energy)
    d = get_design(hw.design)
    r = d.simulate(d.compile(linear_trace(model, quant), hw), hw)
    return r.total_cycles, r.total_energy_pj, int(r.meta.get("dequant_ops", 0))


def ant_bench_mix(model: str) -> tuple[int, int]:
    """(blocks, blocks at 8 bits) of the artifact's ANT bench for ``model`` (ant_bench.py)."""
    blocks, eight = ANT_BENCH_8BIT_BLOCKS[model]
    return blocks, len(eight)


@lru_cache(maxsize=512)
def run(model: str, quant: str, preset: str, pe_energy: str = "synthesised") -> tuple[float, float, float]:
    """(cycles, energy pJ, dequant ops) of one block's linears on a preset (``pe_energy``: one of
    :data:`PE_ENERGY_MODELS`).  On :data:`ANT_BENCH_PRESET` the block is the mean block of the
    artifact's ANT bench: ``quant`` in its 4-bit blocks, :data:`ANT_8BIT_QUANT` in its 8-bit ones
    (:data:`ANT_BENCH_8BIT_BLOCKS`), so the values are per-block averages (not integers)."""
    if preset != ANT_BENCH_PRESET:
        return _run_block(model, quant, preset, pe_energy)
    blocks, eight = ant_bench_mix(model)
    low = _run_block(model, quant, preset, pe_energy)
    high = _run_block(model, ANT_8BIT_QUANT, preset, pe_energy)
    c, e, dq = (((blocks - eight) * lo + eight * hi) / blocks for lo, hi in zip(low, high, strict=True))
    return c, e, dq


def _geo(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


@lru_cache(maxsize=32)
def basis(preset: str, quant: str) -> tuple[int, float]:
    """(PEs of the authors' array, peak MACs/cycle in the run's linear formats) of a preset:
    ``static.pes`` (falling back to R x C) and ``R * C * lanes / passes`` of the first linear."""
    from llmaccel.sim.mixpe.params import from_preset, mixpe_machine

    p = from_preset(_preset(preset))
    m = mixpe_machine(p)
    op = linear_trace(MODELS[0][1], quant).ops[0]
    pes = p.static.pes or p.array.rows * p.array.cols
    return pes, m.peak_macs_per_cycle / m.pe.passes(op.a_spec, op.b_spec, op.name)


#: The artifact's ViT benches (bitfusion/src/benchmarks/*_bench.py; run_mix.py batch_size = 64)
#: run the whole model -- every block's linears at M = 64 -- plus the patch-embedding conv as a
#: GEMM of M = 64 images x 196 patches, K = 3 x 16 x 16, N = hidden (int48_bench.py line 3 for
#: ViT-B [768, 3, 16, 16] then 12 blocks of 8 layers, lines 4-99; line 104 for ViT-H [1280, 3, 16,
#: 16] then 32 blocks, lines 105-360).  zoo name -> (blocks, conv N).
ARTIFACT_VIT = {"vit-b": (12, 768), "vit-h": (32, 1280)}
ARTIFACT_CONV_M = 64 * 196
ARTIFACT_CONV_K = 3 * 16 * 16
#: Precision of the conv layer in each machine's bench (line 3 of int48 / mixfloat / ant /
#: bitfusion / int88 / float_bench.py: 8, 16, 8, 8, 8, 16) as a quant preset of ours.
ARTIFACT_CONV_QUANT = {
    "mixpe-w4a8": "w8a8",
    "mixpe-w4a16": "fp16",
    "mixpe-ant": "w8a8",
    "bitfusion": "w8a8",
    "mixpe-int8": "w8a8",
    "mixpe-fp16": "fp16",
}


@lru_cache(maxsize=16)
def conv_trace(model: str, quant: str) -> Trace:
    """The artifact's ViT patch-embedding conv as one GEMM in ``quant``'s linear formats."""
    _, hidden = ARTIFACT_VIT[model]
    q = linear_trace(model, quant).ops[0]
    conv = replace(
        q, name="patch_embed", m=ARTIFACT_CONV_M, n=hidden, k=ARTIFACT_CONV_K, layer=-1, count=1, role="embed"
    )
    return Trace(model, [conv], linear_trace(model, quant).requests, {"subset": "patch embedding conv"})


@lru_cache(maxsize=64)
def run_artifact_workload(model: str, quant: str, preset: str) -> tuple[float, float]:
    """(cycles, energy pJ) of the artifact's bench for ``model``: ViT = all blocks' linears plus
    the patch-embedding conv (no dequantization beside the conv, as in the benches: the machine
    runs it with ``dequant.placement: in_pe``, which dequantizes only group-quantized weights);
    OPT / LLaMA = one block (the benches' blocks are identical, so the ratios are one block's)."""
    cycles, energy, _ = run(model, quant, preset)
    if model not in ARTIFACT_VIT:
        return cycles, energy
    blocks, _ = ARTIFACT_VIT[model]
    hw = _preset(preset).with_overrides({"dequant.placement": "in_pe"})
    d = get_design(hw.design)
    r = d.simulate(d.compile(conv_trace(model, ARTIFACT_CONV_QUANT[preset]), hw), hw)
    return blocks * cycles + r.total_cycles, blocks * energy + r.total_energy_pj


def paper_dequant_ratio(model: str, quant: str) -> float:
    """Dequantization operations MixPE / baseline counted the paper's way over the linears of
    one block: ``K*N/G`` per GEMM for MixPE (one per group per weight column) vs ``K*N``
    per GEMM for a baseline (one per weight)."""
    ops = linear_trace(model, quant).ops
    mix = sum(o.n * math.ceil(o.k / (o.b_spec.group_size or o.k)) for o in ops)
    base = sum(o.n * o.k for o in ops)
    return mix / base


def _artifact_geo(cfg: str, baseline: str, metric: str) -> float | None:
    """Geometric mean over the four models of :func:`artifact_ratio`."""
    vals = [artifact_ratio(label, cfg, baseline, metric) for label, _ in MODELS]
    known = [v for v in vals if v is not None]
    return _geo(known) if len(known) == len(vals) else None


#: Why a ratio differs from the artifact's: named facts, shares measured (docs/mixpe.md section 7,
#: from the artifact's own cycle formula, accelerator.py get_compute_cycles_output_stationary, on
#: its bench shapes), nothing tuned.
_GAP_COMMON = (
    "our MixPE PEs lay their 4 lanes out 2 x 2 over M and N as the artifact does (accelerator.py line "
    "125 ceil(M/(a pf)) ceil(N/(c pf)) K, pf = 2 for W4A8 and W4A16), so at M = 64 half the lanes idle "
    "in both; the artifact counts no fill/drain (ours, R + C - 2 + L - 1 per fold of K beats: 3 % of "
    "an OPT W4A8 linear, 14 % at ViT's K = 768; it lowers our ratios); our ANT runs its bench's "
    "per-block precisions (ant_bench.py: 4-bit main linears, all 8 layers at 8 bits in 2/12 ViT-B, "
    "6/32 ViT-H, 6/32 OPT, 8/40 LLaMA blocks); its LLaMA-2-13B bench has a 4 x 5120 = 20480 "
    "FFN without gate, ours the model's 13824 gate/up/down"
)
_GAP_CYCLES = {"W4A8": _GAP_COMMON, "W4A16": _GAP_COMMON}
_GAP_ENERGY = (
    "energy follows the cycles (the artifact's core energy is PE power x cycles, as ours with the "
    "synthesised PE powers); its Buffer energy is CACTI per bit, ours 10 pJ per 64-bit access "
    "(Horowitz 8 KB); its energy lines are two-decimal fractions of FP16's total"
)


def _artifact_gap(cfg: str, metric: str, paper: float | None) -> str:
    if paper is None:
        return ""
    gap = _GAP_CYCLES[cfg] if metric == "speedup" else _GAP_ENERGY + "; cycles: " + _GAP_CYCLES[cfg]
    return (
        "; paper = the authors' artifact output results/mixpe_res.csv (normalised to FP16, two decimals), "
        f"which the paper's figure plots. Gap: {gap}"
    )


def _runs(cfg: str) -> dict[str, tuple[str, str]]:
    """baseline label -> (preset, quant) of one MixPE configuration."""
    quant, _, figna = CONFIGS[cfg]
    return {**PAPER_BASELINES, "FIGNA-like": (figna, quant), **OLIVE_ANT}


_LINEARS_ONLY = (
    "; the linears of one block (the paper's stated workload); the artifact's output is compared on "
    "its own benches in row 'geomean {cfg} (artifact's benches)'"
)
_BENCH_WORKLOAD = (
    "the artifact's benches: ViT-B / ViT-H = all 12 / 32 blocks' linears plus the patch-embedding conv "
    "(M = 64 x 196, K = 768, N = hidden; 8-bit on the 8-bit machines, 16-bit on W4A16 and FP16), "
    "OPT-6.7B / LLaMA-2-13B = one block (identical blocks)"
)


def artifact_bench_ratios(cfg: str, baseline: str) -> tuple[list[float], list[float]]:
    """(speedups, energy reductions) of MixPE ``cfg`` over a paper baseline per model, on the
    artifact's bench workloads (:func:`run_artifact_workload`)."""
    quant, mixpe, _ = CONFIGS[cfg]
    preset, bq = PAPER_BASELINES[baseline]
    sp, er = [], []
    for _, model in MODELS:
        c0, e0 = run_artifact_workload(model, quant, mixpe)
        c1, e1 = run_artifact_workload(model, bq, preset)
        sp.append(c1 / c0)
        er.append(e1 / e0)
    return sp, er


def _artifact_bench_rows(cfg: str, baseline: str) -> list[ReproRow]:
    sp, er = artifact_bench_ratios(cfg, baseline)
    mean = "geometric mean over OPT-6.7B, LLaMA-2-13B, ViT-B, ViT-H on " + _BENCH_WORKLOAD
    out = []
    for metric, vals in (("speedup", sp), ("energy reduction", er)):
        paper = _artifact_geo(cfg, baseline, metric)
        out.append(
            ReproRow(
                DESIGN,
                f"geomean {cfg} (artifact's benches)",
                metric,
                baseline,
                paper,
                _geo(vals),
                mean + _artifact_gap(cfg, metric, paper),
            )
        )
    return out


def reproduce() -> list[ReproRow]:
    rows: list[ReproRow] = []
    speed: dict[tuple[str, str], list[float]] = {}
    energy: dict[tuple[str, str], list[float]] = {}
    for cfg, (quant, mixpe, _figna) in CONFIGS.items():
        baselines = _runs(cfg)
        for label, model in MODELS:
            c0, e0, _ = run(model, quant, mixpe)
            for bl, (preset, bq) in baselines.items():
                c1, e1, _ = run(model, bq, preset)
                s, er = c1 / c0, e1 / e0
                speed.setdefault((cfg, bl), []).append(s)
                energy.setdefault((cfg, bl), []).append(er)
                wl = f"{label} b{BATCH_TOKENS} {cfg}"
                fmt = bq
                if preset == ANT_BENCH_PRESET:
                    blocks, eight = ant_bench_mix(model)
                    fmt = f"{bq}; {ANT_8BIT_QUANT} in {eight} of {blocks} blocks as ant_bench.py, mean block"
                why = f"{mixpe} ({quant}) vs {preset} ({fmt}); {_COMMON}"
                rows.append(ReproRow(DESIGN, wl, "speedup", bl, None, s, why))
                rows.append(ReproRow(DESIGN, wl, "energy reduction", bl, None, er, why))
        pes0, peak0 = basis(mixpe, quant)
        for bl, (preset, bq) in baselines.items():
            geo = _geo(speed[(cfg, bl)])
            mean = "geometric mean over OPT-6.7B, LLaMA-2-13B, ViT-B, ViT-H"
            rows.append(
                ReproRow(
                    DESIGN,
                    f"geomean {cfg}",
                    "speedup",
                    bl,
                    None,
                    geo,
                    mean + _LINEARS_ONLY.format(cfg=cfg),
                )
            )
            if preset.startswith(("mixpe", "bitfusion", "figna")):  # presets of this engine
                pes1, peak1 = basis(preset, bq)
                rows.append(
                    ReproRow(
                        DESIGN,
                        f"geomean {cfg}",
                        "speedup at the same PE count",
                        bl,
                        None,
                        geo * pes1 / pes0,
                        f"basis: speedup x baseline PEs / MixPE PEs = x {pes1}/{pes0} (the artifact's arrays, "
                        "conf_*.ini; the paper compares them as configured, not iso-PE)",
                    )
                )
                rows.append(
                    ReproRow(
                        DESIGN,
                        f"geomean {cfg}",
                        "speedup at the same peak MACs",
                        bl,
                        None,
                        geo * peak1 / peak0,
                        f"basis: speedup x baseline / MixPE peak MACs per cycle in the run's formats = x "
                        f"{peak1:g}/{peak0:g}",
                    )
                )
                ratio = area(mixpe) / area(preset)
                rows.append(
                    ReproRow(
                        DESIGN,
                        f"geomean {cfg}",
                        "area ratio (MixPE / baseline)",
                        bl,
                        None,
                        ratio,
                        "PE products + accumulate adders + dequantizers + SRAM, Horowitz areas "
                        "scaled by RTL cell ratios (sim/mixpe/area.yaml); the artifact's arrays are "
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
                        geo / ratio,
                        "basis: same area -- geomean speedup / area ratio",
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
                    mean + _LINEARS_ONLY.format(cfg=cfg),
                )
            )
            if bl in PAPER_BASELINES:
                rows.extend(_artifact_bench_rows(cfg, bl))
            if preset.startswith(("mixpe", "bitfusion", "figna")):  # presets of this engine
                e_pa = [
                    run(model, bq, preset, "per_action")[1] / run(model, quant, mixpe, "per_action")[1]
                    for _, model in MODELS
                ]
                rows.append(
                    ReproRow(
                        DESIGN,
                        f"geomean {cfg}",
                        "energy reduction (per-action PE energy)",
                        bl,
                        None,
                        _geo(e_pa),
                        "the same runs with the PE array charged per MAC (Horowitz-based product + "
                        "accumulate actions, sim/mixpe/energy.yaml; W4A16's lane-MAC an FP32 add) instead "
                        "of the artifact's synthesised PE power per PE-cycle; " + mean,
                    )
                )
    # area-saving variant: one dequantizer per 32 PEs (no stalls at g128) -> same cycles, less area
    for cfg, (_quant, mixpe, _) in CONFIGS.items():
        shared = f"{mixpe}-shared-dq"
        ratio = area(shared) / area(PAPER_BASELINES["ANT"][0])
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

    # headline: the strongest paper baseline is the one MixPE beats by the least, on the
    # artifact's benches (its output is what the paper reports); linears-only kept beside it
    bench = {(cfg, bl): artifact_bench_ratios(cfg, bl) for cfg in CONFIGS for bl in PAPER_BASELINES}
    geo_all = {bl: _geo(bench[("W4A8", bl)][0] + bench[("W4A16", bl)][0]) for bl in PAPER_BASELINES}
    strongest = min(geo_all, key=lambda bl: geo_all[bl])
    e_all = _geo(bench[("W4A8", strongest)][1] + bench[("W4A16", strongest)][1])
    lin_all = {bl: _geo(speed[("W4A8", bl)] + speed[("W4A16", bl)]) for bl in PAPER_BASELINES}
    lin_strongest = min(lin_all, key=lambda bl: lin_all[bl])
    lin_e = _geo(energy[("W4A8", lin_strongest)] + energy[("W4A16", lin_strongest)])
    why = (
        f"strongest paper baseline in this model = {strongest} (fewest cycles); geomean over 4 models x "
        "{W4A8, W4A16} on " + _BENCH_WORKLOAD + "; each baseline in its own formats on the artifact's "
        "array (basis: as the artifact "
        "configures them -- MixPE W4A8 has 4096 PEs, ANT/INT8 1024, BitFusion 1280, FP16 896; see the "
        "same-PE-count / same-peak / per-area rows). The paper does not say how its 2.6x averages over "
        "baselines, models and configurations; baselines' dequantization as the artifact runs it (an "
        "extra M*K*N/8 layer on the array); no constant was tuned. Gap: " + _GAP_COMMON
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
            why + "; energy = the artifact's synthesised PE dynamic power x PE count per compute cycle, its "
            "PE leakage and 484.6 mW DRAM background power x time, its 0.63 pJ/bit DRAM, SRAM per access "
            "(" + _GAP_ENERGY + ")",
        )
    )
    lin_why = (
        f"strongest paper baseline = {lin_strongest}; geomean over 4 models x {{W4A8, W4A16}} on the linears of "
        "one block (the paper's stated workload); the paper's 2.6x / 1.4x are compared on the artifact's "
        "benches in the rows above"
    )
    rows.append(
        ReproRow(
            DESIGN,
            "geomean all (linears only)",
            "speedup vs strongest baseline",
            lin_strongest,
            None,
            lin_all[lin_strongest],
            lin_why,
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            "geomean all (linears only)",
            "energy reduction vs strongest baseline",
            lin_strongest,
            None,
            lin_e,
            lin_why,
        )
    )
    # dequantization work, counted the paper's way and the way the model charges it
    quant, mixpe, _ = CONFIGS["W4A8"]
    label, model = MODELS[0]
    rows.append(
        ReproRow(
            DESIGN,
            f"{label} b{BATCH_TOKENS} W4A8",
            "dequant ops MixPE / baseline (paper's count)",
            "INT8",
            1 / 128,
            paper_dequant_ratio(model, quant),
            "counted as the paper does, from the block's GEMM shapes: K*N/G per GEMM for MixPE (one per "
            "group per weight column) vs K*N per GEMM for a baseline (one per weight). The artifact "
            "implements both as extra array layers of M*K*N/1024 and M*K*N/8 MACs (int48/int88_bench.py), "
            "the same 1/G ratio",
        )
    )
    _, _, dq_mix = run(model, quant, mixpe)
    int8, int8_quant = PAPER_BASELINES["INT8"]
    _, _, dq_base = run(model, int8_quant, int8)
    rows.append(
        ReproRow(
            DESIGN,
            f"{label} b{BATCH_TOKENS} W4A8",
            "dequant ops MixPE / baseline (as simulated)",
            "INT8",
            None,
            dq_mix / dq_base,
            "what the cycle model charges: one dequantization per group per OUTPUT for MixPE "
            "(m*n*k/G, M/G = 64/128 of the baseline) vs each weight once per M block (k*n per GEMM "
            "at M = 64) for the baseline (whose dequantization runs as the artifact's extra array layer "
            "of M*K*N/8 MACs); the paper's K*N/G per GEMM holds for M = 1",
        )
    )
    return rows
