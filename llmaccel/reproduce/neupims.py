"""NeuPIMs paper comparison rows (``llmaccel reproduce neupims``).

Workloads as in spec/neupims.md: GPT3-7B/13B (TP 4), 30B (TP 4, PP 2), 175B (TP 8, PP 4)
decode snapshots drawn from ShareGPT-like and Alpaca-like length distributions (seed 0),
batches 64..512.  One block is simulated and the device's share of blocks
(layers / PP) scaled; throughput = batch / iteration time of one device (each pipeline
stage holds its own batch, so PP does not change per-device throughput).

Systems: GPU-only (A100-40GB, sim.gpu achieved model on the same TP shard; attention
issued as 3 batched kernels per layer), NPU-only, naive NPU+PIM, NeuPIMs, and ablations.

[R]: the paper's text as a section-by-section condensed rewrite (paraphrased; its tables and
figures are images we could not read): repo para1lel/asabook, commit e10d67f2037b,
docs/en/papers/neupims.md.  Every number it states that we can check elsewhere (abstract 3x /
2.4x / 1.6x; power 1.8x, energy 25 %) agrees.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from llmaccel.reproduce import ReproRow
from llmaccel.sim.dram import load_dram
from llmaccel.sim.dram.channel import run_device
from llmaccel.sim.dram.patterns import analytical_bounds, random_access, streaming
from llmaccel.sim.gpu.achieved import achieved_of, framework, op_work_s, pass_time
from llmaccel.sim.neupims.design import compile_trace, iteration_energy
from llmaccel.sim.neupims.params import neupims_params
from llmaccel.sim.neupims.pim import PimTiming
from llmaccel.sim.neupims.pipeline import simulate_iteration
from llmaccel.sim.neupims.utilisation import pim_busy_per_channel
from llmaccel.sim.preset import load_preset
from llmaccel.workload import model_trace
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.zoo import get_model

DESIGN = "neupims"
SEED = 0
MODELS = {"gpt3-7b": (4, 1), "gpt3-13b": (4, 1), "gpt3-30b": (4, 2), "gpt3-175b": (8, 4)}
BATCHES = (64, 128, 256, 512)
SYSTEMS = {"npu-only": "neupims-npu-only", "naive": "neupims-naive", "neupims": "neupims"}
#: NeuPIMs compares against an A100 40 GB (spec/neupims.md: GPU-only A100; issue 11).
GPU_PRESET = "a100-40gb"


@cache
def _trace(model: str, batch: int, dist: str):
    tp, _pp = MODELS[model]
    return model_trace(model, "decode", batch, dist=dist, seed=SEED, clip=True, tp=tp, layers=1)


def _layers(model: str) -> int:
    tp, pp = MODELS[model]
    return get_model(model).num_hidden_layers // pp


@cache
def run_system(model: str, batch: int, dist: str, preset: str, overrides: tuple = ()):
    """(tokens/s, IterationResult, energy pJ dict, params) of one configuration.

    ``overrides``: ((dotted key, value), ...) applied to the preset (feature ablations)."""
    hw = _preset(preset)
    if overrides:
        hw = hw.with_overrides(dict(overrides), "reproduce ablation")
    p, dram = neupims_params(hw)
    prog = compile_trace(_trace(model, batch, dist))
    it = simulate_iteration(prog.work, _layers(model), p, dram)
    secs = it.cycles / (p.npu.clock_mhz * 1e6)
    return batch / secs, it, iteration_energy(it, p, dram), p


@cache
def run_gpu(model: str, batch: int, dist: str) -> float:
    """GPU-only tokens/s: sim.gpu achieved model on the same TP shard, attention batched into 3 kernels."""
    hw = _preset(GPU_PRESET)
    p, a = achieved_of(hw)
    tr = _trace(model, batch, dist)
    attn = sum(1 for op in tr.ops if op.role in ("attn_score", "softmax", "attn_context"))
    kernels = len(tr.ops) - attn + 3
    layers = _layers(model)
    work = sum(op_work_s(op, p, a) for op in tr.ops)
    return batch / pass_time(work * layers, kernels * layers, a).seconds


@cache
def _preset(name: str):
    return load_preset(name)


def _geo(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def reproduce() -> list[ReproRow]:
    rows: list[ReproRow] = []
    dist = "sharegpt"
    ok: dict[tuple[str, int], dict[str, float]] = {}
    skipped = []
    for model in MODELS:
        for b in BATCHES:
            try:
                tps = {s: run_system(model, b, dist, pr)[0] for s, pr in SYSTEMS.items()}
            except InputError as e:
                skipped.append(f"{model} b{b}: {e}")
                continue
            tps["gpu"] = run_gpu(model, b, dist)
            ok[(model, b)] = tps
            for s in ("gpu", "npu-only", "naive", "neupims"):
                rows.append(
                    ReproRow(
                        DESIGN,
                        f"{model} b{b} {dist}",
                        f"throughput tokens/s ({s})",
                        None,
                        None,
                        round(tps[s], 1),
                        "per device; one block simulated and scaled",
                    )
                )
    note = "; ".join(skipped)
    paper = {"gpu": 3.0, "npu-only": 2.4, "naive": 1.6}
    for base, pv in paper.items():
        sp = _geo([v["neupims"] / v[base] for v in ok.values()])
        extra = gpu_note(ok, paper) if base == "gpu" else ""
        rows.append(
            ReproRow(
                DESIGN,
                "geomean GPT3-7B..175B, b64..512, ShareGPT",
                "NeuPIMs speedup",
                base,
                pv,
                round(sp, 3),
                _SPEEDUP_NOTE[base]
                + extra
                + (busy_note(dist) if base == "naive" else "")
                + (f" Skipped (KV exceeds HBM): {note}" if note else ""),
            )
        )
    # [R] sec. 8.2: "Integrating PIM with the NPU gives an average 1.5x improvement over NPU-only"
    naive_npu = _geo([v["naive"] / v["npu-only"] for v in ok.values()])
    rows.append(
        ReproRow(
            DESIGN,
            "geomean GPT3-7B..175B, b64..512, ShareGPT",
            "naive NPU+PIM speedup",
            "npu-only",
            1.5,
            round(naive_npu, 3),
            "paper ([R] sec. 8.2): 'Integrating PIM with the NPU gives an average 1.5x improvement over NPU-only by "
            "offloading MHA GEMV'; model: geomean over the headline configurations of naive / NPU-only tokens/s.  "
            "The paper's 1.5 equals its 2.4 / 1.6, ours is our NeuPIMs-over-NPU-only / NeuPIMs-over-naive "
            f"({_geo([v['neupims'] / v['npu-only'] for v in ok.values()]):.3f} / "
            f"{_geo([v['neupims'] / v['naive'] for v in ok.values()]):.3f}), so the miss is the two rows' gaps "
            "together: our naive runs too fast beside NeuPIMs (the vs-naive row, after the artifact's serial naive "
            "PIM issue) and, with the artifact's GEMMs at "
            "76-89 % of peak, NeuPIMs and naive both gain more over NPU-only (whose attention GEMVs stay slow on "
            "the arrays) than the paper's do.  Missing fact: what the paper's naive NPU+PIM pays that ours does not "
            "(its per-configuration bars, Figure 12, and its MHA time breakdown are images we could not read), and "
            "the NPU of the paper's runs; see the vs-naive row.",
        )
    )
    # per batch size (paper: gains grow with batch)
    for b in BATCHES:
        sel = [v for (m, bb), v in ok.items() if bb == b]
        for base in paper:
            rows.append(
                ReproRow(
                    DESIGN,
                    f"geomean GPT3 (fitting HBM) b{b}, ShareGPT",
                    "NeuPIMs speedup",
                    base,
                    None,
                    round(_geo([v["neupims"] / v[base] for v in sel]), 3),
                    f"{len(sel)} model(s); NeuPIMs interleaves sub-batches only at batch >= 256 "
                    "(artifact README); below it runs dual row buffers + greedy channels alone",
                )
            )
    # sensitivity: the physically tighter weight-stationary schedule instead of the artifact's
    ov: tuple[tuple[str, Any], ...] = (("npu.gemm_schedule", "pipelined"),)
    alt: dict[tuple[str, int], dict[str, float]] = {}
    for key in ok:
        alt[key] = {sname: run_system(key[0], key[1], dist, pr, ov)[0] for sname, pr in SYSTEMS.items()}
        alt[key]["gpu"] = ok[key]["gpu"]
    for base, pv in paper.items():
        sens = _geo([v["neupims"] / v[base] for v in alt.values()])
        rows.append(
            ReproRow(
                DESIGN,
                "geomean GPT3-7B..175B, b64..512, ShareGPT",
                "NeuPIMs speedup, sensitivity (npu.gemm_schedule pipelined)",
                base,
                None,
                round(sens, 3),
                f"sensitivity, not scored in docs/fidelity.md: the paper's {pv:g}x is scored once, on the "
                "headline row, against the GEMM schedule the authors ran (the artifact's); against this "
                f"schedule it would be a {sens / pv - 1:+.0%} miss.  Schedule: weights stationary, tokens "
                "streamed, tiles split over the 8 arrays (~100 % array efficiency at >= 128 tokens); GEMMs then "
                "become weight-bandwidth bound below ~290 tokens and each sub-batch re-reads the weights; "
                "NPU-only GEMVs on the vector units",
            )
        )
    for base in paper:
        v = alt[("gpt3-7b", 512)]
        rows.append(
            ReproRow(
                DESIGN,
                "gpt3-7b b512 sharegpt",
                "NeuPIMs speedup, sensitivity (npu.gemm_schedule pipelined)",
                base,
                None,
                round(v["neupims"] / v[base], 3),
                "sensitivity at the largest batch that fits (no paper value at this point)",
            )
        )
    # ShareGPT vs Alpaca at 7B
    for d in ("sharegpt", "alpaca"):
        for b in (256, 512):
            nv = run_system("gpt3-7b", b, d, "neupims")[0] / run_system("gpt3-7b", b, d, "neupims-naive")[0]
            rows.append(
                ReproRow(
                    DESIGN,
                    f"gpt3-7b b{b} {d}",
                    "NeuPIMs speedup",
                    "naive",
                    None,
                    round(nv, 3),
                    "paper: gains larger on ShareGPT than Alpaca (no number)",
                )
            )
    # ablation across batch sizes (GPT3-7B ShareGPT; GPT3-30B at b256), relative to naive NPU+PIM
    abl: dict[tuple[str, int], dict[str, float]] = {}
    for model, b in [("gpt3-7b", bb) for bb in BATCHES] + [("gpt3-30b", 256)]:
        base = run_system(model, b, dist, "neupims-naive")[0]
        for pr, ov, label in ABLATIONS:
            abl.setdefault((model, b), {})[label] = run_system(model, b, dist, pr, ov)[0] / base
            rows.append(
                ReproRow(
                    DESIGN,
                    f"{model} b{b} {dist}",
                    f"ablation speedup: {label}",
                    "naive",
                    None,
                    round(abl[(model, b)][label], 3),
                    "each feature switched in the preset; same requests and placement inputs; "
                    "interleaving only at batch >= 256 (artifact README)",
                )
            )
        if model != "gpt3-7b":
            continue
        forced = run_system(model, b, dist, "neupims", (("features.sub_batch_min_batch", 0),))[0]
        rows.append(
            ReproRow(
                DESIGN,
                f"{model} b{b} {dist}",
                "ablation speedup: NeuPIMs, interleaving at every batch",
                "naive",
                None,
                round(forced / base, 3),
                "why the artifact gates interleaving at 256: under its activation-stationary GEMM "
                "schedule a sub-batch of < 128 tokens costs a whole 128-token tile",
            )
        )
    rows.append(dual_ablation_row(abl, dist))
    # stage-rule composition checked against the command-level channel (every channel's weight reads and
    # PIM commands arbitrated per command, sim.neupims.mixed)
    for pr, ov, why in (
        ("neupims", (), "artifact GEMM schedule: NPU compute bounds every stage"),
        ("neupims-no-dual", (), "artifact GEMM schedule; blocked: weight reads wait for PIM mode"),
        ("neupims-naive", (), "artifact GEMM schedule; MHA stage has no weight reads"),
        (
            "neupims",
            (("npu.gemm_schedule", "pipelined"),),
            "pipelined GEMMs: weight reads bind, so the PIM commands' bus cycles and tFAW share show up",
        ),
        ("neupims-no-dual", (("npu.gemm_schedule", "pipelined"),), "pipelined GEMMs, blocked"),
    ):
        st = run_system("gpt3-7b", 256, dist, pr, ov)[1]
        cm = run_system("gpt3-7b", 256, dist, pr, ov + (("composition", "command"),))[1]
        label = pr + (" pipelined" if ov else "")
        rows.append(
            ReproRow(
                DESIGN,
                f"gpt3-7b b256 {dist}",
                f"iteration cycles, command-level / stage rule ({label})",
                "stage rule",
                None,
                round(cm.cycles / st.cycles, 4),
                f"command level {cm.cycles:,} vs stage rule {st.cycles:,} cycles; {why}",
            )
        )
    # channel load balance: PIM MHA time per block (slowest channel), greedy orders vs round robin
    for b in (256, 512):
        cyc = {}
        for pol in ("greedy_longest_first", "greedy", "round_robin"):
            _t, it, _e, _p = run_system(
                "gpt3-7b", b, dist, "neupims-no-interleave", (("features.channel_policy", pol),)
            )
            cyc[pol] = it.pim_busy / it.layers
        for pol in ("round_robin", "greedy"):
            rows.append(
                ReproRow(
                    DESIGN,
                    f"gpt3-7b b{b} {dist}",
                    f"PIM MHA cycles per block, {pol.replace('_', ' ')} / greedy longest first",
                    "greedy_longest_first",
                    None,
                    round(cyc[pol] / cyc["greedy_longest_first"], 3),
                    f"slowest channel: greedy longest first (the artifact's trace generator) "
                    f"{cyc['greedy_longest_first']:.0f}, greedy in batch order {cyc['greedy']:.0f}, "
                    f"round robin {cyc['round_robin']:.0f} cycles",
                )
            )
    rows.extend(utilisation_rows(dist))
    rows.extend(mean_utilisation_rows(dist, sorted(ok)))
    rows.extend(energy_rows(dist, sorted(ok)))
    rows.extend(dram_rows())
    return rows


#: the NeuPIMs branch's PIM issue (composite commands, all channels at once; artifact main,
#: src/NeuPIMSystolicWS.cc:165): every NeuPIMs technique exists only on that branch, so an ablation
#: that switches one on from the naive preset (npu+pim branch, serial fine-grained issue) runs it there
MAIN_ISSUE: tuple[str, Any] = ("pim.issue", "composite_parallel")

#: (preset, overrides, label) of the ablation rows; "alone" = the naive baseline with one feature switched on
ABLATIONS: tuple[tuple[str, tuple[tuple[str, Any], ...], str], ...] = (
    (
        "neupims-naive",
        (("features.dual_row_buffer", True), MAIN_ISSUE),
        "dual row buffer alone (blocked -> dual; round robin; composite PIM issue)",
    ),
    (
        "neupims-naive",
        (("features.sub_batch_interleaving", True), MAIN_ISSUE),
        "sub-batch interleaving alone (blocked PIM; round robin; composite PIM issue)",
    ),
    ("neupims-no-interleave", (), "dual row buffer + greedy (no interleaving)"),
    ("neupims-no-dual", (), "interleaving + greedy (blocked PIM)"),
    ("neupims-round-robin", (), "dual + interleaving (round robin)"),
    ("neupims", (), "NeuPIMs (all)"),
    (
        "neupims-naive",
        (MAIN_ISSUE,),
        "composite PIM issue alone (naive with the NeuPIMs branch's command issue; blocked, round robin)",
    ),
)


def dual_ablation_row(abl: dict[tuple[str, int], dict[str, float]], dist: str) -> ReproRow:
    """The paper's dual-row-buffer ablation step ([R] sec. 8.2, Figure 13, GPT3-7B ShareGPT): "Dual row
    buffers provide an average 69.7% throughput improvement", scored as the mean over our 7B batches of
    naive-with-dual-row-buffers / naive."""
    dual, inter, dual_inter, comp = ABLATIONS[0][2], ABLATIONS[1][2], ABLATIONS[4][2], ABLATIONS[-1][2]
    per = {b: abl[("gpt3-7b", b)] for b in BATCHES}
    mean = sum(v[dual] for v in per.values()) / len(per)
    after_inter = sum(v[dual_inter] / v[inter] for v in per.values()) / len(per)
    comp_mean = sum(v[comp] for v in per.values()) / len(per)
    return ReproRow(
        DESIGN,
        f"mean gpt3-7b b{BATCHES[0]}..b{BATCHES[-1]} {dist}",
        f"ablation speedup: {dual}",
        "naive",
        1.697,
        round(mean, 3),
        "paper ([R] sec. 8.2, Figure 13, GPT3-7B ShareGPT): 'Starting from NPU+PIM, we add the three proposed "
        "techniques ... Dual row buffers provide an average 69.7% throughput improvement and have the largest "
        "effect because they enable concurrent NPU+PIM execution'; model: arithmetic mean over b"
        + "/".join(str(b) for b in BATCHES)
        + " of naive with dual row buffers / naive (the figure's batch sizes are in the image only).  The artifact "
        "has dual row buffers only on its main (NeuPIMs) branch, which issues composite PIM commands to all channels "
        "at once (src/NeuPIMSystolicWS.cc:165), while the naive npu+pim branch issues Newton's per-dot-product "
        "commands one per NPU cycle (:153), so this step switches the PIM issue too: "
        f"{min(v[dual] for v in per.values()) - 1:+.1%} to {max(v[dual] for v in per.values()) - 1:+.1%} per "
        f"batch, of which the issue alone (row 'composite PIM issue alone') gives {comp_mean - 1:+.1%} on average.  "
        "Without sub-batch interleaving the QKV -> MHA -> PF dependency leaves dual row buffers themselves only the "
        "MHA's softmax to overlap with the PIM GEMVs ([R] sec. 6.1; the naive baseline runs them in series), ~1 % "
        "of the MHA stage here (3 vector passes on 1,024 lanes).  Added after sub-batch "
        f"interleaving instead (round robin), dual row buffers would gain {after_inter - 1:+.1%} on average here "
        "(mostly at b256+, where interleaving runs).  Missing fact: what the paper's naive pays between the "
        "PIM GEMVs and the vector units beyond the softmax (a mode switch, or the logits read out through the "
        "normal path) and the order in which Figure 13 adds the techniques; neither is in the text we have.",
    )


def busy_note(dist: str) -> str:
    """Why NeuPIMs gains little over naive where it does: busy-time fractions at GPT3-30B b256."""
    fr = {}
    for pr in ("neupims-naive", "neupims"):
        _t, it, _e, _p = run_system("gpt3-30b", 256, dist, pr)
        fr[pr] = (it.npu_busy / it.cycles, it.pim_busy / it.cycles)
    dual = run_system("gpt3-30b", 256, dist, "neupims-naive", ABLATIONS[0][1])[0]
    naive = run_system("gpt3-30b", 256, dist, "neupims-naive")[0]
    wb = {pr: run_system("gpt3-30b", 256, dist, pr)[1].weight_bytes for pr in ("neupims-naive", "neupims")}
    return (
        "  PIM tiles are costed as the authors' NewtonSim charges them (G_ACTs of a rank tFAW apart, GWRITE "
        "96 cycles; ~1.9x the spec-timing reading per request).  Even so, at GPT3-30B b256 the NPU is busy "
        f"{fr['neupims-naive'][0]:.0%} (naive) / {fr['neupims'][0]:.0%} (NeuPIMs) of the iteration and the "
        f"slowest PIM channel {fr['neupims-naive'][1]:.0%} / {fr['neupims'][1]:.0%}.  Under the artifact's GEMM "
        f"schedule ({_ARTIFACT_GEMM}) a layer's GEMMs take about as long as its weights take to stream from HBM, "
        "and sub-batch interleaving reads the weights once per sub-batch (the artifact builds each sub-batch's "
        f"own MatMuls, src/StageProgram.cc; NeuPIMs reads {wb['neupims'] / wb['neupims-naive']:.2f}x naive's "
        "weight bytes here), so the interleaved stages are bound by the weight stream; dual row buffers alone (with "
        f"the NeuPIMs branch's composite PIM issue) gain {dual / naive - 1:.1%} there.  Missing for the paper's 1.6: "
        "below batch 256 the artifact gates interleaving off, leaving NeuPIMs its composite PIM issue and greedy "
        "longest-first channels over naive; from batch 256 "
        "interleaving pays only if the NPU's GEMMs outlast the doubled weight stream, i.e. an NPU slower than the "
        "artifact's code runs (its effective scratchpad, docs/neupims.md NPU) -- what NPU the paper's runs had is "
        "the missing fact."
    )


@cache
def pim_busy_mean(model: str, batch: int, dist: str, preset: str) -> float:
    """Iteration PIM busy cycles averaged over all channels, as the artifact counts ``pim_cycles``
    (:mod:`sim.neupims.utilisation`); 0 for NPU-only."""
    _tps, it, _e, p = run_system(model, batch, dist, preset)
    place = it.placement
    if place is None:
        return 0.0
    _p, dram = neupims_params(_preset(preset))
    n_req = len(place.kv_len)
    masks = [place.sub_batch == 0, place.sub_batch == 1] if p.features.interleaves(n_req) else [np.ones(n_req, bool)]
    pt = PimTiming.of(dram, p.pim)
    busy = pim_busy_per_channel(place, masks, pt, p.features.dual_row_buffer, dram.org.channels)
    return float(it.layers * busy.mean())


#: the artifact's GEMM schedule as we reproduce it (docs/neupims.md NPU), for the notes below
_ARTIFACT_GEMM = (
    "activation-stationary: a 128-cycle preload per 128-token x 128-K stationary tile, then one 16-cycle "
    "instruction per further 128 outputs; L2 tiles of half the 134,218 KiB scratchpad the artifact's simulator "
    "sizes from its config's sram_size, src/Common.cc:179, not the 1 MiB spad_size it never reads; the arrays "
    "issue at ~76-89 % of their MAC peak for >= 128 tokens, m/128 of that below"
)

_NPU_BUSY_NOTE = (
    "cycles the systolic arrays or vector units compute / iteration cycles, as the artifact counts NPU "
    "utilisation (NeuPIMSystolicWS::update_stats: a cycle counts while its compute or a vector pipeline holds "
    "an instruction); while busy, the artifact GEMM schedule issues at ~76-89 % of the arrays' MAC peak "
    "(>= 128 tokens; a stationary tile always spans 128 token slots), and vector-unit cycles count as busy, so "
    "busy time is above MAC utilisation"
)
_PIM_BUSY_NOTE = (
    "PIM busy cycles averaged over all 32 channels (idle channels count 0) / iteration cycles, as the artifact "
    "counts them (NeuPIMSCommandQueue::ClockTick: a cycle counts while the channel's PIM queue holds a command; "
    "JedecDRAMSystem::GetAvgPIMCycles: sum over channels / channels; logged per stage beside the stage cycles); "
    "PIM tiles costed as the authors' NewtonSim (G_ACTs of a rank tFAW apart, GWRITE 96 cycles)"
)


#: Table 4 of the paper, as [R] section 8.2 states it: "Table 4 compares average utilization for GPT3-30B,
#: batch size 256, and ShareGPT.  NPU+PIM raises NPU utilization to 28.0% by offloading MHA. ...
#: NeuPIMs reaches 64.9% NPU utilization and 26.4% PIM utilization through concurrent execution."
#: The naive PIM value only as [R] section 1 rounds it: "from 28% and 17% to 65% and 26%".
TABLE4 = ("gpt3-30b", 256, "sharegpt")
PAPER_UTILISATION = {
    ("neupims", "NPU"): 0.649,
    ("neupims", "PIM"): 0.264,
    ("neupims-naive", "NPU"): 0.280,
    ("neupims-naive", "PIM"): 0.17,
}
_TABLE4_SOURCE = (
    "  Paper: Table 4 ([R] sec. 8.2; one configuration, GPT3-30B, batch 256, ShareGPT): naive NPU+PIM NPU 28.0 % / "
    "PIM ~17 % (the naive PIM value only as sec. 1 rounds it), NeuPIMs NPU 64.9 % / PIM 26.4 %; caption 'Average "
    "utilization of NPU/PIM compute resources and memory bandwidth'; no definition beyond it."
)


def _npu_mac_note(pr: str, dist: str) -> str:
    """Why the paper's NPU utilisation is scored as MACs / peak, and what misses."""
    peak = 131_072
    only = run_system(*TABLE4[:2], dist, "neupims-npu-only")[1]
    ov = (("npu.gemm_schedule", "pipelined"),)
    alt = run_system(*TABLE4[:2], dist, pr, ov)[1]
    return (
        _TABLE4_SOURCE
        + "  Scored as MAC (compute) utilisation: the caption names 'compute resources', and the text says "
        "naive NPU+PIM 'raises NPU utilization to 28.0% by offloading MHA', so NPU-only is below 28 %: true of MACs / "
        f"peak (ours, NPU-only here: {only.npu_macs / (only.cycles * peak):.1%}), false of busy time (NPU-only "
        f"{only.npu_busy / only.cycles:.0%} busy: its GEMVs run on the arrays); busy time is the model-only row "
        "'NPU utilisation (busy time)'.  The artifact's GEMM schedule, which we reproduce (docs/neupims.md NPU; "
        f"{_ARTIFACT_GEMM}), would allow 64.9 %, but here NeuPIMs' interleaved stages wait on the weight stream "
        "(read once per sub-batch) while naive reads the weights once, so our NeuPIMs sits below the paper and our "
        "naive above it.  Missing fact: the NPU of the paper's runs (its MAC efficiency against its weight stream); "
        "under the tighter 'pipelined' schedule (sensitivity) "
        f"this row would be {alt.npu_macs / (alt.cycles * peak):.1%}."
    )


