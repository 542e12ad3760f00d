"""Operator graph: MAC counts against independent hand formulas, TP, GQA, encoders, bad input."""

import numpy as np
import pytest

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import block_ops, build_trace
from llmaccel.workloads.model_config import ModelConfig
from llmaccel.workloads.ops import OpKind
from llmaccel.workloads.requests import fixed
from llmaccel.workloads.trace import Request
from llmaccel.workloads.zoo import get_model


def _linear_macs_per_token(E, F, hq, hkv, d, gated):
    """q + k + v + o + FFN, written from the transformer definition."""
    return E * hq * d + 2 * E * hkv * d + hq * d * E + (3 if gated else 2) * E * F


def test_llama2_7b_decode_per_token_formula():
    E, F, kv = 4096, 11008, 700
    ops = block_ops(get_model("llama2-7b"), "decode", fixed(1, kv, 10), 0)
    assert sum(o.macs for o in ops) == 4 * E * E + 3 * E * F + 2 * E * kv


@pytest.mark.parametrize("name", ["llama2-7b", "llama2-70b", "opt-6.7b", "gpt3-13b", "gpt2-xl", "bloom-7b1"])
def test_decode_batch_macs_random_kv(name):
    m = get_model(name)
    rng = np.random.default_rng(3)
    kvs = rng.integers(1, 1000, size=17).tolist()
    reqs = [Request(i, 5, 9, kv) for i, kv in enumerate(kvs)]
    ops = block_ops(m, "decode", reqs, 1)
    d, hq, hkv = m.head_dim, m.num_attention_heads, m.num_key_value_heads
    want = len(reqs) * _linear_macs_per_token(m.hidden_size, m.intermediate_size, hq, hkv, d, m.gated_ffn) + sum(
        2 * hq * d * kv for kv in kvs
    )
    assert sum(o.macs for o in ops) == want


def test_prefill_macs_dense_attention():
    m = get_model("opt-6.7b")
    prompts = [3, 128, 77]
    reqs = [Request(i, p, 4) for i, p in enumerate(prompts)]
    ops = block_ops(m, "prefill", reqs, 0)
    E, F = 4096, 16384
    want = sum(prompts) * (4 * E * E + 2 * E * F) + sum(2 * E * p * p for p in prompts)
    assert sum(o.macs for o in ops) == want
    score = [o for o in ops if o.role == "attn_score"]
    assert [(o.m, o.n, o.k, o.count) for o in score] == [(p, p, 128, 32) for p in prompts]
    assert next(o for o in ops if o.role == "q_proj").m == sum(prompts)


def test_tp_halves_every_matmul_of_the_block():
    m = get_model("llama2-13b")
    reqs = fixed(4, 300, 20)
    one = {o.name: o.macs for o in block_ops(m, "decode", reqs, 0, tp=1)}
    two = {o.name: o.macs for o in block_ops(m, "decode", reqs, 0, tp=2)}
    assert one.keys() == two.keys()
    for name, macs in one.items():
        assert two[name] * 2 == macs, name
    ops2 = block_ops(m, "decode", reqs, 0, tp=2)
    byrole = {o.role: o for o in ops2 if not o.name.split(".")[-1].startswith("r")}
    assert (byrole["q_proj"].n, byrole["o_proj"].k, byrole["ffn_up"].n, byrole["ffn_down"].k) == (
        2560,
        2560,
        6912,
        6912,
    )
    assert (byrole["o_proj"].n, byrole["ffn_down"].n) == (5120, 5120)  # outputs are full width (then all-reduce)


def test_gqa_kv_bytes_and_macs():
    m = get_model("llama2-70b")  # 64 q heads, 8 kv heads, d 128
    ops = block_ops(m, "decode", [Request(0, 10, 10, 1000)], 0)
    k = next(o for o in ops if o.role == "k_proj")
    assert k.n == 8 * 128
    sc = next(o for o in ops if o.role == "attn_score")
    assert (sc.m, sc.k, sc.n, sc.count) == (8, 128, 1000, 8)  # 8 query heads per group stacked as rows
    assert sc.macs == 64 * 128 * 1000
    assert sc.b_bytes() == 8 * 128 * 1000 * 2  # K of 8 KV heads, fp16: read once, not 64 times
    cx = next(o for o in ops if o.role == "attn_context")
    assert (cx.m, cx.k, cx.n, cx.count) == (8, 1000, 128, 8) and cx.b_class == "kv"


def test_gqa_tp_beyond_kv_heads_replicates():
    m = get_model("llama2-70b")
    ops = block_ops(m, "decode", fixed(2, 50, 5), 0, tp=16)
    k = next(o for o in ops if o.role == "k_proj")
    sc = next(o for o in ops if o.role == "attn_score")
    assert k.n == 128 and (sc.m, sc.count) == (4, 1)


def test_block_order_decoder_and_vector_shapes():
    m = get_model("llama2-7b")
    ops = block_ops(m, "decode", fixed(3, 10, 5), 2)
    roles = [o.role for o in ops]
    assert roles == ["norm_attn", "q_proj", "k_proj", "v_proj", "rope"] + [
        "attn_score",
        "softmax",
        "attn_context",
    ] * 3 + ["o_proj", "residual_attn", "norm_ffn", "ffn_gate", "ffn_up", "act", "gate_mul", "ffn_down", "residual_ffn"]
    assert all(o.name.startswith("L2.") and o.layer == 2 for o in ops)
    assert [o.name for o in ops if o.role == "softmax"] == ["L2.softmax.r0", "L2.softmax.r1", "L2.softmax.r2"]
    by = {o.role: o for o in ops}
    assert (by["act"].kind, by["act"].m, by["act"].n, by["act"].detail) == (OpKind.ACTIVATION, 3, 11008, "silu")
    assert (by["rope"].n, by["norm_attn"].detail, by["softmax"].elements) == (8192, "rmsnorm", 32 * 10)
    assert all(o.macs == 0 for o in ops if not o.kind.is_matmul)


