"""Zoo shapes against the published configs (numbers typed here from the HF configs / papers)."""

from pathlib import Path

import pytest
import yaml

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.zoo import ZOO_DIR, _load_file, get_model, model_names, model_sources

# name: (hidden, ffn, layers, heads, kv_heads, vocab, act, gated, max_pos, arch)
PUBLISHED = {
    "llama2-7b": (4096, 11008, 32, 32, 32, 32000, "silu", True, 4096, "decoder"),
    "llama2-13b": (5120, 13824, 40, 40, 40, 32000, "silu", True, 4096, "decoder"),
    "llama2-70b": (8192, 28672, 80, 64, 8, 32000, "silu", True, 4096, "decoder"),
    "opt-6.7b": (4096, 16384, 32, 32, 32, 50272, "relu", False, 2048, "decoder"),
    "opt-13b": (5120, 20480, 40, 40, 40, 50272, "relu", False, 2048, "decoder"),
    "gpt3-7b": (4096, 16384, 32, 32, 32, 50304, "gelu", False, 2048, "decoder"),
    "gpt3-13b": (5120, 20480, 40, 40, 40, 50304, "gelu", False, 2048, "decoder"),
    "gpt3-30b": (7168, 28672, 48, 56, 56, 50304, "gelu", False, 2048, "decoder"),
    "gpt3-175b": (12288, 49152, 96, 96, 96, 50304, "gelu", False, 2048, "decoder"),
    "gpt2-xl": (1600, 6400, 48, 25, 25, 50257, "gelu", False, 1024, "decoder"),
    "bloom-7b1": (4096, 16384, 30, 32, 32, 250880, "gelu", False, 2048, "decoder"),
    "bert-base": (768, 3072, 12, 12, 12, 30522, "gelu", False, 512, "encoder"),
    "bert-large": (1024, 4096, 24, 16, 16, 30522, "gelu", False, 512, "encoder"),
    "vit-b": (768, 3072, 12, 12, 12, 1000, "gelu", False, 14 * 14 + 1, "encoder"),
    "vit-h": (1280, 5120, 32, 16, 16, 1000, "gelu", False, 16 * 16 + 1, "encoder"),
    "mixtral-8x7b": (4096, 14336, 32, 32, 8, 32000, "silu", True, 32768, "decoder"),
}


def test_names_cover_the_issue_list():
    assert sorted(PUBLISHED) == model_names()


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_shapes_match_published(name):
    m = get_model(name)
    got = (
        m.hidden_size,
        m.intermediate_size,
        m.num_hidden_layers,
        m.num_attention_heads,
        m.num_key_value_heads,
        m.vocab_size,
        m.hidden_act,
        m.gated_ffn,
        m.max_position_embeddings,
        m.arch,
    )
    assert got == PUBLISHED[name]


def test_mixtral_experts_match_the_published_config():
    # HF mistralai/Mixtral-8x7B-v0.1: num_local_experts 8, num_experts_per_tok 2, experts 14336 wide
    m = get_model("mistralai/Mixtral-8x7B-v0.1")
    assert (m.name, m.num_experts, m.experts_per_token, m.moe_intermediate_size) == ("mixtral-8x7b", 8, 2, 14336)
    assert m.dense_layers == () and all(m.is_moe_layer(i) for i in range(32))


def test_head_dims_and_position_embeddings():
    assert {get_model(n).head_dim for n in ("gpt3-7b", "gpt3-13b", "gpt3-30b", "gpt3-175b", "llama2-70b")} == {128}
    assert get_model("gpt2-xl").head_dim == 64
    assert get_model("llama2-7b").position_embedding == "rope"
    assert get_model("bloom-7b1").position_embedding == "alibi"
    assert get_model("opt-6.7b").position_embedding == "learned"


def test_case_insensitive_and_alias():
    assert get_model("LLaMA2-7B") == get_model("llama2-7b") == get_model("llama-2-7b")


def test_every_number_has_a_source():
    for path in ZOO_DIR.glob("*.yaml"):
        cfg = yaml.safe_load(path.read_text())["config"]
        for key, leaf in cfg.items():
            assert not isinstance(leaf, (int, float)) or isinstance(leaf, bool), (path.name, key)
            if isinstance(leaf, dict):
                assert leaf["source"].strip(), (path.name, key)
    assert "5140" in model_sources("gpt3-13b")["hidden_size"]


def test_unknown_model_lists_allowed():
    with pytest.raises(InputError) as e:
        get_model("llama9-1t")
    assert e.value.field == "model" and "llama2-7b" in e.value.problem and "config.json" in e.value.problem


def test_bare_number_rejected(tmp_path: Path):
    p = tmp_path / "bad.yaml"
    p.write_text("schema: 1\nname: bad\nconfig:\n  hidden_size: 64\n")
    with pytest.raises(InputError, match="source"):
        _load_file(p)


def test_missing_field_rejected(tmp_path: Path):
    p = tmp_path / "bad2.yaml"
    p.write_text("schema: 1\nname: bad\nconfig:\n  hidden_size: {value: 64, source: x}\n")
    with pytest.raises(InputError, match="missing"):
        _load_file(p)


def test_config_json_path(tmp_path: Path):
    (tmp_path / "config.json").write_text(
        '{"model_type": "llama", "hidden_size": 256, "intermediate_size": 688,'
        '"num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2,'
        '"vocab_size": 1000, "max_position_embeddings": 512, "hidden_act": "silu"}'
    )
    for arg in (tmp_path / "config.json", tmp_path):
        m = get_model(str(arg))
        assert (m.hidden_size, m.num_key_value_heads, m.gated_ffn) == (256, 2, True)
