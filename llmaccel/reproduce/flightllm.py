"""FlightLLM (FPGA 2024) reproduction rows: ``llmaccel reproduce flightllm``.

Workloads: LLaMA2-7B and OPT-6.7B, batch 1, [prefill, decode] in {128, 512} x
{512, 1024, 1536}, compression preset ``flightllm-paper``.  FlightLLM steps use the
bucketed request simulation with steady-state layer extrapolation
(``sim.flightllm.request``, within 0.5 % of the full program, tested); GPU references
use the ``sim.gpu.achieved`` model with the W8A8 preset under vLLM's kernel structure
(vLLM + SmoothQuant), decode costed at the request's mean KV length (a step is affine in
the KV length), plus rows against the V100S's cited measured point ("measured input").  Work is
spread over two processes; every number is deterministic.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Literal

from llmaccel.reproduce import ReproRow

DESIGN = "flightllm"
MODELS = ("llama2-7b", "opt-6.7b")
LABEL = {"llama2-7b": "LLaMA2-7B", "opt-6.7b": "OPT-6.7B"}
PREFILL = (128, 512)
DECODE = (512, 1024, 1536)
QUANT = "flightllm-paper"
#: the on-board cases the artifact's README names (fpga_implementation/README.md: decode_token_128_ae,
#: decode_token_512_ae), read as KV lengths of one decode step (the reading is not certain)
ONBOARD_KV = (128, 512)
FIDELITY: Literal["full", "steady"] = "steady"
BASELINES = Path(__file__).resolve().parents[2] / "sim" / "flightllm" / "baselines.yaml"
#: Numbers the authors published in their artifact (github.com/FlightLLM/flightllm_test_demo), each sourced.
ARTIFACT = Path(__file__).resolve().parents[2] / "sim" / "flightllm" / "artifact.yaml"
#: FlightLLM's optimised GPU baseline: vLLM + SmoothQuant (spec/flightllm.md); kernels per layer in
#: sim/gpu/frameworks.yaml.
GPU_FRAMEWORK = "vllm-llama-w8a8"
GPU_QUANT = "w8a8"
#: FlightLLM's naive GPU baseline: HF PyTorch in FP16 (spec/flightllm.md); informative rows, no paper value.
GPU_NAIVE = ("hf-pytorch-llama-fp16", "fp16")
#: The A100 baseline of the VHK158 comparison as the authors' artifact ran it (sim/flightllm/artifact.yaml
#: gpu_opt): vLLM 0.1.7 in FP16 on an 80 GB A100.
VHK_GPU = ("a100-80gb", "vllm-llama-fp16", "fp16")

PAPER = {
    "energy_v100s": 6.0,
    "energy_a100": 4.2,
    "cost_v100s": 1.8,
    "cost_a100": 1.4,
    "vhk158_vs_a100": 1.2,
    "bw_off": 0.356,
    "bw_on": 0.659,
    "sparsity_gain": 1.6,
    "storage_reduction": 500.0,
    "board_power_w": 45.0,
}


def _grid(preset: str, model: str, points: tuple) -> dict:
    from llmaccel.sim.flightllm.request import BucketCache, simulate_request
    from llmaccel.sim.preset import load_preset
    from llmaccel.workloads.zoo import get_model

    hw, m, cache = load_preset(preset), get_model(model), BucketCache()
    out = {}
    for p, d in points:
        r = simulate_request(m, p, d, hw, QUANT, cache, FIDELITY)
        out[(p, d)] = {
            "tok_s": r.decode_tokens_per_s,
            "latency": r.latency_s,
            "tok_j": r.tokens_per_j,
            "bw": r.decode_bw_utilisation,
            "power_w": r.energy_j / r.latency_s,
            "decode_power_w": r.decode_energy_j / r.decode_s,
        }
    return out


def _steps(preset: str, model: str, kvs: tuple) -> dict:
    """Tokens/s of ONE decode step (1 / step time) at each KV length in ``kvs``: what the artifact's
    host prints for one kernel run (fpga_implementation/host/fpgaHost: 1e9 / run_time_ns)."""
    from llmaccel.sim.flightllm.request import BucketCache, step_summary
    from llmaccel.sim.preset import load_preset
    from llmaccel.workloads.zoo import get_model

    hw, m, cache = load_preset(preset), get_model(model), BucketCache()
    return {kv: 1.0 / step_summary(m, "decode", kv, hw, QUANT, cache, FIDELITY).time_s for kv in kvs}


def _hbm_layout(preset: str) -> dict:
    """Pseudo-channels the preset's cores drive (``hbm_pcs``) of the device's, and their share of its peak."""
    from llmaccel.sim.flightllm.params import flight_params
    from llmaccel.sim.preset import load_preset

    p = flight_params(load_preset(preset))
    return {"pcs": p.hbm_pcs(), "of": p.hbm.pseudo_channels, "share": p.hbm_pcs() / p.hbm.pseudo_channels}


def _static_floor_w(preset: str) -> float:
    """Board power of the power model with nothing running: static device + HBM through the
    regulators, plus DDR standby and the rest of the board (sim/flightllm/power.py)."""
    from llmaccel.sim.flightllm.params import flight_params
    from llmaccel.sim.preset import load_preset

    w = flight_params(load_preset(preset)).power
    on_chip = w.device_static_w + w.hbm_stacks * w.hbm_stack_static_w
    return on_chip / w.vrm_efficiency + w.ddr_standby_w + w.board_other_w


def _gpu(preset: str, framework: str, points: tuple, quant: str = GPU_QUANT) -> dict:
    """LLaMA2-7B on a GPU under the achieved model (sim.gpu.achieved), ``quant`` as ``framework`` runs it."""
    from llmaccel.sim.gpu.achieved import framework_pass
    from llmaccel.sim.hardware.gpu import gpu_params
    from llmaccel.sim.preset import load_preset
    from llmaccel.workload import model_trace
    from llmaccel.workloads.zoo import get_model

    m, hw = get_model("llama2-7b"), load_preset(preset)
    watts, L = gpu_params(hw).achieved_block(f"{preset}.params.achieved").load_power_w, m.num_hidden_layers
    out = {}
    for p, d in points:
        pre = framework_pass(model_trace(m, "prefill", 1, p, 1, quant=quant, lm_head=True), hw, framework, L)
        kv = p + (d + 1) // 2
        step = model_trace(m, "decode", 1, kv - 1, 1, kv_len=kv, quant=quant, lm_head=True)
        dec = framework_pass(step, hw, framework, L)
        t = pre.seconds + d * dec.seconds
        out[(p, d)] = {"tok_s": 1.0 / dec.seconds, "tok_j": d / (watts * t), "latency": t}
    return out


def _measured(preset: str) -> dict | None:
    """The preset's cited measured point (tokens/s, W), or None: used as "measured input"."""
    from llmaccel.sim.preset import load_preset

    pt = load_preset(preset).get("achieved.measured", None)
    if pt is None:
        return None
    return {"tok_s": pt["tokens_per_s"], "tok_j": pt["tokens_per_s"] / pt["board_w"], "what": pt["workload"]}