#: why the paper's PIM utilisation is scored as busy time of the PIM as a whole (= slowest channel)
_PIM_SCORED_NOTE = (
    _TABLE4_SOURCE + "  Scored as busy time of the PIM as one resource, i.e. while any channel runs PIM "
    "commands (= the slowest channel: every channel starts its MHA with the stage).  Why this reading: "
    "(1) the paper's own utilisation language is of one resource over time ([R] sec. 3.2: 'NPU utilization is "
    "almost zero while PIM runs MHA'); (2) MACs / peak is excluded: both systems do the same PIM MACs per "
    "token, so with the NPU scored as MACs NeuPIMs / naive would equal 64.9 / 28.0 = 2.32 for PIM too, not "
    "26.4 / 17 = 1.55; and a busy PIM tile reaches only ~22 % of its MAC peak (57 of 256 MAC/cycle at kv "
    "256; docs/neupims.md PIM), so 26 % MAC utilisation cannot happen; (3) the channel-mean reading (the "
    "artifact's counter, JedecDRAMSystem::GetAvgPIMCycles; model-only row 'PIM utilisation (busy time, "
    "channel mean)') counts the same channel work per token in both systems, so it too predicts a ratio "
    "near the speedup, while the busy time of the PIM as a whole falls per token when greedy channels "
    "balance what round robin leaves uneven, which is how 1.55 < 2.32 can arise.  Not conclusive (the text "
    "gives no definition; '17' is rounded).  Missing facts: the definition itself, and the paper's iteration "
    "time, which its NPU's GEMM efficiency and weight stream set (NPU MAC rows): a shorter iteration leaves PIM a "
    "larger share of it."
)


