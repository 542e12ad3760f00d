"""Model families of issue 14 §3: MoE (Mixtral, Qwen-MoE, DeepSeek), DistilBERT, T5 encoder, Falcon,
Hugging Face ids from the local cache; every number below is counted by hand in the docstrings."""

from __future__ import annotations

import json

import pytest

from llmaccel.commands.trace import summary
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import build_trace, expert_groups, touched_experts
from llmaccel.workloads.hf_config import config_from_dict
from llmaccel.workloads.requests import fixed
from llmaccel.workloads.zoo import get_model

MIXTRAL = {
    "model_type": "mixtral",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 100,
    "max_position_embeddings": 256,
    "num_local_experts": 4,
    "num_experts_per_tok": 2,
    "hidden_act": "silu",
    "rms_norm_eps": 1e-5,
}
DISTILBERT = {
    "model_type": "distilbert",
    "dim": 64,
    "hidden_dim": 256,
    "n_layers": 2,
    "n_heads": 4,
    "vocab_size": 100,
    "max_position_embeddings": 128,
    "activation": "gelu",
}


def _write(tmp_path, cfg, name="config.json"):
    p = tmp_path / name
    p.write_text(json.dumps(cfg))
    return p


def test_touched_experts_follow_the_uniform_top_k_expectation():
    # one token touches exactly its k experts
    assert touched_experts(1, 8, 2) == 2
    # B=4, k=2, E=8: 8 * (1 - 0.75**4) = 5.47 -> 5
    assert touched_experts(4, 8, 2) == 5
    # B=8, k=2, E=4: 4 * (1 - 0.5**8) = 3.98 -> 4 (all experts)
    assert touched_experts(8, 4, 2) == 4
    # 8 assignments over 5 experts: three take 2 tokens, two take 1
    assert expert_groups(4, 8, 2) == [(2, 3), (1, 2)]
    assert expert_groups(8, 4, 2) == [(4, 4)]


def test_mixtral_prefill_macs_and_weight_bytes_by_hand(tmp_path, cli):
    """Mixtral-style, E=64 hidden, F=128 per expert, 4 heads of d=16, 2 KV heads, 4 experts top-2,
    2 layers, prefill of one 8-token prompt (T=8), w8a8 (1 byte per weight).

    Per layer MACs:
      q, o: 8*64*64 = 32768 each; k, v: 8*64*32 = 16384 each          -> 98304
      attention: score and context, rows g*8=16, keys 8, d 16, 2 KV heads: 2 * 16*8*16*2 = 8192
      router: 8*64*4 = 2048
      experts: 16 (token, expert) pairs over 4*(1-0.5**8) -> 4 touched experts of 4 tokens,
               gate+up+down: 3 * 4*64*128 * 4 = 393216 (= 16 * 3*64*128)
      total 501760; two layers 1003520.
    Weight bytes per layer: q 4096 + k 2048 + v 2048 + o 4096 + router 256
      + 4 touched experts * 3*64*128 = 98304 -> 110848; two layers 221696.
    """
    cfg = _write(tmp_path, MIXTRAL)
    model = get_model(str(cfg))
    assert (model.num_experts, model.experts_per_token, model.moe_intermediate_size) == (4, 2, 128)
    trace = build_trace(model, "prefill", fixed(1, 8, 1, phase="prefill"), quant="w8a8")
    assert trace.total_macs == 1003520
    assert summary(trace)["weight_bytes"] == 221696
    # capacity holds all 4 experts of both layers; this step reads the 4 touched
    assert trace.meta["moe"]["expert_weight_bytes_capacity"] == 2 * 4 * 3 * 64 * 128
    r = cli("run", "--quiet", "--format", "json", "--model", str(cfg), "--phase", "prefill", "--prompt-len", "8")
    assert r.rc == 0, r.err
    d = json.loads(r.out)
    assert d["total_macs"] == 1003520
    assert d["workload"]["moe"]["touched_experts"] == 4 and d["workload"]["moe"]["experts"] == 4


