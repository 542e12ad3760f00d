"""Hugging Face ``config.json`` -> :class:`ModelConfig`.

Understands the field names of the families users hand us (LLaMA/Mistral/Qwen2,
OPT, GPT-2, GPT-NeoX, BLOOM, Falcon, BERT/RoBERTa/DistilBERT, T5 encoder, ViT) and
the mixture-of-experts fields of Mixtral, Qwen-MoE and DeepSeek-MoE.  The
``model_type`` key picks the family; without it the field names decide.  A config
whose architecture is not understood (an unknown family, MoE fields on a family
that has none, DeepSeek-V2/V3 latent attention) is an error, never a dense guess.

Activation names are folded into three families the vector units care about:
``silu`` (silu, swish), ``gelu`` (gelu, gelu_new, gelu_fast, gelu_pytorch_tanh,
quick_gelu) and ``relu``.
"""

from __future__ import annotations

import json
from dataclasses import replace
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
#: LLaMA-style attention with routed-expert FFNs.
_MOE_TYPES = {"mixtral", "qwen2_moe", "qwen3_moe", "deepseek"}
_ENCODER_TYPES = {"bert", "roberta", "distilbert", "vit", "deit", "xlm-roberta", "electra"}
_T5_TYPES = {"t5", "mt5", "umt5"}
_FALCON_TYPES = {"falcon", "refinedweb", "refinedwebmodel"}
#: Keys that mark a mixture-of-experts config (any family).
_MOE_KEYS = ("num_local_experts", "num_experts", "n_routed_experts", "moe_intermediate_size")
#: Keys of DeepSeek-V2/V3 multi-head latent attention, which the graph does not model.
_MLA_KEYS = ("kv_lora_rank", "q_lora_rank")
#: T5 has relative position buckets and no position limit; the length it was trained at
#: (Raffel et al. 2020 §3.1.2: 512 tokens) bounds prompts when the config gives no n_positions.
_T5_DEFAULT_POSITIONS = 512
#: Falcon configs carry no position limit; the 2048-token training context (Falcon-7B/40B
#: model cards) is used when max_position_embeddings is absent.
_FALCON_DEFAULT_POSITIONS = 2048

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
    raw = cfg.get("hidden_act", cfg.get("activation_function", cfg.get("activation", default)))
    if raw not in ACT_FAMILIES:
        raise InputError(
            f"{path}: hidden_act", f"unknown activation {raw!r}; allowed: {', '.join(sorted(ACT_FAMILIES))}"
        )
    return ACT_FAMILIES[raw]


def _family(cfg: dict) -> str:
    mt = str(cfg.get("model_type", "")).lower()
    if mt in _LLAMA_TYPES or mt in _MOE_TYPES:
        return "llama"
    if mt in _ENCODER_TYPES:
        return "vit" if mt in ("vit", "deit") else "bert"
    if mt in _T5_TYPES:
        return "t5"
    if mt in _FALCON_TYPES:
        return "falcon"
    if mt in ("opt", "gpt2", "bloom", "gpt_neox"):
        return mt
    # No (known) model_type: decide by field names.
    if "d_kv" in cfg and "d_ff" in cfg:
        return "t5"
    if "n_heads" in cfg and "dim" in cfg:
        return "bert"  # DistilBERT names
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
    for key in _MLA_KEYS:
        if cfg.get(key) is not None:
            raise InputError(
                f"{path}: {key}",
                "multi-head latent attention (DeepSeek-V2/V3) is not modelled; "
                "supported MoE attention: standard/GQA (Mixtral, Qwen-MoE, DeepSeek-MoE)",
            )
    model = _dense(cfg, fam, name, path)
    if any(cfg.get(k) for k in _MOE_KEYS):
        mt = str(cfg.get("model_type", "")).lower()
        if mt not in _MOE_TYPES:
            raise InputError(
                f"{path}: {next(k for k in _MOE_KEYS if cfg.get(k))}",
                f"mixture-of-experts fields in a config of model_type {mt or '(none)'!r} are not understood; "
                f"supported MoE model_type: {', '.join(sorted(_MOE_TYPES))}",
            )
        model = _with_moe(model, cfg, path)
    return model


