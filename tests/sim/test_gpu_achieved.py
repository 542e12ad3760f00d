"""GPU achieved-performance model: hand-computed launch-, bandwidth- and compute-bound cases,
the GOBO / OliVe GPU paths, and a source for every preset number."""

from pathlib import Path

import pytest
import yaml

from llmaccel.sim.gpu import achieved
from llmaccel.sim.gpu.achieved import achieved_of, framework, framework_kernels, framework_pass, op_work_s, pass_time
from llmaccel.sim.gpu.quantized import GoboWeights, gobo_op_kernels, olive_op_kernels
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import FP16, INT8, QuantSpec

PRESETS = Path(__file__).resolve().parents[2] / "sim" / "presets"
GPUS = ("v100s", "a100-40gb", "a100-80gb", "rtx2080ti")


def leaf(name: str, dotted: str) -> float:
    """A number straight from the YAML file (not through the code under test)."""
    node = yaml.safe_load((PRESETS / f"{name}.yaml").read_text())["params"]
    for part in dotted.split("."):
        node = node[part]
    return node["value"]


def params(name):
    return achieved_of(load_preset(name))


def test_launch_bound_pass_of_tiny_kernels():
    # 100 kernels of 10 ns each on the V100S: host launches (3.8 us each) bind, not the GPU
    p, a = params("v100s")
    t = pass_time(100 * 10e-9, 100, a)
    assert t.launch_bound
    assert t.seconds == pytest.approx(100 * 3.8e-6 + 5.8e-6)
    # long kernels: GPU busy time + 0.9 us gap each, launches hidden
    t = pass_time(100 * 20e-6, 100, a)
    assert not t.launch_bound
    assert t.seconds == pytest.approx(100 * (20e-6 + 0.9e-6) + 5.8e-6)


def test_bandwidth_bound_decode_gemv_by_hand():
    # W8A8 q_proj of a 4096-wide model at batch 1: 4 KiB + 16 MiB + 8 KiB moved at 87.8 % of 1134 GB/s
    p, a = params("v100s")
    op = Op("L0.q_proj", OpKind.GEMV, 0, Phase.DECODE, m=1, n=4096, k=4096, a_spec=INT8, b_spec=INT8)
    nbytes = 4096 + 4096 * 4096 + 4096 * 2
    assert op_work_s(op, p, a) == pytest.approx(nbytes / (1134e9 * 0.878))
    assert nbytes / (1134e9 * 0.878) == pytest.approx(16.863e-6, rel=1e-4)


def test_compute_bound_gemm_wave_quantisation_by_hand():
    # A100: 108 SMs, 128x128 tiles, 66.4 % of 312 TFLOPS shared over the SMs
    p, a = params("a100-40gb")
    per_wave = 2 * 128 * 128 * 4096 / (312e12 / 108 * 0.664)  # one tile's k-loop on one SM: 69.97 us
    assert per_wave == pytest.approx(69.97e-6, rel=1e-4)
    full = Op("g", OpKind.GEMM, 0, Phase.PREFILL, m=1152, n=1536, k=4096)  # 9 x 12 = 108 tiles: one wave
    spill = Op("g", OpKind.GEMM, 0, Phase.PREFILL, m=1024, n=1792, k=4096)  # 8 x 14 = 112 tiles: two waves
    assert op_work_s(full, p, a) == pytest.approx(per_wave)
    assert op_work_s(spill, p, a) == pytest.approx(2 * per_wave)
    # memory would take 26.7 MB / 1365 GB/s = 19.6 us: compute binds
    assert (1024 * 4096 + 4096 * 1792 + 1024 * 1792) * 2 / (1555e9 * 0.878) < per_wave


