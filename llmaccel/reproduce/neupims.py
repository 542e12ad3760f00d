"""NeuPIMs paper comparison rows (``llmaccel reproduce neupims``).

Workloads as in spec/neupims.md: GPT3-7B/13B (TP 4), 30B (TP 4, PP 2), 175B (TP 8, PP 4)
decode snapshots drawn from ShareGPT-like and Alpaca-like length distributions (seed 0),
batches 64..512.  One block is simulated and the device's share of blocks
(layers / PP) scaled; throughput = batch / iteration time of one device (each pipeline
stage holds its own batch, so PP does not change per-device throughput).

Systems: GPU-only (A100-40GB, sim.gpu achieved model on the same TP shard; attention
issued as 3 batched kernels per layer), NPU-only, naive NPU+PIM, NeuPIMs, and ablations.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from llmaccel.reproduce import ReproRow
from llmaccel.sim.dram import load_dram
from llmaccel.sim.dram.channel import run_device
from llmaccel.sim.dram.patterns import analytical_bounds, random_access, streaming
from llmaccel.sim.gpu.achieved import achieved_of, op_work_s, pass_time
from llmaccel.sim.neupims.design import compile_trace, iteration_energy
from llmaccel.sim.neupims.params import neupims_params
from llmaccel.sim.neupims.pipeline import simulate_iteration
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
        rows.append(
            ReproRow(
                DESIGN,
                "geomean GPT3-7B..175B, b64..512, ShareGPT",
                "NeuPIMs speedup",
                base,
                pv,
                round(sp, 3),
                _SPEEDUP_NOTE[base]
                + (busy_note(dist) if base == "naive" else "")
                + (f" Skipped (KV exceeds HBM): {note}" if note else ""),
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
        rows.append(
            ReproRow(
                DESIGN,
                "geomean GPT3-7B..175B, b64..512, ShareGPT",
                "NeuPIMs speedup (npu.gemm_schedule pipelined)",
                base,
                pv,
                round(_geo([v["neupims"] / v[base] for v in alt.values()]), 3),
                "sensitivity, not the headline: weights stationary, tokens streamed, tiles split over the "
                "8 arrays (~100 % array efficiency at >= 128 tokens); GEMMs then become weight-bandwidth "
                "bound below ~290 tokens and each sub-batch re-reads the weights; NPU-only GEMVs on the "
                "vector units",
            )
        )
    for base in paper:
        v = alt[("gpt3-7b", 512)]
        rows.append(
            ReproRow(
                DESIGN,
                "gpt3-7b b512 sharegpt",
                "NeuPIMs speedup (npu.gemm_schedule pipelined)",
                base,
                None,
                round(v["neupims"] / v[base], 3),
                "sensitivity at the largest batch that fits",
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
    for model, b in [("gpt3-7b", bb) for bb in BATCHES] + [("gpt3-30b", 256)]:
        base = run_system(model, b, dist, "neupims-naive")[0]
        for pr, ov, label in ABLATIONS:
            rows.append(
                ReproRow(
                    DESIGN,
                    f"{model} b{b} {dist}",
                    f"ablation speedup: {label}",
                    "naive",
                    None,
                    round(run_system(model, b, dist, pr, ov)[0] / base, 3),
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
    # energy and power vs NPU-only
    b = 256
    tn, itn, en, _ = run_system("gpt3-7b", b, dist, "neupims")
    to, ito, eo, _ = run_system("gpt3-7b", b, dist, "neupims-npu-only")
    ept_n, ept_o = sum(en.values()) / b, sum(eo.values()) / b
    rows.append(
        ReproRow(
            DESIGN,
            f"gpt3-7b b{b} {dist}",
            "energy per token (mJ), NeuPIMs",
            None,
            None,
            round(ept_n * 1e-9, 4),
            "NPU MACs+vector, NPU SRAM bytes (scratchpad/accumulator, Horowitz 1 MB per 64-bit "
            "access) and NPU logic+SRAM static power (22 nm), HBM commands, PIM commands, HBM background",
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            f"gpt3-7b b{b} {dist}",
            "energy per token ratio",
            "npu-only",
            0.75,
            round(ept_n / ept_o, 3),
            "paper: energy 25 % lower; includes NPU SRAM traffic (tile byte counts x Horowitz 1 MB cache "
            "energy) and NPU static power (logic: MixPE leakage/dynamic ratio; SRAM: CACTI 22 nm), which "
            "NPU-only pays over a ~5x longer iteration; PIM logic leakage not charged (no source).  Leakage "
            "anchor re-checked against Aladdin's units (Accelergy hwcomponents-library, 40 nm): 18x less "
            "logic leakage per pJ than the MixPE PE; with it this ratio is ~0.63 (docs/neupims.md Energy)",
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            f"gpt3-7b b{b} {dist}",
            "power ratio",
            "npu-only",
            1.8,
            round((sum(en.values()) / itn.cycles) / (sum(eo.values()) / ito.cycles), 3),
            "average power = iteration energy / iteration time; the static parts (NPU leakage, HBM "
            "background) are the same power in both systems and pull the ratio toward 1",
        )
    )
    rows.extend(dram_rows())
    return rows


#: (preset, overrides, label) of the ablation rows; "alone" = the naive baseline with one feature switched on
#: (preset, overrides, label) of each ablation row
ABLATIONS: tuple[tuple[str, tuple[tuple[str, Any], ...], str], ...] = (
    ("neupims-naive", (("features.dual_row_buffer", True),), "dual row buffer alone (blocked -> dual; round robin)"),
    (
        "neupims-naive",
        (("features.sub_batch_interleaving", True),),
        "sub-batch interleaving alone (blocked PIM; round robin)",
    ),
    ("neupims-no-interleave", (), "dual row buffer + greedy (no interleaving)"),
    ("neupims-no-dual", (), "interleaving + greedy (blocked PIM)"),
    ("neupims-round-robin", (), "dual + interleaving (round robin)"),
    ("neupims", (), "NeuPIMs (all)"),
)


def busy_note(dist: str) -> str:
    """Why NeuPIMs gains little over naive where it does: busy-time fractions at GPT3-30B b256."""
    fr = {}
    for pr in ("neupims-naive", "neupims"):
        _t, it, _e, _p = run_system("gpt3-30b", 256, dist, pr)
        fr[pr] = (it.npu_busy / it.cycles, it.pim_busy / it.cycles)
    dual = run_system("gpt3-30b", 256, dist, "neupims-naive", ABLATIONS[0][1])[0]
    naive = run_system("gpt3-30b", 256, dist, "neupims-naive")[0]
    return (
        "  PIM tiles are costed as the authors' NewtonSim charges them (G_ACTs of a rank tFAW apart, GWRITE "
        "96 cycles; ~1.9x the spec-timing reading per request).  Even so, at GPT3-30B b256 the NPU is busy "
        f"{fr['neupims-naive'][0]:.0%} (naive) / {fr['neupims'][0]:.0%} (NeuPIMs) of the iteration and the "
        f"slowest PIM channel {fr['neupims-naive'][1]:.0%} / {fr['neupims'][1]:.0%}: under the artifact's GEMM "
        "schedule the arrays issue at 17-30 % of their MAC peak, so the NPU dominates and there is little PIM "
        f"time to hide; dual row buffers alone gain {dual / naive - 1:.1%} there.  Missing for the paper's 1.6: "
        "below batch 256 the artifact gates interleaving off, leaving NeuPIMs only its greedy longest-first channels over naive."
    )


def utilisation_rows(dist: str) -> list[ReproRow]:
    """NPU and PIM utilisation as busy-time fractions (as the artifact counts them) beside MACs / peak."""
    rows = []
    for model, b in (("gpt3-7b", 256), ("gpt3-7b", 512), ("gpt3-30b", 256)):
        for pr in ("neupims-naive", "neupims"):
            _tps, it, _e, p = run_system(model, b, dist, pr)
            _p, dram = neupims_params(_preset(pr))
            peak = p.npu.arrays * p.npu.rows * p.npu.cols
            pim_peak = dram.org.channels * dram.org.banks_per_channel * p.pim.lanes_per_bank / p.pim.comp_interval
            sysname = "NeuPIMs" if pr == "neupims" else "naive"
            for metric, val, note in (
                (
                    "NPU utilisation (busy time)",
                    it.npu_busy / it.cycles,
                    "cycles the systolic arrays or vector units compute / iteration cycles, as the artifact "
                    "counts NPU utilisation (NeuPIMSystolicWS::update_stats: every cycle its compute pipeline "
                    "holds an instruction); the artifact GEMM schedule keeps the arrays issuing at ~17-30 % of "
                    "their MAC peak, so busy time is far above MAC utilisation",
                ),
                (
                    "PIM utilisation (busy time)",
                    it.pim_busy / it.cycles,
                    "slowest channel's PIM command-stream cycles (first GWRITE/G_ACT to last PIM_PRE + tRP per "
                    "stage) / iteration cycles; PIM tiles costed as the authors' NewtonSim (G_ACTs of a rank "
                    "tFAW apart, GWRITE 96 cycles)",
                ),
                ("NPU utilisation", it.npu_macs / (it.cycles * peak), "MACs / (cycles x 131,072)"),
                ("PIM utilisation", it.pim_macs / (it.cycles * pim_peak), "MACs / (cycles x 8,192 PIM MAC/cycle)"),
            ):
                name = metric if pr == "neupims" else f"{metric}, {sysname}"
                rows.append(ReproRow(DESIGN, f"{model} b{b} {dist}", name, None, None, round(val, 4), note))
    return rows


_SPEEDUP_NOTE = {
    "gpu": "model input: A100-40GB achieved model (sim.gpu.achieved) on the same TP shard (measured sustained HBM "
    "fraction, tensor GEMMs in tiles and waves over the SMs at the measured tensor fraction, per-kernel gap "
    "and launch, attention batched into 3 kernels per layer) vs NeuPIMs' NPU under the artifact's GEMM schedule, which "
    "runs the arrays at ~17-30 % of peak (activation-stationary L2 tiles of a 1 MB scratchpad, a 128-cycle "
    "preload per stationary tile): the modelled A100 is a much stronger baseline than the paper's.",
    "npu-only": "NPU-only as in the artifact's FusedMHA: KV streamed through normal HBM reads (bandwidth bound "
    "checked) and the GEMVs on the systolic array, one 128-cycle preload per 128 tokens per head.",
    "naive": "Naive: blocked PIM, round robin, no interleaving (whole batch in one GEMM).  Sub-batches split each "
    "channel's requests in half by count (artifact); GEMM instructions pipeline as in the artifact.  "
    "Interleaving only from batch 256 (artifact README): at b64/b128 NeuPIMs gains only from greedy longest-first "
    "channels (~1.04-1.14x; dual row buffers have nothing to overlap without interleaving); forced "
    "interleaving would lose there (each sub-batch of < 128 tokens occupies a whole 128-token stationary "
    "tile); see docs/neupims.md Fidelity review.",
}


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