_PIM_SLOWEST_NOTE = (
    "slowest channel's PIM command-stream cycles (first GWRITE/G_ACT to last PIM_PRE + tRP per stage) / iteration "
    "cycles: the time the PIM as a whole is busy (some channel runs PIM commands), and the channel that bounds "
    "each stage."
)


def utilisation_rows(dist: str) -> list[ReproRow]:
    """NPU and PIM utilisation as busy-time fractions beside MACs / peak; the paper's Table 4 values on the
    GPT3-30B b256 rows (NPU: MACs / peak; PIM: busy time of the PIM as a whole, i.e. slowest channel)."""
    rows = []
    for model, b in (("gpt3-7b", 256), ("gpt3-7b", 512), ("gpt3-30b", 256)):
        table4 = (model, b, dist) == TABLE4
        for pr in ("neupims-naive", "neupims"):
            _tps, it, _e, p = run_system(model, b, dist, pr)
            _p, dram = neupims_params(_preset(pr))
            peak = p.npu.arrays * p.npu.rows * p.npu.cols
            pim_peak = dram.org.channels * dram.org.banks_per_channel * p.pim.lanes_per_bank / p.pim.comp_interval
            sysname = "NeuPIMs" if pr == "neupims" else "naive"
            npu_busy_note = _NPU_BUSY_NOTE + (
                ".  Model only at this point: the paper's NPU value is scored on 'NPU utilisation (MACs / peak)' "
                "(why there)"
                if table4
                else ""
            )
            pim_mean_note = _PIM_BUSY_NOTE + (
                ".  Model only: the paper's PIM value is scored on 'PIM utilisation (busy time, slowest channel)' "
                "(why there)"
                if table4
                else ""
            )
            for metric, val, note, unit in (
                ("NPU utilisation (busy time)", it.npu_busy / it.cycles, npu_busy_note, None),
                (
                    "PIM utilisation (busy time, channel mean)",
                    pim_busy_mean(model, b, dist, pr) / it.cycles,
                    pim_mean_note,
                    None,
                ),
                (
                    "PIM utilisation (busy time, slowest channel)",
                    it.pim_busy / it.cycles,
                    _PIM_SLOWEST_NOTE + (_PIM_SCORED_NOTE if table4 else ""),
                    "PIM",
                ),
                (
                    "NPU utilisation (MACs / peak)",
                    it.npu_macs / (it.cycles * peak),
                    "MACs / (cycles x 131,072)" + ("." + _npu_mac_note(pr, dist) if table4 else ""),
                    "NPU",
                ),
                (
                    "PIM utilisation (MACs / peak)",
                    it.pim_macs / (it.cycles * pim_peak),
                    "MACs / (cycles x 8,192 PIM MAC/cycle)",
                    None,
                ),
            ):
                pv = PAPER_UTILISATION[(pr, unit)] if table4 and unit else None
                name = metric if pr == "neupims" else f"{metric}, {sysname}"
                rows.append(ReproRow(DESIGN, f"{model} b{b} {dist}", name, None, pv, round(val, 4), note))
    return rows