def test_split_k_fills_the_sms_for_a_skinny_gemm_by_hand():
    # A100, m=64 x n=3072: 1 x 24 tiles < 108 SMs -> up to min(108 // 24, 4096 // 256) = 4 splits; at 4
    # splits (K=1024 each, 96 tiles, one wave) compute hides under memory, fewer splits are compute-bound
    p, a = params("a100-40gb")
    op = Op("g", OpKind.GEMM, 0, Phase.DECODE, m=64, n=3072, k=4096)
    bw = 1555e9 * 0.878
    compute = 2 * 128 * 128 * 1024 / (312e12 / 108 * 0.664)  # 96 tiles: one wave
    memory = (64 * 4096 + 4096 * 3072 + 64 * 3072) * 2 / bw
    reduce = 2 * 3 * 64 * 3072 * 4 / bw  # 3 extra FP32 partial sums written and read
    assert memory > compute
    unsplit = 2 * 128 * 128 * 4096 / (312e12 / 108 * 0.664)
    assert unsplit > memory + reduce  # so splitting pays
    assert op_work_s(op, p, a) == pytest.approx(memory + reduce)


def test_gobo_runs_three_kernels_per_weight_matmul_by_hand():
    p, a = params("rtx2080ti")
    g3 = QuantSpec("gobo", 3)
    op = Op("L0.fc1", OpKind.GEMM, 0, Phase.PREFILL, m=128, n=3072, k=768, a_spec=FP16, b_spec=g3)
    w = GoboWeights(0.001, 64)
    dq, outl, gemm = gobo_op_kernels(op, p, a, w)
    bw = 616e9 * 0.69
    weights = 768 * 3072
    assert dq == pytest.approx(max(op.b_bytes() + weights * 2, 0) / bw)
    assert outl == pytest.approx(weights * 0.001 * (8 + 32) / bw)
    # FP16 GEMM: 1 x 24 tiles on 68 SMs, up to min(68 // 24, 768 // 256) = 2 K splits; the faster is taken
    unsplit = 2 * 128 * 128 * 768 / (53.8e12 / 68 * 0.664)
    split = max(2 * 128 * 128 * 384 / (53.8e12 / 68 * 0.664), (128 * 768 + weights + 128 * 3072) * 2 / bw)
    split += 2 * 128 * 3072 * 4 / bw
    assert gemm == pytest.approx(min(unsplit, split))


def test_olive_encodes_activations_then_runs_int4():
    p, a = params("rtx2080ti")
    o4 = QuantSpec("ovp4", 4)
    lin = Op("L0.fc1", OpKind.GEMM, 0, Phase.PREFILL, m=128, n=3072, k=768, a_spec=o4, b_spec=o4)
    enc, gemm = olive_op_kernels(lin, p, a)
    # INT4: unsplit 6.0 us of compute over 4.7 us of memory; 2 splits would take max(3.0, 4.7) + 7.4 us of
    # FP32 partials, so the unsplit GEMM is taken
    bw = 616e9 * 0.69
    memory = (128 * 768 * 0.5 + 768 * 3072 * 0.5 + 128 * 3072 * 2) / bw
    unsplit = 2 * 128 * 128 * 768 / (430.3e12 / 68 * 0.664)
    assert unsplit > memory
    assert unsplit < max(unsplit / 2, memory) + 2 * 128 * 3072 * 4 / bw
    assert gemm == pytest.approx(unsplit)
    # encode: read 128 x 768 FP16, write 4-bit codes; 4 flops/element on 13.4 TFLOPS x 0.5 is slower
    vals = 128 * 768
    assert enc == pytest.approx(max(vals * 2.5 / (616e9 * 0.69), vals * 4 / (13.4e12 * 0.5)))
    attn = Op(
        "L0.score",
        OpKind.ATTN_SCORE,
        0,
        Phase.PREFILL,
        m=128,
        n=128,
        k=64,
        count=12,
        a_spec=o4,
        b_spec=o4,
        b_class="kv",
    )
    assert len(olive_op_kernels(attn, p, a)) == 3  # both activation operands encoded


