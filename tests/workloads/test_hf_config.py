"""HF config.json parsing for each family (small configs written in tmp_path)."""

import json
from pathlib import Path

import pytest

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.hf_config import load_hf_config


def _write(tmp_path: Path, cfg: dict, name: str = "config.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(cfg))
    return p


def test_llama_gqa_and_head_dim(tmp_path):
    m = load_hf_config(
        _write(
            tmp_path,
            {
                "model_type": "mistral",
                "hidden_size": 4096,
                "intermediate_size": 14336,
                "num_hidden_layers": 32,
                "num_attention_heads": 32,
                "num_key_value_heads": 8,
                "vocab_size": 32000,
                "max_position_embeddings": 32768,
                "hidden_act": "silu",
                "head_dim": 128,
                "_name_or_path": "mistral-7b",
            },
        )
    )
    assert (m.name, m.num_key_value_heads, m.head_dim, m.gated_ffn, m.norm, m.position_embedding) == (
        "mistral-7b",
        8,
        128,
        True,
        "rmsnorm",
        "rope",
    )
    assert m.head_dim_override is None  # 4096 / 32 == 128 already


def test_llama_without_kv_heads_defaults_to_mha(tmp_path):
    m = load_hf_config(
        _write(
            tmp_path,
            {
                "model_type": "llama",
                "hidden_size": 64,
                "intermediate_size": 172,
                "num_hidden_layers": 1,
                "num_attention_heads": 4,
                "vocab_size": 10,
                "max_position_embeddings": 128,
            },
        )
    )
    assert m.num_key_value_heads == 4 and m.hidden_act == "silu"


def test_gpt2_field_names_and_implicit_ffn(tmp_path):
    m = load_hf_config(
        _write(
            tmp_path,
            {
                "model_type": "gpt2",
                "n_embd": 1600,
                "n_layer": 48,
                "n_head": 25,
                "n_inner": None,
                "vocab_size": 50257,
                "n_positions": 1024,
                "activation_function": "gelu_new",
            },
        )
    )
    assert (
        m.hidden_size,
        m.intermediate_size,
        m.num_hidden_layers,
        m.num_attention_heads,
        m.max_position_embeddings,
        m.hidden_act,
        m.gated_ffn,
    ) == (1600, 6400, 48, 25, 1024, "gelu", False)


def test_opt(tmp_path):
    m = load_hf_config(
        _write(
            tmp_path,
            {
                "model_type": "opt",
                "hidden_size": 4096,
                "ffn_dim": 16384,
                "num_hidden_layers": 32,
                "num_attention_heads": 32,
                "vocab_size": 50272,
                "max_position_embeddings": 2048,
                "activation_function": "relu",
            },
        )
    )
    assert (m.intermediate_size, m.hidden_act, m.arch) == (16384, "relu", "decoder")


def test_bert_is_encoder(tmp_path):
    m = load_hf_config(
        _write(
            tmp_path,
            {
                "hidden_size": 768,
                "intermediate_size": 3072,
                "num_hidden_layers": 12,
                "num_attention_heads": 12,
                "vocab_size": 30522,
                "type_vocab_size": 2,
                "max_position_embeddings": 512,
                "hidden_act": "gelu",
            },
        )
    )
    assert (m.arch, m.norm, m.hidden_act) == ("encoder", "layernorm", "gelu")


def test_vit_tokens_from_patches(tmp_path):
    m = load_hf_config(
        _write(
            tmp_path,
            {
                "model_type": "vit",
                "hidden_size": 768,
                "intermediate_size": 3072,
                "num_hidden_layers": 12,
                "num_attention_heads": 12,
                "image_size": 224,
                "patch_size": 16,
                "hidden_act": "gelu",
                "id2label": {str(i): str(i) for i in range(10)},
            },
        )
    )
    assert m.max_position_embeddings == 197 and m.vocab_size == 10 and m.arch == "encoder"


def test_bloom_alibi(tmp_path):
    m = load_hf_config(
        _write(
            tmp_path, {"model_type": "bloom", "hidden_size": 4096, "n_layer": 30, "n_head": 32, "vocab_size": 250880}
        )
    )
    assert (m.intermediate_size, m.position_embedding, m.max_position_embeddings) == (16384, "alibi", 2048)


@pytest.mark.parametrize(
    "cfg, match",
    [
        ({"model_type": "llama", "hidden_size": 64}, "missing"),
        (
            {
                "model_type": "llama",
                "hidden_size": 64,
                "intermediate_size": 0,
                "num_hidden_layers": 1,
                "num_attention_heads": 4,
                "vocab_size": 10,
                "max_position_embeddings": 8,
            },
            "positive",
        ),
        (
            {
                "model_type": "opt",
                "hidden_size": 64,
                "ffn_dim": 128,
                "num_hidden_layers": 1,
                "num_attention_heads": 4,
                "vocab_size": 10,
                "max_position_embeddings": 8,
                "activation_function": "mish",
            },
            "activation",
        ),
        (
            {
                "model_type": "llama",
                "hidden_size": 64,
                "intermediate_size": 128,
                "num_hidden_layers": 1,
                "num_attention_heads": 4,
                "num_key_value_heads": 3,
                "vocab_size": 10,
                "max_position_embeddings": 8,
            },
            "num_key_value_heads",
        ),
        ({"foo": 1}, "family"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_configs(tmp_path, cfg, match):
    with pytest.raises(InputError, match=match):
        load_hf_config(_write(tmp_path, cfg))


def test_malformed_and_missing(tmp_path):
    p = tmp_path / "config.json"
    p.write_text("{not json")
    with pytest.raises(InputError, match="malformed JSON"):
        load_hf_config(p)
    with pytest.raises(InputError, match="not found"):
        load_hf_config(tmp_path / "nope" / "config.json")


def test_explicit_head_dim_kept_and_validated(tmp_path):
    base = {
        "model_type": "llama",
        "hidden_size": 2048,
        "intermediate_size": 4096,
        "num_hidden_layers": 1,
        "num_attention_heads": 8,
        "num_key_value_heads": 1,
        "vocab_size": 10,
        "max_position_embeddings": 64,
    }
    m = load_hf_config(_write(tmp_path, {**base, "head_dim": 128}))
    assert m.head_dim == 128 and m.head_dim_override == 128
    with pytest.raises(InputError, match="head_dim"):
        load_hf_config(_write(tmp_path, {**base, "head_dim": "big"}))
