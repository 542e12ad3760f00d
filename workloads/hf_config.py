"""Hugging Face ``config.json`` -> :class:`ModelConfig`.

Understands the field names of the families users hand us (LLaMA/Mistral/Qwen2,
OPT, GPT-2, GPT-NeoX, BLOOM, BERT/RoBERTa, ViT).  The
``model_type`` key picks the family; without it the field names decide.

Activation names are folded into three families the vector units care about:
``silu`` (silu, swish), ``gelu`` (gelu, gelu_new, gelu_fast, gelu_pytorch_tanh,
quick_gelu) and ``relu``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.model_config import ModelConfig
from llmaccel.workloads.textfile import read_text

#: HF activation name -> activation family.
ACT_FAMILIES = {
    "silu": "silu",
    "swish": "silu",
    "gelu": "gelu",
    "gelu_new": "gelu",
    "gelu_fast": "gelu",
    "gelu_pytorch_tanh": "gelu",
    "quick_gelu": "gelu",
    "gelu_python": "gelu",
    "gelu_10": "gelu",
    "relu": "relu",
}

#: model_type values per family.
_LLAMA_TYPES = {"llama", "mistral", "qwen2", "gemma", "internlm", "yi", "baichuan"}
_ENCODER_TYPES = {"bert", "roberta", "distilbert", "vit", "deit", "xlm-roberta", "electra"}

#: Multiplier of the FFN width when a config leaves it implicit (GPT-2 ``n_inner``
#: null, BLOOM): the GPT/BERT convention d_ff = 4 * d_model (Vaswani et al. 2017 §3.3).
_DEFAULT_FFN_MULT = 4


def _int(cfg: dict, field: str, path: str, *names: str, default: Any = None) -> int:
    for n in names:
        if n in cfg and cfg[n] is not None:
            v = cfg[n]
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise InputError(f"{path}: {n}", f"must be a positive integer, got {v!r}")
            return v
    if default is not None:
        return default
    raise InputError(f"{path}: {field}", f"missing (looked for {', '.join(names)})")


def _act(cfg: dict, path: str, default: str) -> str:
    raw = cfg.get("hidden_act", cfg.get("activation_function", default))
    if raw not in ACT_FAMILIES:
        raise InputError(
            f"{path}: hidden_act", f"unknown activation {raw!r}; allowed: {', '.join(sorted(ACT_FAMILIES))}"
        )
    return ACT_FAMILIES[raw]


def _family(cfg: dict) -> str:
    mt = str(cfg.get("model_type", "")).lower()
    if mt in _LLAMA_TYPES:
        return "llama"
    if mt in _ENCODER_TYPES:
        return "vit" if mt in ("vit", "deit") else "bert"
    if mt in ("opt", "gpt2", "bloom", "gpt_neox"):
        return mt
    # No (known) model_type: decide by field names.
    if "n_embd" in cfg:
        return "gpt2"
    if "ffn_dim" in cfg:
        return "opt"
    if "patch_size" in cfg and "image_size" in cfg:
        return "vit"
    if "type_vocab_size" in cfg:
        return "bert"
    if "rms_norm_eps" in cfg:
        return "llama"
    raise InputError(
        "model",
        "cannot tell the model family of this config.json (need model_type llama/opt/gpt2/bloom/gpt_neox/bert/vit or their field names)",
    )


def config_from_dict(cfg: dict, name: str, path: str = "config.json") -> ModelConfig:
    """Build a :class:`ModelConfig` from a parsed HF config dict.

    Args:
        cfg: the parsed config.json.
        name: model id to record.
        path: file name used in error messages.
    """
    if not isinstance(cfg, dict):
        raise InputError(path, "config.json must hold a JSON object")
    fam = _family(cfg)
    if fam == "gpt2":
        E = _int(cfg, "hidden_size", path, "n_embd", "hidden_size")
        H = _int(cfg, "num_attention_heads", path, "n_head", "num_attention_heads")
        return _make(
            name,
            path,
            E,
            _int(cfg, "intermediate_size", path, "n_inner", default=_DEFAULT_FFN_MULT * E),
            _int(cfg, "num_hidden_layers", path, "n_layer", "num_hidden_layers"),
            H,
            H,
            _int(cfg, "vocab_size", path, "vocab_size"),
            _act(cfg, path, "gelu_new"),
            False,
            _int(cfg, "max_position_embeddings", path, "n_positions", "n_ctx", "max_position_embeddings"),
            "layernorm",
            "decoder",
            "learned",
        )
    if fam == "opt":
        H = _int(cfg, "num_attention_heads", path, "num_attention_heads")
        return _make(
            name,
            path,
            _int(cfg, "hidden_size", path, "hidden_size"),
            _int(cfg, "intermediate_size", path, "ffn_dim"),
            _int(cfg, "num_hidden_layers", path, "num_hidden_layers"),
            H,
            H,
            _int(cfg, "vocab_size", path, "vocab_size"),
            _act(cfg, path, "relu"),
            False,
            _int(cfg, "max_position_embeddings", path, "max_position_embeddings"),
            "layernorm",
            "decoder",
            "learned",
        )
    if fam == "bloom":
        E = _int(cfg, "hidden_size", path, "hidden_size", "n_embed")
        H = _int(cfg, "num_attention_heads", path, "n_head", "num_attention_heads")
        # ALiBi: no position table; the training length bounds the context.
        return _make(
            name,
            path,
            E,
            _DEFAULT_FFN_MULT * E,
            _int(cfg, "num_hidden_layers", path, "n_layer", "num_hidden_layers"),
            H,
            H,
            _int(cfg, "vocab_size", path, "vocab_size"),
            "gelu",
            False,
            _int(cfg, "max_position_embeddings", path, "seq_length", "max_position_embeddings", default=2048),
            "layernorm",
            "decoder",
            "alibi",
        )
    if fam == "gpt_neox":
        H = _int(cfg, "num_attention_heads", path, "num_attention_heads")
        return _make(
            name,
            path,
            _int(cfg, "hidden_size", path, "hidden_size"),
            _int(cfg, "intermediate_size", path, "intermediate_size"),
            _int(cfg, "num_hidden_layers", path, "num_hidden_layers"),
            H,
            H,
            _int(cfg, "vocab_size", path, "vocab_size"),
            _act(cfg, path, "gelu"),
            False,
            _int(cfg, "max_position_embeddings", path, "max_position_embeddings"),
            "layernorm",
            "decoder",
            "rope",
        )
    if fam == "llama":
        H = _int(cfg, "num_attention_heads", path, "num_attention_heads")
        E = _int(cfg, "hidden_size", path, "hidden_size")
        head_dim = _int(cfg, "head_dim", path, "head_dim", default=E // H or 1)
        return _make(
            name,
            path,
            E,
            _int(cfg, "intermediate_size", path, "intermediate_size"),
            _int(cfg, "num_hidden_layers", path, "num_hidden_layers"),
            H,
            _int(cfg, "num_key_value_heads", path, "num_key_value_heads", default=H),
            _int(cfg, "vocab_size", path, "vocab_size"),
            _act(cfg, path, "silu"),
            True,
            _int(cfg, "max_position_embeddings", path, "max_position_embeddings"),
            "rmsnorm",
            "decoder",
            "rope",
            head_dim if head_dim != E // H or E % H else None,
        )
    if fam == "bert":
        H = _int(cfg, "num_attention_heads", path, "num_attention_heads")
        return _make(
            name,
            path,
            _int(cfg, "hidden_size", path, "hidden_size"),
            _int(cfg, "intermediate_size", path, "intermediate_size"),
            _int(cfg, "num_hidden_layers", path, "num_hidden_layers"),
            H,
            H,
            _int(cfg, "vocab_size", path, "vocab_size"),
            _act(cfg, path, "gelu"),
            False,
            _int(cfg, "max_position_embeddings", path, "max_position_embeddings"),
            "layernorm",
            "encoder",
            "learned",
        )
    # vit
    H = _int(cfg, "num_attention_heads", path, "num_attention_heads")
    image = _int(cfg, "image_size", path, "image_size")
    patch = _int(cfg, "patch_size", path, "patch_size")
    if image % patch:
        raise InputError(f"{path}: patch_size", f"must divide image_size {image}, got {patch}")
    tokens = (image // patch) ** 2 + 1  # patches + [CLS]
    labels = cfg.get("id2label")
    n_classes = (
        len(labels)
        if isinstance(labels, dict) and labels
        else _int(cfg, "num_labels", path, "num_labels", default=1000)
    )
    return _make(
        name,
        path,
        _int(cfg, "hidden_size", path, "hidden_size"),
        _int(cfg, "intermediate_size", path, "intermediate_size"),
        _int(cfg, "num_hidden_layers", path, "num_hidden_layers"),
        H,
        H,
        n_classes,
        _act(cfg, path, "gelu"),
        False,
        tokens,
        "layernorm",
        "encoder",
        "learned",
    )


def check_model_sizes(path: str, dims: dict[str, int], layers: int, max_pos: int) -> None:
    """Refuse, before building anything, a config above the size limits of :mod:`workloads.limits`."""
    for key, v in dims.items():
        limits.check_count(f"{path}: {key}", v, limits.MAX_DIM)
    limits.check_count(f"{path}: num_hidden_layers", layers, limits.MAX_LAYERS)
    limits.check_count(f"{path}: max_position_embeddings", max_pos, limits.MAX_TOKENS)


def _make(
    name: str,
    path: str,
    E: int,
    F: int,
    L: int,
    H: int,
    KV: int,
    V: int,
    act: str,
    gated: bool,
    max_pos: int,
    norm: str,
    arch: str,
    pos: str,
    head_dim: int | None = None,
) -> ModelConfig:
    check_model_sizes(path, {"hidden_size": E, "intermediate_size": F, "vocab_size": V}, L, max_pos)
    if head_dim is None and E % H:
        raise InputError(f"{path}: num_attention_heads", f"must divide hidden_size {E}, got {H}")
    if H % KV:
        raise InputError(f"{path}: num_key_value_heads", f"must divide num_attention_heads {H}, got {KV}")
    return ModelConfig(
        name=name,
        hidden_size=E,
        intermediate_size=F,
        num_hidden_layers=L,
        num_attention_heads=H,
        num_key_value_heads=KV,
        vocab_size=V,
        hidden_act=act,
        gated_ffn=gated,
        max_position_embeddings=max_pos,
        norm=norm,
        arch=arch,
        head_dim_override=head_dim,
        position_embedding=pos,
    )


def load_hf_config(path: str | Path) -> ModelConfig:
    """Read a ``config.json`` (or a folder holding one) into a :class:`ModelConfig`.

    The model id is the folder name (``_name_or_path`` when present).
    """
    p = Path(path)
    if p.is_dir():
        p = p / "config.json"
    text = read_text(p, "model")
    try:
        cfg = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError("model", f"malformed JSON in {p} at line {e.lineno}") from None
    except RecursionError:
        raise InputError("model", f"JSON in {p} is nested too deeply") from None
    name = cfg.get("_name_or_path") if isinstance(cfg, dict) else None
    if not isinstance(name, str) or not name:
        name = p.parent.name or p.stem
    return config_from_dict(cfg, name, str(p))