def test_framework_kernel_count_from_vllm_structure():
    assert framework_kernels("vllm-llama-w8a8", 32) == 32 * 16 + 4
    assert framework_kernels("vllm-llama-fp16", 32) == 32 * 12 + 4
    # HF eager: 2 RMSNorms of 8 kernels, 3 projections, rotary 12, KV cat 2, attention 7, o_proj, 2 adds, MLP 5
    assert framework_kernels("hf-pytorch-llama-fp16", 32) == 32 * (16 + 3 + 12 + 2 + 7 + 1 + 2 + 5) + 12
    with pytest.raises(InputError):
        framework_kernels("tensorrt", 32)


def test_framework_host_time_per_kernel_and_per_step():
    p, a = params("a100-80gb")
    # 100 kernels of 10 us each = 1 ms busy + 0.09 ms gaps; an eager host at 20 us per kernel needs 2 ms,
    # so the host binds; 0.5 ms of serial per-step host work and one 5.8 us sync add on top
    t = pass_time(100 * 10e-6, 100, a, host_us_per_kernel=20.0, step_host_us=500.0)
    assert t.launch_bound
    assert t.host_step_s == pytest.approx(0.5e-3)
    assert t.seconds == pytest.approx(0.5e-3 + 2.0e-3 + 5.8e-6)
    # a framework quicker than the C++ launch loop (1 us) is floored at the preset's 3.8 us launch
    t = pass_time(100 * 10e-6, 100, a, host_us_per_kernel=1.0, step_host_us=500.0)
    assert not t.launch_bound
    assert t.seconds == pytest.approx(0.5e-3 + 100 * (10e-6 + 0.9e-6) + 5.8e-6)


def test_framework_pass_charges_its_host_costs():
    from llmaccel.workload import model_trace
    from llmaccel.workloads.zoo import get_model

    m = get_model("llama2-7b")
    step = model_trace(m, "decode", 1, 1023, 1, kv_len=1024, quant="fp16", lm_head=True)
    hf, vl = framework("hf-pytorch-llama-fp16"), framework("vllm-llama-fp16")
    t_hf = framework_pass(step, "a100-80gb", hf.name, 32)
    t_vl = framework_pass(step, "a100-80gb", vl.name, 32)
    # same kernels' busy time under both; HF issues 32 x 48 + 12 kernels eagerly, vLLM 32 x 12 + 4
    assert t_hf.work_s == pytest.approx(t_vl.work_s)
    assert t_hf.kernels == 1548 and t_vl.kernels == 388
    # each pass = per-step host work + max(GPU busy + gaps, host issue) + one sync
    for t, f in ((t_hf, hf), (t_vl, vl)):
        host = t.kernels * max(3.8, f.host_us_per_kernel) * 1e-6
        gpu = t.work_s + t.kernels * 0.9e-6
        assert t.seconds == pytest.approx(f.step_host_us * 1e-6 + max(gpu, host) + 5.8e-6)
    # FP16 LLaMA2-7B weights alone (6.7e9 x 2 B) at 87.8 % of 2039 GB/s bound the busy time from below
    assert t_vl.work_s > 6.7e9 * 2 / (2039e9 * 0.878)


def test_framework_missing_host_cost_is_an_input_error(tmp_path, monkeypatch):
    bad = tmp_path / "frameworks.yaml"
    bad.write_text(
        "schema: 1\nframeworks:\n  x:\n    kernels_per_layer: {value: 1, source: s}\n"
        "    kernels_per_pass: {value: 1, source: s}\n"
    )
    monkeypatch.setattr(achieved, "FRAMEWORKS", bad)
    with pytest.raises(InputError, match="host_us_per_kernel"):
        framework("x")


def test_every_framework_number_has_a_source():
    table = yaml.safe_load(achieved.FRAMEWORKS.read_text())["frameworks"]
    for name, entry in table.items():
        for key, leaf_ in entry.items():
            if key != "description":
                assert leaf_.get("source"), f"{name}.{key} has no source"