def test_mixtral_decode_reads_only_the_touched_experts(tmp_path):
    """Decode, batch 1: the token routes to 2 experts, so expert weights read = 2 * 3*64*128 = 49152
    per layer, against 4 * 3*64*128 = 98304 held (capacity); MACs of the experts 2 * 3*64*128 = 49152."""
    model = get_model(str(_write(tmp_path, MIXTRAL)))
    trace = build_trace(model, "decode", fixed(1, 16, 1), quant="w8a8", layers=1)
    experts = [op for op in trace.ops if op.role.startswith("expert_") and op.kind.is_matmul]
    assert sum(op.b_bytes() for op in experts) == 49152
    assert sum(op.macs for op in experts) == 49152
    assert trace.meta["moe"]["expert_weight_bytes_capacity"] == 98304
    assert trace.meta["moe"]["expert_weight_bytes_read"] == 49152


@pytest.mark.parametrize("hw", ["systolic-int8", "olive-w4a4", "mixpe-w4a8", "u280", "a100-80gb", "systolic-fp16"])
def test_every_host_runs_the_moe_roles(tmp_path, cli, hw):
    cfg = _write(tmp_path, MIXTRAL)
    r = cli("run", "--quiet", "--format", "json", "--hw", hw, "--model", str(cfg), "--batch", "4", "--layers", "1")
    assert r.rc == 0, r.err
    roles = {o["role"] for o in json.loads(r.out)["ops"]}
    assert {"moe_router", "expert_up", "expert_down", "moe_combine"} <= roles


def test_neupims_says_it_does_not_model_moe(tmp_path, cli):
    cfg = _write(tmp_path, {**MIXTRAL, "num_key_value_heads": 4})
    r = cli("run", "--quiet", "--hw", "neupims", "--model", str(cfg), "--layers", "1")
    assert r.rc == 2 and "not modelled" in r.err and len(r.err.strip().splitlines()) == 1


def test_qwen_moe_shared_expert_gate_and_dense_layers():
    cfg = {
        **MIXTRAL,
        "model_type": "qwen2_moe",
        "num_local_experts": None,
        "num_experts": 8,
        "intermediate_size": 256,
        "moe_intermediate_size": 32,
        "shared_expert_intermediate_size": 128,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [1],
    }
    m = config_from_dict(cfg, "qwen-moe")
    assert (m.num_experts, m.moe_intermediate_size, m.shared_expert_intermediate_size) == (8, 32, 128)
    assert m.shared_expert_gate and m.dense_layers == (1,)
    trace = build_trace(m, "decode", fixed(1, 16, 1), quant="fp16")
    l0 = {op.role: op for op in trace.ops if op.layer == 0}
    l1 = {op.role: op for op in trace.ops if op.layer == 1}
    assert l0["shared_expert_gate"].n == 1 and l0["ffn_up"].n == 128  # shared expert, 128 wide
    assert "moe_router" not in l1 and l1["ffn_up"].n == 256  # mlp_only layer: dense FFN


def test_deepseek_moe_fields():
    cfg = {
        **MIXTRAL,
        "model_type": "deepseek",
        "num_local_experts": None,
        "num_hidden_layers": 3,
        "n_routed_experts": 8,
        "n_shared_experts": 2,
        "num_experts_per_tok": 3,
        "moe_intermediate_size": 32,
        "first_k_dense_replace": 1,
        "moe_layer_freq": 1,
    }
    m = config_from_dict(cfg, "ds")
    assert (m.num_experts, m.experts_per_token, m.shared_expert_intermediate_size) == (8, 3, 64)
    assert m.dense_layers == (0,) and not m.shared_expert_gate


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"model_type": "deepseek_v2", "n_routed_experts": 8, "kv_lora_rank": 512}, "kv_lora_rank"),
        ({"model_type": "jamba", "num_local_experts": None, "num_experts": 16}, "num_experts"),
        ({"num_experts_per_tok": 9}, "num_experts_per_tok"),
    ],
)
def test_moe_not_understood_is_an_error_never_a_dense_model(extra, field):
    with pytest.raises(InputError) as e:
        config_from_dict({**MIXTRAL, **extra}, "x")
    assert field in e.value.field