def test_encoder_post_norm_and_no_decode():
    m = get_model("bert-base")
    ops = block_ops(m, "prefill", fixed(2, 128, 1, phase="prefill"), 0)
    roles = [o.role for o in ops]
    assert roles[:3] == ["q_proj", "k_proj", "v_proj"] and roles[-1] == "norm_ffn"
    assert roles.index("norm_attn") == roles.index("residual_attn") + 1
    assert "rope" not in roles and "ffn_gate" not in roles
    assert all(o.b_class == "act" for o in ops if o.role in ("attn_score", "attn_context"))
    E, F = 768, 3072
    assert sum(o.macs for o in ops) == 256 * (4 * E * E + 2 * E * F) + 2 * 2 * E * 128 * 128
    with pytest.raises(InputError, match="encoder"):
        build_trace(m, "decode", fixed(1, 10, 1))


def test_vit_tokens():
    m = get_model("vit-b")
    tr = build_trace(m, "prefill", fixed(4, m.max_position_embeddings, 1, phase="prefill"))
    q = tr.ops[0]
    assert (q.role, q.m) == ("q_proj", 4 * 197)
    assert len(tr.ops) == 12 * len(block_ops(m, "prefill", tr.requests, 0))


def test_gemv_at_batch_one():
    ops = block_ops(get_model("opt-6.7b"), "decode", fixed(1, 10, 5), 0)
    assert {o.kind for o in ops if o.role.endswith("proj") or o.role.startswith("ffn")} == {OpKind.GEMV}
    ops = block_ops(get_model("opt-6.7b"), "decode", fixed(2, 10, 5), 0)
    assert {o.kind for o in ops if o.role.endswith("proj")} == {OpKind.GEMM}


def test_build_trace_equals_per_layer_blocks_and_names_unique():
    m = get_model("gpt3-7b")
    reqs = [Request(i, 20 + i, 30, 40 + 7 * i) for i in range(9)]
    tr = build_trace(m, "decode", reqs, tp=4, quant="w4a8-g128", layers=11)
    ref = [op for L in range(11) for op in block_ops(m, "decode", reqs, L, tp=4, quant="w4a8-g128")]
    assert tr.ops == ref
    assert len({o.name for o in tr.ops}) == len(tr.ops)
    assert tr.meta["layers"] == 11 and tr.meta["tp"] == 4 and tr.meta["quant"] == "w4a8-g128"


def test_quant_specs_applied_and_shared():
    tr = build_trace("llama2-7b", "decode", fixed(2, 10, 5), quant="w4a16-g128", layers=2)
    q = [o for o in tr.ops if o.role == "q_proj"]
    assert q[0].b_spec.fmt == "int4-group" and q[0].b_spec.group_size == 128 and q[0].a_spec.fmt == "fp16"
    assert q[0].b_spec is q[1].b_spec
    assert next(o for o in tr.ops if o.role == "attn_score").b_spec.fmt == "fp16"


def test_lm_head():
    m = get_model("llama2-7b")
    tr = build_trace(m, "prefill", fixed(3, 20, 5, phase="prefill"), layers=1, include_lm_head=True, tp=2)
    assert tr.ops[0].name == "embed" and tr.ops[0].layer == -1
    head = tr.ops[-1]
    assert (head.name, head.m, head.k, head.n, head.layer) == ("lm_head", 3, 4096, 16000, -1)
    assert tr.ops[-2].role == "norm_final"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(phase="train"), "--phase"),
        (dict(tp=0), "--tp"),
        (dict(tp=3), "--tp"),
        (dict(layers=0), "--layers"),
        (dict(layers=33), "--layers"),
        (dict(quant="w1a1"), "quant"),
        (dict(requests=[]), "requests"),
        (dict(requests=[Request(0, 5, 5, 0)]), "request 0.kv_len"),
        (dict(requests=[Request(0, 5, 5, 4096)]), "request 0.kv_len"),
        (dict(requests=[Request(0, 5, 5, 9), Request(0, 5, 5, 9)]), "requests"),
        (dict(requests=[Request(0, 5000, 5, 0)], phase="prefill"), "request 0.prompt_len"),
    ],
)
def test_bad_inputs(kwargs, field):
    args = dict(model="llama2-7b", phase="decode", requests=fixed(1, 5, 5))
    args.update(kwargs)
    with pytest.raises(InputError) as e:
        build_trace(args.pop("model"), args.pop("phase"), args.pop("requests"), **args)
    assert e.value.field == field


def test_bad_layer_index_and_heads_not_divisible():
    with pytest.raises(InputError, match="layer"):
        block_ops("llama2-7b", "decode", fixed(1, 5, 5), 32)
    odd = ModelConfig("odd", 96, 200, 1, 6, 6, 10)
    with pytest.raises(InputError, match="intermediate_size"):
        build_trace(odd, "decode", fixed(1, 5, 5), tp=3)


def test_progress_bar_only_on_a_tty(capsys, monkeypatch):
    a = build_trace("llama2-7b", "decode", fixed(2, 10, 5), progress=True)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    b = build_trace("llama2-7b", "decode", fixed(2, 10, 5), progress=True)
    assert "trace llama2-7b" in capsys.readouterr().err
    assert a.ops == b.ops