def _sparsity() -> dict:
    """MPE cycles of a LLaMA2-7B 512-token prefill: paper compression vs dense (no N:M, dense attention)."""
    from llmaccel.sim.flightllm.request import _run
    from llmaccel.sim.preset import load_preset
    from llmaccel.workloads.zoo import get_model

    m = get_model("llama2-7b")
    hw = load_preset("u280")
    dense_hw = hw.with_overrides({"compression.block_sparse_attention": False}, "ablation: dense attention")
    cyc: dict[str, float] = {}
    for key, h, q in (("sparse", hw, QUANT), ("dense", dense_hw, "flightllm-dense-w8a8")):
        r = _run(m, "prefill", 512, h, q, None)
        cyc[key] = sum(o.compute_cycles for o in r.ops if o.unit == "mpe")
        sparse_ops = [o for o in r.ops if o.name.endswith((".q_proj", ".k_proj"))]
        cyc[key + "_qk"] = sum(o.compute_cycles for o in sparse_ops)
        cyc[key + "_share"] = sum(o.macs for o in sparse_ops) / sum(o.macs for o in r.ops if o.unit == "mpe")
    return cyc


def _storage() -> dict:
    """Instruction bytes per step program for every bucket (compile only; layers extrapolated)."""
    from llmaccel.mapping.flightllm.compiler import CompilerParams, compile_trace
    from llmaccel.sim.flightllm.request import STEADY_BLOCKS, _requests
    from llmaccel.sim.preset import load_preset
    from llmaccel.workload import model_trace
    from llmaccel.workloads.zoo import get_model

    m = get_model("llama2-7b")
    cp = CompilerParams.of(load_preset("u280"))
    L = m.num_hidden_layers
    sizes = {}
    for phase, step in (("prefill", cp.isa.prefill_bucket), ("decode", cp.isa.decode_bucket)):
        for b in range(step, cp.isa.max_len + 1, step):
            s = []
            for k in (STEADY_BLOCKS, STEADY_BLOCKS + 1):
                tr = model_trace(m, phase, requests=_requests(phase, b), quant=QUANT, layers=k, lm_head=True)
                s.append(compile_trace(tr, cp, n_layers=k).storage_bytes())
            sizes[(phase, b)] = s[0] + (L - STEADY_BLOCKS) * (s[1] - s[0])
    return {
        "sizes": sizes,
        "prefill_step": cp.isa.prefill_bucket,
        "decode_step": cp.isa.decode_bucket,
        "max_len": cp.isa.max_len,
    }