def mean_utilisation_rows(dist: str, keys: list[tuple[str, int]]) -> list[ReproRow]:
    """Busy-time and MAC-based utilisation, arithmetic mean over the headline configurations (model only:
    the paper's Table 4 is one configuration, scored in :func:`utilisation_rows`)."""
    rows = []
    where = f"mean GPT3-7B..175B, b64..512 (fitting HBM), {dist}"
    for pr, sysname in (("neupims", "NeuPIMs"), ("neupims-naive", "naive"), ("neupims-npu-only", "NPU-only")):
        npu_busy, pim_busy, npu_mac, pim_mac = [], [], [], []
        for model, b in keys:
            _tps, it, _e, p = run_system(model, b, dist, pr)
            _p, dram = neupims_params(_preset(pr))
            peak = p.npu.arrays * p.npu.rows * p.npu.cols
            pim_peak = dram.org.channels * dram.org.banks_per_channel * p.pim.lanes_per_bank / p.pim.comp_interval
            npu_busy.append(it.npu_busy / it.cycles)
            pim_busy.append(pim_busy_mean(model, b, dist, pr) / it.cycles)
            npu_mac.append(it.npu_macs / (it.cycles * peak))
            pim_mac.append(it.pim_macs / (it.cycles * pim_peak))
        units = (
            (("NPU", npu_busy, npu_mac), ("PIM", pim_busy, pim_mac))
            if pr != "neupims-npu-only"
            else (("NPU", npu_busy, npu_mac),)
        )
        for unit, busy, mac in units:
            busy_m, mac_m = sum(busy) / len(busy), sum(mac) / len(mac)
            note = (
                (_NPU_BUSY_NOTE if unit == "NPU" else _PIM_BUSY_NOTE)
                + f"; range {min(busy):.0%}-{max(busy):.0%}.  Model only: the paper's Table 4 is one configuration "
                "(GPT3-30B b256 ShareGPT, [R] sec. 8.2), scored on the gpt3-30b b256 rows."
            )
            label = "busy time" if unit == "NPU" else "busy time, channel mean"
            rows.append(
                ReproRow(DESIGN, where, f"{unit} utilisation ({label}), {sysname}", None, None, round(busy_m, 4), note)
            )
            rows.append(
                ReproRow(
                    DESIGN,
                    where,
                    f"{unit} utilisation (MACs / peak), {sysname}",
                    None,
                    None,
                    round(mac_m, 4),
                    "MACs / (cycles x 131,072)" if unit == "NPU" else "MACs / (cycles x 8,192 PIM MAC/cycle)",
                )
            )
    return rows