@pytest.mark.parametrize("name", GPUS)
def test_every_achieved_number_has_a_source(name):
    hw = load_preset(name)
    keys = [k for k in hw.sources if k.startswith("achieved.")]
    assert len(keys) >= 10
    block = yaml.safe_load((PRESETS / f"{name}.yaml").read_text())["params"]["achieved"]

    def leaves(node, prefix):
        for k, v in node.items():
            if isinstance(v, dict) and "value" in v:
                yield f"{prefix}{k}", v
            elif isinstance(v, dict):
                yield from leaves(v, f"{prefix}{k}.")

    for key, v in leaves(block, "achieved."):
        assert len(v["source"]) > 20, key
        assert key in hw.sources
        if key.startswith("achieved.measured."):
            assert v["source"].startswith("measured input")


def test_v100s_measured_point_is_labelled():
    assert leaf("v100s", "achieved.measured.tokens_per_s") == 45
    assert leaf("v100s", "achieved.measured.board_w") == 220


def test_preset_without_achieved_block_is_rejected():
    hw = load_preset("v100s")
    bare = type(hw)(hw.name, hw.design, {k: v for k, v in hw.params.items() if k != "achieved"}, hw.sources)
    with pytest.raises(InputError, match="achieved"):
        achieved_of(bare)
    with pytest.raises(InputError):
        achieved_of(load_preset("u280"))


def test_neupims_compares_against_the_a100_40gb():
    from llmaccel.reproduce import neupims

    assert neupims.GPU_PRESET == "a100-40gb"


@pytest.mark.parametrize(
    "field,value",
    [
        ("achieved.memory_fraction", 1.5),
        ("achieved.sm_count", 0),
        ("achieved.tile_m", -128),
        ("achieved.launch_us", -1),
    ],
)
def test_bad_achieved_numbers_are_rejected(field, value):
    """Refused either by the preset's numeric validator (a negative override of a positive
    number) or by the achieved model's own ranges; the message names the field."""
    with pytest.raises(InputError, match=field.split(".")[1]):
        achieved_of(load_preset("a100-40gb").with_overrides({field: value}, "test"))


@pytest.mark.parametrize("frac,bits", [(-0.1, 64), (1.0, 64), (0.001, 0)])
def test_bad_gobo_format_is_rejected(frac, bits):
    with pytest.raises(InputError):
        GoboWeights(frac, bits)


def test_pass_without_kernels_is_rejected():
    with pytest.raises(InputError, match="kernels"):
        pass_time(0.0, 0, params("v100s")[1])


def test_hf_host_time_reproduces_its_source_measurement():
    """The eager HF entry's per-kernel host time is derived from Hugging Face optimum-benchmark's
    A100-80GB run (transformers 4.34.1, LLaMA-2-7B FP16, batch 1, 512-token prompt, 1000 new tokens:
    forward 0.0586 s, generate 26.2 s; sim/gpu/frameworks.yaml): the model must give that run's
    per-step time back, and the same repository's batch 2/4/8 points (host-bound, 76.3 / 149 / 294
    tokens/s at a 256-token prompt) within 5 %."""
    from llmaccel.workload import model_trace
    from llmaccel.workloads.zoo import get_model

    m = get_model("llama2-7b")
    step_s = (26.2 - 0.0586) / 999
    kv = 512 + 500
    step = model_trace(m, "decode", 1, kv - 1, 1, kv_len=kv, quant="fp16", lm_head=True)
    t = framework_pass(step, "a100-80gb", "hf-pytorch-llama-fp16", 32)
    assert t.seconds == pytest.approx(step_s, rel=2e-3)
    assert t.launch_s > t.work_s + t.gaps_s  # host-bound at batch 1
    for batch, measured in ((2, 76.3), (4, 149.0), (8, 294.0)):
        step = model_trace(m, "decode", batch, 511, 1, kv_len=512, quant="fp16", lm_head=True)
        tok_s = batch / framework_pass(step, "a100-80gb", "hf-pytorch-llama-fp16", 32).seconds
        assert tok_s == pytest.approx(measured, rel=0.05)
