"""Attention masks: bidirectional encoders compute every block, causal decoders skip masked ones."""

from __future__ import annotations

from llmaccel.sim.designs import get_design
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import fixed
from llmaccel.workloads.zoo import get_model


def _attn(model: str, prompt: int, quant: str = "w8a8"):
    hw = load_preset("u280")
    d = get_design("flightllm")
    tr = build_trace(get_model(model), "prefill", fixed(1, prompt, 1, phase="prefill"), quant=quant, layers=1)
    r = d.simulate(d.compile(tr, hw), hw)
    return {o.name: o for o in r.ops}, r


def test_bert_attention_is_dense_and_below_peak():
    ops, r = _attn("bert-base", 512)
    ctx = ops["L0.attn_context.r0"]
    # 12 heads over 3 cores = 4 heads per core; per head: 64 columns / pN 2 = 32 column tiles,
    # 512 rows / pM 128 = 4 row tiles, 512 keys / pK 16 = 32 beats -> 4096 beats; + 2*8 drain;
    # then the SLR gather barrier: out and back over 2 boundaries of 4 cycles (u280 links)
    assert ctx.compute_cycles == 4 * 32 * 4 * 32 + 16 + 2 * 2 * 4
    assert ctx.utilisation <= 1.0
    assert abs(ctx.utilisation - 12 * 512 * 64 * 512 / (16416 * 3 * 4096)) < 1e-9


def test_causal_decoder_counts_only_the_lower_triangle_as_useful():
    ops, _ = _attn("llama2-7b", 512, "flightllm-paper")
    for name in ("L0.attn_score.r0", "L0.attn_context.r0"):
        o = ops[name]
        assert o.macs == int(32 * 512 * 512 * 128 * 513 / 1024)  # (s + 1) / (2 s) of the dense square
        assert o.utilisation <= 1.0


def test_decode_step_grows_at_least_by_kv_streaming_time():
    """Issue 11 §3 said attention/KV cost grows too little with context: per decode step and
    block it must grow by at least the new K and V bytes at peak HBM bandwidth."""
    from llmaccel.sim.flightllm.request import _run

    # every key read: the authors' block masks off (they are the next test's subject)
    hw = load_preset("u280").with_overrides({"compression.block_sparse_attention": False}, "test: every key")
    m = get_model("llama2-7b")
    short = _run(m, "decode", 512, hw, "flightllm-paper", 1)
    long = _run(m, "decode", 2048, hw, "flightllm-paper", 1)
    kv_bytes = 1536 * 2 * 4096  # 1536 more keys x (K + V) x 4096 INT8 values
    peak_bytes_per_cycle = 460e9 / 225e6
    assert long.total_cycles - short.total_cycles >= kv_bytes / peak_bytes_per_cycle


def _keep_preset(tmp_path, keep: list[float]):
    """u280 with its own decode_attention_keep (lists are not overridable: a preset file extending u280)."""
    f = tmp_path / f"u280-keep{len(keep)}.yaml"
    f.write_text(
        "schema: 1\nname: u280-keep\ndesign: flightllm\nextends: u280\ndescription: test\nparams:\n"
        f"  compression:\n    decode_attention_keep: {{value: {keep}, source: test}}\n"
    )
    return load_preset(str(f))


def test_kept_keys_by_hand():
    from llmaccel.sim.hardware.flightllm import CompressionParams

    c = CompressionParams(decode_attention_keep=[1.0, 0.5, 0.25], attention_mask_block=64)
    assert c.kept_keys(64) == 64  # row 0 keeps everything
    assert c.kept_keys(100) == 50  # row 1: ceil(100 x 0.5)
    assert c.kept_keys(129) == 33  # row 2: ceil(129 x 0.25)
    assert c.kept_keys(1000) == 250  # past the list: its last row
    assert c.kept_keys(0) == 0
    assert CompressionParams().kept_keys(1000) == 1000  # no mask: every key


def test_decode_attention_reads_only_the_kept_key_blocks(tmp_path):
    """With the authors' block masks a decode query reads its row's kept keys: LD bytes and the
    reduction (context) / columns (score) shrink by kept/keys, and useful MACs with them."""
    from llmaccel.sim.flightllm.request import _run

    m = get_model("llama2-7b")
    hw = _keep_preset(tmp_path, [1.0] * 15 + [0.25])  # KV 961..1024 is row 15
    dense = load_preset("u280").with_overrides({"compression.block_sparse_attention": False}, "test: every key")
    r, rd = _run(m, "decode", 1024, hw, "flightllm-paper", 1), _run(m, "decode", 1024, dense, "flightllm-paper", 1)
    ops, dops = {o.name: o for o in r.ops}, {o.name: o for o in rd.ops}
    for name in ("L0.attn_score.r0", "L0.attn_context.r0"):
        # 32 heads x 1024 keys x 128 values, INT8: 4 MiB of K (or V) read without the mask
        assert dops[name].bytes["dram_read"] == 32 * 1024 * 128
        assert ops[name].bytes["dram_read"] == 32 * 256 * 128
        assert ops[name].macs == 32 * 256 * 128
        assert ops[name].compute_cycles < dops[name].compute_cycles
    assert r.total_cycles < rd.total_cycles


def test_prefill_ignores_the_decode_masks(tmp_path):
    from llmaccel.sim.flightllm.request import _run

    m = get_model("llama2-7b")
    a = _run(m, "prefill", 256, _keep_preset(tmp_path, [0.1]), "flightllm-paper", 1)
    b = _run(m, "prefill", 256, load_preset("u280"), "flightllm-paper", 1)
    assert a.total_cycles == b.total_cycles