def _artifact_storage(inst: dict, prefill_step: int, decode_step: int, max_len: int) -> dict:
    """Instruction bytes with and without length buckets at the authors' granularity (artifact counts).

    Decode programs: the artifact's count set for ``ceil(KV / decode_kv_block)``.  Prefill programs:
    affine in the bucket length through the two shipped buckets (128 and 512 tokens), extrapolated to
    the others (assumed: the counts of buckets 640..2048 are not shipped).  Each exact-length program
    is sized as its bucket's, as in our own storage row.
    """
    words = inst["words"]

    def nbytes(counts: dict) -> int:
        return 4 * sum(counts[k] * words[k] for k in words)

    dec_rows = [nbytes(c) for c in inst["decode_by_kv_512_block"]["value"]]
    kv_block = inst["decode_kv_block"]["value"]
    (l0, s0), (l1, s1) = sorted((int(k), nbytes(c)) for k, c in inst["prefill"]["value"].items())

    def dec(length: int) -> float:
        return float(dec_rows[-(-length // kv_block) - 1])

    def pre(length: int) -> float:
        return s0 + (length - l0) * (s1 - s0) / (l1 - l0)

    pre_b = {b: pre(b) for b in range(prefill_step, max_len + 1, prefill_step)}
    dec_b = {b: dec(b) for b in range(decode_step, max_len + 1, decode_step)}
    with_b = sum(pre_b.values()) + sum(dec_b.values())
    without = sum(pre_b[-(-n // prefill_step) * prefill_step] for n in range(1, max_len + 1)) + sum(
        dec_b[-(-n // decode_step) * decode_step] for n in range(1, max_len + 1)
    )
    return {
        "with": with_b,
        "without": without,
        "programs": len(pre_b) + len(dec_b),
        "decode_1024": dec(1024),
        "prefill_512": pre(512),
    }


def _gpu_validation_rows(a100_fp16: dict, a100_naive: dict) -> list[ReproRow]:
    """The achieved GPU model against the authors' own A100 runs (validation, nothing fitted to them)."""
    from llmaccel.sim.preset import read_yaml

    art = read_yaml(ARTIFACT, "FlightLLM artifact facts")
    grid = [tuple(p) for p in art["grid_points"]]
    from llmaccel.sim.gpu.achieved import framework

    rows = []
    for key, fw, res in (("gpu_opt", VHK_GPU[1], a100_fp16), ("gpu_naive", GPU_NAIVE[0], a100_naive)):
        measured = dict(zip(grid, art[key]["decode_tokens_per_s"]["value"], strict=True))
        rows.append(
            ReproRow(
                DESIGN,
                "LLaMA2-7B b1 geomean of 6 grid points",
                "GPU decode throughput (tokens/s), vs the authors' A100 run",
                f"A100-80GB {fw}",
                round(_geomean(list(measured.values())), 2),
                round(_geomean([res[k]["tok_s"] for k in grid]), 2),
                f"validation, not calibration: paper side = the artifact's measured {art[key]['what']} "
                "(sim/flightllm/artifact.yaml); model = sim.gpu achieved model with the framework's kernel count, "
                "per-kernel host issue time and per-step host work from sim/gpu/frameworks.yaml, each sourced "
                "elsewhere (vLLM RFC #6854 step gap, eager PyTorch per-op dispatch)"
                + (
                    f". HF's host time per kernel issue ({framework(fw).host_us_per_kernel:g} us) is derived from Hugging Face's own optimum-benchmark "
                    "run of the same stack, not from this row: transformers 4.34.1, torch 2.1.0, A100-SXM4-80GB, AMD "
                    "EPYC 7742 host, 26.17 ms per decode step at batch 1 (sim/gpu/frameworks.yaml); at batch 1 the "
                    "step is host-bound, so the model gives that run's 38.2 tokens/s at every grid point.  What "
                    "remains is the authors' run being faster than HF's own on the same GPU and software; missing "
                    "fact: the authors' host CPU (not named in the artifact), which sets an eager step's time"
                    if key == "gpu_naive"
                    else ""
                ),
            )
        )
    return rows


def _artifact_rows(
    llama: dict, vhk: dict, a100: dict, points: tuple, st: dict, steps: dict | None = None
) -> list[ReproRow]:
    """Rows whose paper side (or GPU side) is a number the authors published in their artifact."""
    from llmaccel.sim.preset import read_yaml

    art = read_yaml(ARTIFACT, "FlightLLM artifact facts")
    grid = [tuple(p) for p in art["grid_points"]]
    gpu_opt = dict(zip(grid, art["gpu_opt"]["decode_tokens_per_s"]["value"], strict=True))
    prof = dict(zip(grid, art["vhk158_profile"]["decode_tokens_per_s"]["value"], strict=True))
    u = art["u280_measured"]
    rows = []
    u280_model = _geomean([llama[k]["tok_s"] for k in points])
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B b1 geomean of 6 grid points U280",
            "decode throughput (tokens/s), vs the paper's on-board U280",
            None,
            u["tokens_per_s"]["value"],
            round(u280_model, 2),
            "paper = its measured U280 point (Figure 1, 55 tokens/s; the grid point is not stated). What the board "
            "timed: the artifact's host (fpga_implementation/host/fpgaHost, main: steady_clock around one ap_start "
            "write and the ap_done poll, then 1.0e9 / run_time_ns printed as 'token throughput') times ONE kernel "
            "run, i.e. one decode step, with weights, instructions and input loaded before the timer: no per-token "
            "host cost to add. The README's on-board cases are decode_token_128_ae and decode_token_512_ae (not "
            "shipped); whether 128/512 is the KV length or the prompt is not certain. The model's single decode "
            "step: "
            + (", ".join(f"KV {kv}: {v:.1f} tokens/s" for kv, v in sorted(steps.items())) if steps else "not computed")
            + " (this row's model side stays the grid geomean). Our decode step is 3 cores' MV-mode CSD-chains "
            "overlapped with HBM streaming over the 24 of 32 pseudo-channels the cores drive (8 per core, the "
            "artifact's layout: hbm.pcs_per_core); the board ran slower. Missing facts: the board's achieved "
            "per-PC HBM bandwidth and kernel clock, and the kernel's internal stalls (the host dumps 118 "
            "performance-counter registers after the run; their contents are not published)",
        )
    )
    vhk_art = _geomean([vhk[k]["tok_s"] / gpu_opt[k] for k in grid])
    vhk_mod = _geomean([vhk[k]["tok_s"] / a100[k]["tok_s"] for k in grid])
    a100_mod = _geomean([a100[k]["tok_s"] for k in grid])
    a100_art = _geomean(list(gpu_opt.values()))
    vhk_note = (
        "VHK158 = 4 cores (one per SLR) at 225 MHz, the authors' VHK158 configuration (artifact profile/config.yaml); "
    )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B b1 geomean of 6 grid points",
            "decode throughput VHK158 vs GPU",
            "A100 measured (authors' artifact, vLLM FP16)",
            PAPER["vhk158_vs_a100"],
            round(vhk_art, 3),
            vhk_note + f"measured input: A100 = the artifact's own GPU-opt run (profile/README.md: vLLM 0.1.7 FP16 on "
            f"an 80 GB A100, geomean {a100_art:.1f} tokens/s), not a model",
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B b1 geomean of 6 grid points",
            "decode throughput VHK158 vs GPU",
            "A100-80GB model (vLLM FP16)",
            PAPER["vhk158_vs_a100"],
            round(vhk_mod, 3),
            vhk_note + f"model input: sim.gpu achieved model of the artifact's baseline ({VHK_GPU[1]}, {VHK_GPU[2]} on "
            f"{VHK_GPU[0]}) gives {a100_mod:.1f} tokens/s where the authors measured {a100_art:.1f} (eager per-kernel "
            "dispatch and vLLM's per-step host gap included, sim/gpu/frameworks.yaml)",
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B b1 geomean of 6 grid points",
            "VHK158 decode throughput (tokens/s), vs the authors' VHK158 profiler",
            None,
            round(_geomean(list(prof.values())), 2),
            round(_geomean([vhk[k]["tok_s"] for k in grid]), 2),
            vhk_note + "paper side = the artifact's own VHK158 estimate (profile/README.md), which times one core's "
            "instruction stream and divides every instruction's time by an unexplained correction_factor 3.2 "
            "(profile/inst_gen/inst_profiler.py line 21) where 4 cores give up to 4x; its loads run at 0.7 of the "
            "per-channel HBM bandwidth (config.yaml). Both are mostly MV-compute-bound in decode (MV 90 % of the "
            "authors' step time, profiler_output/llama2_decode_token_1024.csv)",
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B lengths 1..2048",
            "instruction storage reduction by bucketing (x), authors' instruction granularity",
            "one program per exact length",
            PAPER["storage_reduction"],
            round(st["without"] / st["with"], 2),
            f"measured input: the artifact's instruction counts (profiler_output/*.csv x isa.py words): a decode step "
            f"program holds {st['decode_1024'] / 1e6:.2f} MB (KV 1024), a 512-token prefill {st['prefill_512'] / 1e6:.0f} MB "
            f"(one MM per 128x16 output tile). {st['programs']} bucket programs = {st['with'] / 1e9:.2f} GB, one per exact "
            f"length = {st['without'] / 1e9:.0f} GB: the paper's '~GB' and '~TB' magnitudes, but a ratio of about "
            "120, because prefill programs grow linearly with length (prefill counts beyond 512 are extrapolated, "
            "assumed). Missing fact: what the paper's 500x divides (e.g. per (prefill, decode) pair programs)",
        )
    )
    return rows


def _measured_rows(u280: dict, points: tuple, prices: dict) -> list[ReproRow]:
    """U280 vs the V100S's cited measured point (measured input, not the model)."""
    pt = _measured("v100s")
    if pt is None:
        return []
    note = (
        f"measured input: V100S = {pt['tok_s']} tokens/s at {pt['tok_s'] / pt['tok_j']:.0f} W, the paper's own "
        f"stated measurement of its baseline ({pt['what']}), not a model; the U280 side is our model"
    )
    wl = "LLaMA2-7B b1 geomean of 6 grid points"
    e = _geomean([u280[k]["tok_j"] / pt["tok_j"] for k in points])
    c = _geomean([u280[k]["tok_s"] / prices["u280"] / (pt["tok_s"] / prices["v100s"]) for k in points])
    metric_e, metric_c = "energy efficiency (tokens/J) U280 vs GPU", "cost efficiency (tokens/s per $) U280 vs GPU"
    return [
        ReproRow(DESIGN, wl, metric_e, "V100S measured", PAPER["energy_v100s"], round(e, 3), note),
        ReproRow(DESIGN, wl, metric_c, "V100S measured", PAPER["cost_v100s"], round(c, 3), note),
    ]


def _call(job):
    fn, args = job
    return fn(*args)


def _geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def reproduce() -> list[ReproRow]:
    from llmaccel.sim.hardware.gpu import gpu_params
    from llmaccel.sim.preset import load_preset, read_yaml

    points = tuple((p, d) for p in PREFILL for d in DECODE)
    big = ((512, 1536),)
    jobs = [
        (_grid, ("u280", "llama2-7b", points)),
        (_grid, ("u280", "opt-6.7b", points)),
        (_grid, ("vhk158", "llama2-7b", points)),
        (_grid, ("u280-offchip", "llama2-7b", big)),
        (_gpu, ("v100s", GPU_FRAMEWORK, points)),
        (_gpu, ("a100-40gb", GPU_FRAMEWORK, points)),
        (_gpu, ("v100s", GPU_NAIVE[0], points, GPU_NAIVE[1])),
        (_gpu, (VHK_GPU[0], VHK_GPU[1], points, VHK_GPU[2])),
        (_gpu, (VHK_GPU[0], GPU_NAIVE[0], points, GPU_NAIVE[1])),
        (_sparsity, ()),
        (_storage, ()),
        (_steps, ("u280", "llama2-7b", ONBOARD_KV)),
        (_hbm_layout, ("u280",)),
    ]
    with ProcessPoolExecutor(max_workers=2) as ex:
        llama, opt, vhk, off, v100, a100, v100_naive, a100_fp16, a100_naive, sp, st, steps, lay = list(
            ex.map(_call, jobs)
        )
    prices = {k: v["value"] for k, v in read_yaml(BASELINES, "baselines")["prices_usd"].items()}
    rows: list[ReproRow] = []
    fid = "steady-state layer extrapolation (<0.5 % of full program)"
    for model, res in (("llama2-7b", llama), ("opt-6.7b", opt)):
        for (p, d), r in res.items():
            wl = f"{LABEL[model]} b1 [{p},{d}] U280"
            rows.append(
                ReproRow(
                    DESIGN,
                    wl,
                    "decode throughput (tokens/s)",
                    None,
                    None,
                    round(r["tok_s"], 3),
                    f"flightllm-paper compression; bucketed decode; {fid}",
                )
            )
            rows.append(
                ReproRow(
                    DESIGN,
                    wl,
                    "end-to-end latency (s)",
                    None,
                    None,
                    round(r["latency"], 4),
                    "prefill bucket + all decode steps; padded to bucket lengths",
                )
            )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B b1 geomean of 6 grid points U280",
            "board power (W), model output",
            None,
            PAPER["board_power_w"],
            round(_geomean([llama[k]["power_w"] for k in points]), 3),
            f"check, not an input: resources x activity (sim/flightllm/power.py); decode alone "
            f"{_geomean([llama[k]['decode_power_w'] for k in points]):.1f} W, compute-bound prefill lower. "
            "Missing facts: the authors' post-route resource and power report (XPE/Vivado) — static "
            "device/HBM/board figures are assumed, logic outside the DSP groups (LD/ST engines, SFU, "
            "queues, platform shell) and BRAM are not modelled — and the idle power of a shell-loaded "
            "U280 card. The paper measured FPGA power with the Xilinx Board Utility xbutil (§6.1), the card's "
            "own whole-board reading (XRT xocl/subdev/xmc.c xmc_get_power(): 12 V PCIe + 12 V AUX + 3.3 V PCIe "
            "rails read by the card's management controller, Xilinx/XRT @963c58ee; so DDR4, regulators and the "
            "idle shell are inside it); the Paderborn PC2 wiki 'Power and Energy Measurements of FPGAs' shows "
            "three shell-loaded U280 cards (xilinx_u280_xdma_201920_3) reading 41.35, 39.22 and 58.28 W with "
            "their load state not stated (not adopted: if the first two are idle, a U280's floor is near 40 W, "
            "far above this model's "
            f"{_static_floor_w('u280'):.1f} W static floor, cross-checked only against U55C cards)",
        )
    )
    a100_w = gpu_params(load_preset("a100-40gb")).achieved_block("a100-40gb.params.achieved").load_power_w
    gpu_base = (
        f"U280 energy from the board power model; model input: GPU = sim.gpu achieved model, {GPU_FRAMEWORK} (kernels per layer from vLLM's model code), "
        "measured sustained HBM fraction, per-kernel gap + eager host issue time + vLLM's per-step host work + "
        "one sync per step, decode at the mean KV "
        "length; board power = the preset's load_power_w (V100S: the paper's own measured baseline power, a "
        f"measured input; A100: an independent batch-1 vLLM decode measurement, {a100_w:g} W)"
    )
    why_gpu = (
        gpu_base + "; the paper's own V100S measurement (about 45 tokens/s) is far below what the V100S's sustained "
        "bandwidth allows for 1-byte weights (see the measured-input rows); the model now charges vLLM's host costs "
        "(sim/gpu/frameworks.yaml), what remains of the gap (SmoothQuant kernels on Volta, which has no INT8 tensor "
        "cores; the paper's host CPU) has no published figure. "
        "The paper's 6.0x and 1.8x are its measured points, (55 tokens/s / 45 W) / (45 tokens/s / 220 W) = 5.98 "
        "(the U280 side: the on-board-U280 row and the board power row); the authors' artifact runs its optimised GPU baseline as vLLM 0.1.7 in FP16 "
        "on an 80 GB A100 (87 tokens/s), not SmoothQuant (sim/flightllm/artifact.yaml)"
    )
    e_v = _geomean([llama[k]["tok_j"] / v100[k]["tok_j"] for k in points])
    e_a = _geomean([llama[k]["tok_j"] / a100[k]["tok_j"] for k in points])
    c_v = _geomean([llama[k]["tok_s"] / prices["u280"] / (v100[k]["tok_s"] / prices["v100s"]) for k in points])
    c_a = _geomean([llama[k]["tok_s"] / prices["u280"] / (a100[k]["tok_s"] / prices["a100-40gb"]) for k in points])
    wl = "LLaMA2-7B b1 geomean of 6 grid points"
    rows.append(
        ReproRow(
            DESIGN,
            wl,
            "energy efficiency (tokens/J) U280 vs GPU",
            "V100S",
            PAPER["energy_v100s"],
            round(e_v, 3),
            why_gpu,
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            wl,
            "energy efficiency (tokens/J) U280 vs GPU",
            "A100-40GB",
            PAPER["energy_a100"],
            round(e_a, 3),
            gpu_base + "; A100 board power is an independent batch-1 decode measurement (Argonne "
            "LLM-Inference-Bench: A100-SXM4-40GB, vLLM, Llama-2-7B FP16, batch 1, 1024 + 1024 tokens, NVML mean "
            f"{a100_w:g} W; a repeat run 231 W; sim/presets/a100-40gb.yaml), a later vLLM (about v0.5) in FP16 rather "
            "than the paper's 2023 vLLM + SmoothQuant W8A8. The authors' artifact measured its A100 baseline as "
            "vLLM 0.1.7 FP16 on an 80 GB card at about 87 tokens/s (sim/flightllm/artifact.yaml), but published "
            "no A100 power",
        )
    )
    price_note = "prices are assumed list prices (sim/flightllm/baselines.yaml); "
    rows.append(
        ReproRow(
            DESIGN,
            wl,
            "cost efficiency (tokens/s per $) U280 vs GPU",
            "V100S",
            PAPER["cost_v100s"],
            round(c_v, 3),
            price_note + why_gpu,
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            wl,
            "cost efficiency (tokens/s per $) U280 vs GPU",
            "A100-40GB",
            PAPER["cost_a100"],
            round(c_a, 3),
            price_note + why_gpu,
        )
    )
    rows.extend(_measured_rows(llama, points, prices))
    for name, res in (("V100S " + GPU_FRAMEWORK, v100), ("V100S " + GPU_NAIVE[0], v100_naive)):
        rows.append(
            ReproRow(
                DESIGN,
                "LLaMA2-7B b1 geomean of 6 grid points",
                "GPU decode throughput (tokens/s)",
                name,
                None,
                round(_geomean([res[k]["tok_s"] for k in points]), 2),
                "model input: sim.gpu achieved model; kernels per layer counted from the framework's model code "
                "(sim/gpu/frameworks.yaml); host issue time per kernel (eager PyTorch dispatch) and per-step host "
                "work from the same file",
            )
        )
    k = (512, 1536)
    art_inst = read_yaml(ARTIFACT, "FlightLLM artifact facts")["instructions"]
    art_st = _artifact_storage(art_inst, st["prefill_step"], st["decode_step"], st["max_len"])
    rows.extend(_artifact_rows(llama, vhk, a100_fp16, points, art_st, steps))
    rows.extend(_gpu_validation_rows(a100_fp16, a100_naive))
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B b1 [512,1536] U280",
            "HBM bandwidth utilisation, off-chip decode",
            None,
            PAPER["bw_off"],
            round(off[k]["bw"], 4),
            "activations spilled to HBM + no fusion; per-PC model exposes latency on each RAW round "
            "trip, but weight streams stay long, so the loss is smaller than the paper's. Bytes / (time x 460 "
            f"GB/s); transfers stripe over the {lay['pcs']} of {lay['of']} PCs the 3 cores drive (8 per core, the "
            f"artifact's layout), and against their {lay['share'] * 460:.1f} GB/s the same bytes are "
            f"{off[k]['bw'] / lay['share']:.3f} (model-only). Missing fact: "
            "how the paper's baseline issues activation traffic (transfer size, whether weight prefetch "
            "continues across a spill/reload, how many pseudo-channels the activations use). The authors' "
            "profiler charges LD/ST at 0.7 of a channel's bandwidth within a channel and 0.35 across channels "
            "(artifact profile/config.yaml lines 88-89), beside the paper's 0.659 / 0.356: its utilisations may "
            "be that accounting rather than a measurement (not adopted here: the constants would be the figures)",
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B b1 [512,1536] U280",
            "HBM bandwidth utilisation, always-on-chip decode",
            None,
            PAPER["bw_on"],
            round(llama[k]["bw"], 4),
            "useful bytes / (decode time x 460 GB/s); refresh, exposed latency and MV-compute-bound "
            "tiles are the losses; K/V of the kept attention blocks only (the authors' decode masks). "
            f"Transfers stripe over the {lay['pcs']} of {lay['of']} PCs the 3 cores drive (8 per core: artifact "
            "case/token_64_single_layer/info.yaml channel_physic_id 0,4,...,28; README lines 53-77), so 460 GB/s "
            f"is out of reach: against the {lay['share'] * 460:.1f} GB/s of those PCs the same bytes are "
            f"{llama[k]['bw'] / lay['share']:.3f} (model-only; the paper's 0.659 would be "
            f"{PAPER['bw_on'] / lay['share']:.3f} of it if its denominator is the device peak, which its text does "
            "not say)",
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B prefill 512 U280",
            "computation-efficiency gain from sparsity (x)",
            "dense W8A8, dense attention",
            PAPER["sparsity_gain"],
            round(sp["dense"] / sp["sparse"], 3),
            "the paper defines computation efficiency as 'runtime DSP utilization' (§1: 'a configurable sparse "
            "DSP chain ... to support different sparsity patterns with high computation efficiency (i.e., runtime "
            "DSP utilization)'; 'FlightLLM improves the computation efficiency by 1.6x with block-wise and N:M "
            "sparsity'). Read as useful (non-zero) MACs per DSP-cycle of the same model on a chain that cannot "
            "skip zeros, the utilisation ratio is dense-chain time / CSD-chain time, which is what this row "
            "computes; the evaluation figure that defines the paper's baseline was not reachable. "
            f"The spec's only sparsity fact is q_proj/k_proj N:M at density 0.7 [A] (+ causal block "
            f"skipping): those ops are {100 * sp['dense_share']:.1f} % of dense prefill MACs, so Amdahl caps "
            f"the gain near 1.05x, and even on the sparse ops alone the cap is 1/0.7 = 1.43x. The authors' "
            f"artifact has the same configuration (its IR: q/k_proj at 0.7 in all 32 layers, every other "
            f"linear dense) plus block-sparse attention masks keeping 0.80 of the causal 64-token blocks over "
            f"the first 512 tokens (modelled in decode only, compression.decode_attention_keep), and attention "
            f"is about 1 % of 512-token prefill MACs. Missing fact: which "
            f"layers and densities the paper's 1.6x was measured on (1.6x over all linear layers needs density "
            f"<= 1/1.6 = 0.625)",
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B prefill 512 U280",
            "compute gain on the sparsified ops q_proj+k_proj (x)",
            "dense W8A8",
            None,
            round(sp["dense_qk"] / sp["sparse_qk"], 3),
            "MPE cycles of q_proj+k_proj only, N:M density 0.7 (N in {8,16} per 16x16 block); "
            "bound 1/0.7 = 1.43x less CSD-chain fill/drain",
        )
    )
    sizes, ps, ds, ml = st["sizes"], st["prefill_step"], st["decode_step"], st["max_len"]
    with_b = sum(sizes.values())
    without = sum(sizes[("prefill", -(-L // ps) * ps)] for L in range(1, ml + 1)) + sum(
        sizes[("decode", -(-L // ds) * ds)] for L in range(1, ml + 1)
    )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B lengths 1..2048",
            "instruction storage reduction by bucketing (x)",
            "one program per exact length",
            PAPER["storage_reduction"],
            round(without / with_b, 2),
            f"per-step programs: {without / 1e6:.1f} MB without vs {with_b / 1e6:.2f} MB with buckets "
            f"({len(sizes)} bucket programs, {with_b / len(sizes) / 1e3:.0f} kB each on average); each "
            f"exact-length program ({2 * ml}) sized as its bucket's. The paper's ~GB with buckets implies "
            f"~{1e9 / len(sizes) / 1e6:.0f} MB per step program, and its ~TB without implies ~1e3x more "
            f"programs or bytes than the {2 * ml} exact lengths. Our compiler issues one instruction per "
            f"weight tile filling half the buffers: a KV-1024 decode step holds "
            f"{sizes[('decode', 1024)] / 1e3:.0f} kB where the authors' holds {art_st['decode_1024'] / 1e6:.2f} MB "
            f"(see the authors'-granularity row). Missing fact: what the paper's no-bucketing baseline "
            f"enumerates",
        )
    )
    return rows