#: sim/gpu/frameworks.yaml entry for eager PyTorch (host issue time per kernel; LLaMA's kernel counts): a
#: sensitivity in the GPU row's text only, not the GPU model
EAGER_FRAMEWORK = "hf-pytorch-llama-fp16"


def run_gpu_eager(model: str, batch: int, dist: str) -> float:
    """GPU-only tokens/s with eager PyTorch's per-kernel host issue time and kernel counts
    (:data:`EAGER_FRAMEWORK`; its kernel counts are LLaMA's, not GPT-3's)."""
    p, a = achieved_of(_preset(GPU_PRESET))
    f = framework(EAGER_FRAMEWORK)
    layers = _layers(model)
    work = sum(op_work_s(op, p, a) for op in _trace(model, batch, dist).ops) * layers
    return batch / pass_time(work, f.kernels(layers), a, 1, f.host_us_per_kernel, f.step_host_us).seconds


def gpu_note(ok: dict[tuple[str, int], dict[str, float]], paper: dict[str, float]) -> str:
    """What the paper says about its GPU baseline ([R]), and what its own ratios say, against ours."""
    implied = paper["npu-only"] / paper["gpu"]
    ours = _geo([v["gpu"] / v["npu-only"] for v in ok.values()])
    eager = _geo([v["neupims"] / run_gpu_eager(m, b, "sharegpt") for (m, b), v in ok.items()])
    fw = framework(EAGER_FRAMEWORK)
    return (
        "  What the paper says ([R] sec. 8.1): 'GPU-only: A real NVIDIA A100 40GB GPU running a batched LLM "
        "workload compiled with PyTorch' -- measured, on hardware, with no serving framework named; and ([R] "
        "sec. 8.2) 'GPU-only and NPU-only show marginal differences because both execute complete decoder blocks "
        "without PIM, including bandwidth-bound MHA'.  Its own ratios agree: 3.0x over GPU-only and 2.4x over "
        f"NPU-only put its A100 at {implied:.2f}x the throughput of the artifact's NPU-only system.  Our A100 "
        f"model delivers {ours:.2f}x (geomean), i.e. the paper's GPU baseline ran at ~{implied / ours:.0%} of "
        "what our achieved model credits an A100 with.  GPU model unchanged: no sourced mechanism for the "
        "paper's run applies.  The eager-PyTorch entry of sim/gpu/frameworks.yaml ("
        f"{EAGER_FRAMEWORK}: {fw.host_us_per_kernel:g} us host issue per kernel, LLaMA's {fw.kernels_per_layer} "
        "kernels per layer) would put this row at "
        f"{eager:.2f}, and 'compiled with PyTorch' may mean fewer kernels, not more.  Missing facts: the "
        "precision, how the 30B/175B shards were placed on 40 GB GPUs (we run the same TP/PP shard as the NPU), "
        "how attention over requests of different lengths was batched (padding?), and any absolute tokens/s "
        "(Figure 12 is an image); the artifact (casys-kaist/NeuPIMs, main / npu-only / npu+pim branches) has "
        "no GPU baseline."
    )