def test_distilbert_macs_and_bytes_by_hand(tmp_path, cli):
    """DistilBERT names (dim 64, hidden_dim 256, 2 layers, 4 heads of 16), one 16-token prompt, w8a8.

    Per layer MACs: q,k,v,o 4 * 16*64*64 = 262144; attention (bidirectional, dense 16x16) score and
    context 2 * 16*16*16*4 = 32768; FFN 2 * 16*64*256 = 524288 -> 819200; two layers 1638400.
    Weight bytes: per layer 4*64*64 + 2*64*256 = 49152; two layers 98304.
    """
    cfg = _write(tmp_path, DISTILBERT)
    m = get_model(str(cfg))
    assert (m.hidden_size, m.intermediate_size, m.num_hidden_layers, m.arch) == (64, 256, 2, "encoder")
    trace = build_trace(m, "prefill", fixed(1, 16, 1, phase="prefill"), quant="w8a8")
    assert trace.total_macs == 1638400 and summary(trace)["weight_bytes"] == 98304
    # no --phase: an encoder runs prefill, and the user is told
    r = cli("run", "--quiet", "--format", "json", "--model", str(cfg), "--prompt-len", "16")
    assert r.rc == 0, r.err
    d = json.loads(r.out)
    assert d["workload"]["phase"] == "prefill" and d["total_macs"] == 1638400
    assert "encoder" in r.err


def test_t5_encoder_fields():
    """T5: d_kv 8 x 4 heads = 32 != d_model 64, so q has 32 columns; gated-gelu -> 3 FFN matrices.
    MACs per layer, 8 tokens: q,k,v 3*8*64*32 = 49152, o 8*32*64 = 16384, attention 2*8*8*8*4 = 4096,
    FFN 3*8*64*128 = 196608 -> 266240."""
    cfg = {
        "model_type": "t5",
        "d_model": 64,
        "d_ff": 128,
        "num_layers": 1,
        "num_heads": 4,
        "d_kv": 8,
        "feed_forward_proj": "gated-gelu",
        "vocab_size": 100,
    }
    m = config_from_dict(cfg, "t5")
    assert (m.head_dim, m.gated_ffn, m.arch, m.position_embedding) == (8, True, "encoder", "relative")
    trace = build_trace(m, "prefill", fixed(1, 8, 1, phase="prefill"))
    assert trace.total_macs == 266240


def test_falcon_fields():
    base = {"model_type": "falcon", "hidden_size": 64, "n_head": 4, "n_layer": 1, "vocab_size": 100}
    m7 = config_from_dict({**base, "multi_query": True, "parallel_attn": True}, "f7")
    assert (m7.num_key_value_heads, m7.intermediate_size, m7.parallel_attn) == (1, 256, True)
    roles = {op.role for op in build_trace(m7, "decode", fixed(1, 8, 1)).ops}
    assert "norm_ffn" not in roles  # one shared input norm
    m40 = config_from_dict({**base, "new_decoder_architecture": True, "num_kv_heads": 2}, "f40")
    assert (m40.num_key_value_heads, m40.parallel_attn) == (2, False)


def _cache(root, model_id, cfg):
    repo = root / "hub" / ("models--" + model_id.replace("/", "--"))
    snap = repo / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    (snap / "config.json").write_text(json.dumps(cfg))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")


def test_hf_id_resolves_from_the_local_cache(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    for v in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(v, raising=False)
    _cache(tmp_path, "acme/tiny-distil", DISTILBERT)
    m = get_model("acme/tiny-distil")
    assert (m.name, m.hidden_size) == ("acme/tiny-distil", 64)
    r = cli("run", "--quiet", "--model", "acme/missing-model", "--layers", "1")
    lines = r.err.strip().splitlines()
    assert r.rc == 2 and len(lines) == 1
    assert str(tmp_path / "hub" / "models--acme--missing-model") in lines[0]


def test_common_hf_ids_are_zoo_aliases():
    assert get_model("meta-llama/Llama-2-7b-hf").name == "llama2-7b"
    assert get_model("facebook/opt-6.7b").name == "opt-6.7b"
    assert get_model("google-bert/bert-base-uncased").name == "bert-base"


def test_encoder_attention_on_flightllm_is_bidirectional(cli):
    """FlightLLM skips the causally masked blocks of a decoder's prefill; an encoder attends to
    every key, so its attention cycles cover the dense square and no op exceeds 100 % of peak
    (before the fix BERT reported 158 % attention utilisation on u280)."""
    r = cli("run", "--quiet", "--format", "json", "--hw", "u280", "--model", "bert-base", "--layers", "1")
    assert r.rc == 0, r.err
    d = json.loads(r.out)
    assert d["workload"]["phase"] == "prefill"
    attn = [o for o in d["ops"] if o["kind"] in ("attn_score", "attn_context")]
    assert attn and all(o["utilisation"] <= 1.0 for o in attn)
