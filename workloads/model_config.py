"""A transformer's shape (Hugging Face config.json field names)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a transformer.

    Attributes (HF names):
        name: model id, e.g. ``"llama2-7b"``.
        hidden_size: embedding width E (elements).
        intermediate_size: FFN width.
        num_hidden_layers: blocks.
        num_attention_heads: query heads.
        num_key_value_heads: KV heads (== heads unless GQA/MQA).
        vocab_size: tokens.
        hidden_act: ``"silu"``, ``"gelu"``, ``"relu"``.
        gated_ffn: True for SwiGLU/GeGLU (three FFN matrices), False for two.
        max_position_embeddings: max sequence length.
        norm: ``"rmsnorm"`` or ``"layernorm"``.
        arch: ``"decoder"`` (causal LM) or ``"encoder"`` (BERT/ViT).
        head_dim_override: set when head_dim != hidden_size / heads.
        position_embedding: ``"learned"`` (absolute table added to the input),
            ``"rope"`` (rotary, applied to q and k in every block: a ``rope`` op),
            or ``"alibi"`` (a bias added to the scores).  Optional, additive
            field (default ``"learned"``) used by ``workloads.graph``.
    """

    name: str
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    hidden_act: str = "gelu"
    gated_ffn: bool = False
    max_position_embeddings: int = 2048
    norm: str = "layernorm"
    arch: str = "decoder"
    head_dim_override: int | None = None
    position_embedding: str = "learned"

    @property
    def head_dim(self) -> int:
        return self.head_dim_override or self.hidden_size // self.num_attention_heads

    def to_dict(self) -> dict:
        return asdict(self)