_SPEEDUP_NOTE = {
    "gpu": "model input: A100-40GB achieved model (sim.gpu.achieved) on the same TP shard (measured sustained HBM "
    "fraction, tensor GEMMs in tiles and waves over the SMs at the measured tensor fraction, per-kernel gap "
    "and launch, attention batched into 3 kernels per layer) vs NeuPIMs' NPU under the artifact's GEMM schedule, which "
    "runs the arrays at ~76-89 % of peak for >= 128 tokens (" + _ARTIFACT_GEMM + "): the modelled A100 is a "
    "stronger baseline than the paper's.",
    "npu-only": "NPU-only as the authors' npu-only branch runs it (preset npu.mha_core systolic_ws): FusedMHA with "
    "KV streamed through normal HBM reads (bandwidth bound checked) and the GEMVs on that branch's SystolicWS core, "
    "every preload starting when the previous instruction finishes (npu-only src/SystolicWS.cc:358-366), softmax "
    "on one 128-lane vector unit in between; ops one after another, each overlapping only its own loads "
    "(npu.op_overlap within_op, src/operations/Operation.cc:107-116).",
    "naive": "Naive: blocked PIM, round robin, no interleaving (whole batch in one GEMM), and the PIM command issue "
    "of the authors' naive branch (preset pim.issue serial_fine_grained; npu+pim src/NeuPIMSystolicWS.cc:153 pops one "
    "PIM instruction per NPU cycle from one queue for all 32 channels, main :165 all at once; newton.json makes "
    "the attention emit one PIM_COMP per dot product plus a PIM_READRES, src/operations/NeuPIMSLogitSoftmax.cc:"
    "231-252, NeuPIMSAttend.cc:204-225), so its MHA PIM phase is the larger of the slowest channel and the batch's "
    "instruction count (GPT3-7B b256: ~2.3x the slowest channel); its attention is serial, "
    "PIM K.q, then softmax on the vector units, then PIM logits.V (paper sec. 6.1 via [R]: results cannot pass "
    "between PIM and the vector units through the PIM channels; dual row buffers overlap them).  Sub-batches split each "
    "channel's requests in half by count (artifact); GEMM instructions pipeline as in the artifact; ops run one "
    "after another, each hiding only its own weight stream, vector ops in series (npu.op_overlap within_op: the "
    "artifact prefetches no weights across ops, src/operations/Operation.cc:107-116).  "
    "Interleaving only from batch 256 (artifact README): at b64/b128 NeuPIMs gains from its composite PIM issue and "
    "greedy longest-first channels (dual row buffers overlap only the softmax without interleaving); forced "
    "interleaving would lose there (each sub-batch of < 128 tokens occupies a whole 128-token stationary "
    "tile); see docs/neupims.md Fidelity review.",
}