def _with_moe(model: ModelConfig, cfg: dict, path: str) -> ModelConfig:
    """Add routed experts (Mixtral, Qwen-MoE, DeepSeek-MoE field names) to a LLaMA-style model."""
    experts = _int(cfg, "num_experts", path, "num_local_experts", "num_experts", "n_routed_experts")
    top_k = _int(cfg, "num_experts_per_tok", path, "num_experts_per_tok")
    if top_k > experts:
        raise InputError(f"{path}: num_experts_per_tok", f"must be <= the {experts} experts, got {top_k}")
    # Mixtral: every expert has the model's intermediate_size; Qwen/DeepSeek name theirs.
    width = _int(cfg, "moe_intermediate_size", path, "moe_intermediate_size", default=model.intermediate_size)
    shared = _int(cfg, "shared_expert_intermediate_size", path, "shared_expert_intermediate_size", default=0)
    n_shared = cfg.get("n_shared_experts") or 0
    if isinstance(n_shared, bool) or not isinstance(n_shared, int) or n_shared < 0:
        raise InputError(f"{path}: n_shared_experts", f"must be an integer >= 0, got {n_shared!r}")
    shared += n_shared * width  # DeepSeek: n_shared_experts experts of moe_intermediate_size, fused
    L = model.num_hidden_layers
    dense: set[int] = set()
    first_k = cfg.get("first_k_dense_replace") or 0  # DeepSeek
    dense.update(range(min(int(first_k), L)))
    step = _int(cfg, "decoder_sparse_step", path, "decoder_sparse_step", "moe_layer_freq", default=1)
    if "decoder_sparse_step" in cfg:  # Qwen: layer i is sparse when (i + 1) % step == 0
        dense.update(i for i in range(L) if (i + 1) % step)
    else:  # DeepSeek: layer i >= first_k is sparse when i % moe_layer_freq == 0
        dense.update(i for i in range(L) if i % step)
    only = cfg.get("mlp_only_layers") or []
    if not isinstance(only, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in only):
        raise InputError(f"{path}: mlp_only_layers", f"must be a list of layer indices, got {only!r}")
    dense.update(i for i in only if 0 <= i < L)
    if len(dense) == L:
        raise InputError(f"{path}: num_experts", "every layer is dense under the MoE layer fields; nothing routed")
    return replace(
        model,
        num_experts=experts,
        experts_per_token=top_k,
        moe_intermediate_size=width,
        shared_expert_intermediate_size=shared,
        shared_expert_gate=shared > 0 and str(cfg.get("model_type", "")).lower().startswith("qwen"),
        dense_layers=tuple(sorted(dense)),
    )


def _dense(cfg: dict, fam: str, name: str, path: str) -> ModelConfig:
    """The dense model of a config (family ``fam``)."""
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
    if fam == "falcon":
        E = _int(cfg, "hidden_size", path, "hidden_size", "n_embed")
        H = _int(cfg, "num_attention_heads", path, "num_attention_heads", "n_head")
        if cfg.get("new_decoder_architecture"):
            KV = _int(cfg, "num_kv_heads", path, "num_kv_heads", "n_head_kv", default=H)
        elif cfg.get("multi_query", True):  # HF FalconConfig: multi_query defaults to True
            KV = 1
        else:
            KV = _int(cfg, "num_kv_heads", path, "num_kv_heads", "n_head_kv", default=H)
        model = _make(
            name,
            path,
            E,
            _int(cfg, "intermediate_size", path, "ffn_hidden_size", default=_DEFAULT_FFN_MULT * E),
            _int(cfg, "num_hidden_layers", path, "num_hidden_layers", "n_layer"),
            H,
            KV,
            _int(cfg, "vocab_size", path, "vocab_size"),
            _act(cfg, path, "gelu"),
            False,
            _int(cfg, "max_position_embeddings", path, "max_position_embeddings", default=_FALCON_DEFAULT_POSITIONS),
            "layernorm",
            "decoder",
            "alibi" if cfg.get("alibi") else "rope",
        )
        # Falcon-7B: one input norm feeds attention and MLP; the new architecture (40B/180B) has two.
        single_norm = bool(cfg.get("parallel_attn", True)) and not cfg.get("new_decoder_architecture")
        return replace(model, parallel_attn=single_norm)
    if fam == "t5":
        H = _int(cfg, "num_attention_heads", path, "num_heads", "num_attention_heads")
        E = _int(cfg, "hidden_size", path, "d_model", "hidden_size")
        d = _int(cfg, "head_dim", path, "d_kv")
        proj = str(cfg.get("feed_forward_proj", "relu"))
        gated = proj.startswith("gated-")
        act = cfg.get("dense_act_fn") or proj.removeprefix("gated-")
        if act not in ACT_FAMILIES:
            raise InputError(
                f"{path}: feed_forward_proj", f"unknown activation {act!r}; allowed: {', '.join(sorted(ACT_FAMILIES))}"
            )
        return _make(
            name,
            path,
            E,
            _int(cfg, "intermediate_size", path, "d_ff"),
            _int(cfg, "num_hidden_layers", path, "num_layers"),
            H,
            H,
            _int(cfg, "vocab_size", path, "vocab_size"),
            ACT_FAMILIES[act],
            gated,
            _int(cfg, "max_position_embeddings", path, "n_positions", default=_T5_DEFAULT_POSITIONS),
            "rmsnorm",  # T5 LayerNorm scales by the root mean square, no mean, no bias
            "encoder",
            "relative",
            d if d * H != E else None,
        )
    if fam == "bert":
        H = _int(cfg, "num_attention_heads", path, "num_attention_heads", "n_heads")
        return _make(
            name,
            path,
            _int(cfg, "hidden_size", path, "hidden_size", "dim"),
            _int(cfg, "intermediate_size", path, "intermediate_size", "hidden_dim"),
            _int(cfg, "num_hidden_layers", path, "num_hidden_layers", "n_layers"),
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
