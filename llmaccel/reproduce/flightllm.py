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
FIDELITY: Literal["full", "steady"] = "steady"
BASELINES = Path(__file__).resolve().parents[2] / "sim" / "flightllm" / "baselines.yaml"
#: FlightLLM's optimised GPU baseline: vLLM + SmoothQuant (spec/flightllm.md); kernels per layer in
#: sim/gpu/frameworks.yaml.
GPU_FRAMEWORK = "vllm-llama-w8a8"
GPU_QUANT = "w8a8"
#: FlightLLM's naive GPU baseline: HF PyTorch in FP16 (spec/flightllm.md); informative rows, no paper value.
GPU_NAIVE = ("hf-pytorch-llama-fp16", "fp16")

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
    from llmaccel.sim.preset import read_yaml

    points = tuple((p, d) for p in PREFILL for d in DECODE)
    big = ((512, 1536),)
    jobs = [
        (_grid, ("u280", "llama2-7b", points)),
        (_grid, ("u280", "opt-6.7b", points)),
        (_grid, ("vhk158", "llama2-7b", big)),
        (_grid, ("u280-offchip", "llama2-7b", big)),
        (_gpu, ("v100s", GPU_FRAMEWORK, points)),
        (_gpu, ("a100-40gb", GPU_FRAMEWORK, points)),
        (_gpu, ("v100s", GPU_NAIVE[0], points, GPU_NAIVE[1])),
        (_sparsity, ()),
        (_storage, ()),
    ]
    with ProcessPoolExecutor(max_workers=2) as ex:
        llama, opt, vhk, off, v100, a100, v100_naive, sp, st = list(ex.map(_call, jobs))
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
            "queues, platform shell) and BRAM are not modelled",
        )
    )
    gpu_base = (
        f"U280 energy from the board power model; model input: GPU = sim.gpu achieved model, {GPU_FRAMEWORK} (kernels per layer from vLLM's model code), "
        "measured sustained HBM fraction, per-kernel gap + launch + one sync per step, decode at the mean KV "
        "length; board power = the preset's load_power_w (V100S: the paper's own measured baseline power, a "
        "measured input; A100: that load fraction of its TDP, assumed)"
    )
    why_gpu = (
        gpu_base + "; the paper's own V100S measurement (about 45 tokens/s) is far below what the V100S's sustained "
        "bandwidth allows for 1-byte weights (see the measured-input rows): the framework costs behind that gap "
        "(Python dispatch, SmoothQuant kernels on Volta, which has no INT8 tensor cores) have no published figure"
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
            gpu_base + "; no measured A100 point: A100 board power is the V100S's measured load fraction "
            "applied to the 400 W SXM TDP (assumed)",
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
                "(sim/gpu/frameworks.yaml); host launch at the C++ launch figure, Python dispatch not modelled",
            )
        )
    k = (512, 1536)
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B b1 [512,1536]",
            "decode throughput VHK158 vs GPU",
            "A100-40GB",
            PAPER["vhk158_vs_a100"],
            round(vhk[k]["tok_s"] / a100[k]["tok_s"], 3),
            "VHK158 clock and core count are not in the spec: 225 MHz and 3 cores assumed, so decode "
            "stays MV-compute-bound and the 819 GB/s HBM is under-used",
        )
    )
    rows.append(
        ReproRow(
            DESIGN,
            "LLaMA2-7B b1 [512,1536] U280",
            "HBM bandwidth utilisation, off-chip decode",
            None,
            PAPER["bw_off"],
            round(off[k]["bw"], 4),
            "activations spilled to HBM + no fusion; per-PC model exposes latency on each RAW round "
            "trip, but weight streams stay long, so the loss is smaller than the paper's. Missing fact: "
            "how the paper's baseline issues activation traffic (transfer size, whether weight prefetch "
            "continues across a spill/reload, how many pseudo-channels the activations use)",
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
            "tiles are the losses",
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
            f"the spec's only sparsity fact is q_proj/k_proj N:M at density 0.7 [A] (+ causal block "
            f"skipping): those ops are {100 * sp['dense_share']:.1f} % of dense prefill MACs, so Amdahl caps "
            f"the gain near 1.05x, and even on the sparse ops alone the cap is 1/0.7 = 1.43x. Missing fact: "
            f"which layers and densities the paper's 1.6x was measured on (1.6x over all linear layers "
            f"needs density <= 1/1.6 = 0.625)",
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
            f"programs or bytes than the {2 * ml} exact lengths. Missing facts: the paper's instructions "
            f"per step (its unrolling granularity) and what its no-bucketing baseline enumerates",
        )
    )
    return rows