#: memory-side energy components of :func:`sim.neupims.design.iteration_energy`: HBM commands of the normal
#: reads (ACT/RD per byte of the command-level stream), PIM commands, HBM refresh (per tREFI), HBM background
MEMORY_SIDE = ("hbm", "pim", "hbm_refresh", "hbm_background")


def energy_rows(dist: str, keys: list[tuple[str, int]]) -> list[ReproRow]:
    """Energy per token and average power, NeuPIMs vs NPU-only.

    The paper states both at its headline comparison ("NeuPIMs consumes 1.8x more power while providing
    2.4x speedup, corresponding to a 25% energy reduction"), measured on the memory side ([R] sec. 8.2:
    "NeuPIMs uses more memory power than NPU-only ... We measure this with Micron's DRAM power model from
    DRAMsim3"), so the scored rows compare memory-side energy (:data:`MEMORY_SIDE`), geomean over the
    headline configurations; whole-system ratios (NPU logic, SRAM, leakage too) and GPT3-7B b256 alone are
    model-only rows."""
    ratios: dict[tuple[str, int], dict[str, float]] = {}
    for key in keys:
        _tn, itn, en, _ = run_system(key[0], key[1], dist, "neupims")
        _to, ito, eo, _ = run_system(key[0], key[1], dist, "neupims-npu-only")
        mem_n = sum(en.get(k, 0.0) for k in MEMORY_SIDE)
        mem_o = sum(eo.get(k, 0.0) for k in MEMORY_SIDE)
        # per token: iteration energy / batch (same batch in both); power: iteration energy / iteration cycles
        ratios[key] = {
            "energy": sum(en.values()) / sum(eo.values()),
            "power": (sum(en.values()) / itn.cycles) / (sum(eo.values()) / ito.cycles),
            "mem_energy": mem_n / mem_o,
            "mem_power": (mem_n / itn.cycles) / (mem_o / ito.cycles),
            "speedup": ito.cycles / itn.cycles,
        }
    geo = {k: _geo([r[k] for r in ratios.values()]) for k in ("energy", "power", "mem_energy", "mem_power", "speedup")}
    one = ratios[("gpt3-7b", 256)]
    _t, _it, en7, _ = run_system("gpt3-7b", 256, dist, "neupims")
    where = f"geomean GPT3-7B..175B, b64..512 (fitting HBM), {dist}"
    method = (
        "NPU MACs+vector, NPU SRAM traffic (tile byte counts x Horowitz 1 MB cache energy), NPU static power "
        "(logic: MixPE leakage/dynamic ratio; SRAM: CACTI 22 nm), HBM commands, PIM commands, HBM background; "
        "PIM logic leakage not charged (no source).  Leakage anchor re-checked against Aladdin's units (Accelergy "
        "hwcomponents-library, 40 nm): 18x less logic leakage per pJ than the MixPE PE (docs/neupims.md Energy)."
    )
    mem_method = (
        "paper ([R] sec. 8.2, 'Power overhead'): 'NeuPIMs uses more memory power than NPU-only because it operates "
        "NPU and PIM concurrently.  We measure this with Micron's DRAM power model from DRAMsim3.  We assume an "
        "all-bank computation command consumes four times the power of a read command, and the additional row "
        "buffer consumes background power.  NeuPIMs consumes 1.8x more power while providing 2.4x speedup, "
        "corresponding to a 25% energy reduction' -- memory-side power, so this row compares memory-side energy: "
        "HBM commands of the normal reads (ACT, 64 B READ per byte of the command-level stream; NPU-only "
        "also streams the KV cache), PIM commands (GWRITE, G_ACT, COMP, READRES), refresh (one REF per rank per "
        "tREFI for the whole iteration) and HBM background (66 pJ/cycle per rank), all from the DRAMsim3-style per-command energies of spec/neupims.md (sim/dram/energy.yaml, "
        "sim/neupims/energy.yaml).  COMP is that table's 3,216 pJ, which is already the paper's rule: 4 x the "
        "804 pJ READ.  Geomean over the headline configurations (the paper states the figures at its 2.4x "
        f"headline speedup; over these runs ours is {geo['speedup']:.2f}x).  Energy ratio = power ratio / "
        "speedup per configuration.  Missing fact: the background power of the additional row buffer (not "
        "charged: no figure in the text or the spec; it would raise NeuPIMs' memory power and energy, toward "
        "the paper's figures)."
    )
    return [
        ReproRow(
            DESIGN,
            "gpt3-7b b256 sharegpt",
            "energy per token (mJ), NeuPIMs",
            None,
            None,
            round(sum(en7.values()) / 256 * 1e-9, 4),
            method,
        ),
        ReproRow(
            DESIGN,
            where,
            "memory energy per token ratio (HBM + PIM + refresh + background)",
            "npu-only",
            0.75,
            round(geo["mem_energy"], 3),
            mem_method,
        ),
        ReproRow(
            DESIGN,
            where,
            "memory power ratio (HBM + PIM + refresh + background)",
            "npu-only",
            1.8,
            round(geo["mem_power"], 3),
            mem_method,
        ),
        ReproRow(
            DESIGN,
            where,
            "energy per token ratio, whole system",
            "npu-only",
            None,
            round(geo["energy"], 3),
            "model only: the paper's 25 % is memory-side energy (scored on the 'memory energy' row).  " + method,
        ),
        ReproRow(
            DESIGN,
            where,
            "power ratio, whole system",
            "npu-only",
            None,
            round(geo["power"], 3),
            "model only: the paper's 1.8x is memory power (scored on the 'memory power' row).  Average power = "
            "iteration energy / iteration time; the static parts (NPU leakage, HBM background) are the same power "
            "in both systems and pull the ratio toward 1.",
        ),
        ReproRow(
            DESIGN,
            "gpt3-7b b256 sharegpt",
            "energy per token ratio, one point",
            "npu-only",
            None,
            round(one["energy"], 3),
            f"not scored: whole system at one configuration, where the speedup vs NPU-only is {one['speedup']:.2f}x "
            f"rather than the headline's 2.4x; memory side here {one['mem_energy']:.3f}",
        ),
        ReproRow(
            DESIGN,
            "gpt3-7b b256 sharegpt",
            "power ratio, one point",
            "npu-only",
            None,
            round(one["power"], 3),
            f"not scored: whole system at one configuration (speedup vs NPU-only {one['speedup']:.2f}x); memory "
            f"side here {one['mem_power']:.3f}",
        ),
    ]


def dram_rows() -> list[ReproRow]:
    cfg = load_dram("hbm2-neupims")
    b = analytical_bounds(cfg)
    s = run_device(cfg, streaming(cfg, 16 << 20)).bandwidth_gbps(cfg)
    r = run_device(cfg, random_access(cfg, 1 << 17, seed=SEED)).bandwidth_gbps(cfg)
    w = run_device(cfg, streaming(cfg, 16 << 20), is_write=1).bandwidth_gbps(cfg)
    return [
        ReproRow(
            DESIGN,
            "HBM2 32ch sequential read 16 MiB",
            "sustained GB/s",
            "peak x (1 - tRFC/tREFI)",
            None,
            round(s, 1),
            f"bound {b['peak_refresh']:.1f} GB/s (peak {b['peak']:.0f}); gap = the 32-entry in-order queue holds only the refreshing rank's requests (up to ranks x tRFC/tREFI = 13 %)",
        ),
        ReproRow(
            DESIGN,
            "HBM2 32ch sequential write 16 MiB",
            "sustained GB/s",
            "peak x (1 - tRFC/tREFI)",
            None,
            round(w, 1),
            f"bound {b['peak_refresh']:.1f} GB/s; writes add CWL + burst + tWR before each precharge",
        ),
        ReproRow(
            DESIGN,
            "HBM2 32ch random 64 B reads",
            "sustained GB/s",
            "ACT-rate bound (tFAW, 2 ranks)",
            None,
            round(r, 1),
            f"bound {b['random']:.1f} GB/s; gap = bank conflicts (same-bank tRC) and queue depth 32",
        ),
    ]
