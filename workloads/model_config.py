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
            field (default ``"learned"``) used by ``workloads.graph``;
            ``"relative"`` (T5: a learned bucketed bias added to the scores).
        parallel_attn: attention and FFN read the block input through one shared
            norm (Falcon-7B ``parallel_attn``): the block has no separate ``norm_ffn``.

    Mixture of experts (all 0 / empty for a dense model; see docs/workloads.md):
        num_experts: routed experts per MoE layer (Mixtral ``num_local_experts``,
            Qwen-MoE ``num_experts``, DeepSeek ``n_routed_experts``).
        experts_per_token: experts each token is routed to (top-k).
        moe_intermediate_size: FFN width of one routed expert.
        shared_expert_intermediate_size: total FFN width of the always-on shared
            expert(s) of a MoE layer (0: none).
        shared_expert_gate: Qwen-MoE's sigmoid gate of the shared expert (an E x 1 GEMM).
        dense_layers: indices of layers that keep the dense FFN (``intermediate_size``)
            in a MoE model (DeepSeek ``first_k_dense_replace``, Qwen ``mlp_only_layers``).
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
    parallel_attn: bool = False
    num_experts: int = 0
    experts_per_token: int = 0
    moe_intermediate_size: int = 0
    shared_expert_intermediate_size: int = 0
    shared_expert_gate: bool = False
    dense_layers: tuple[int, ...] = ()

    @property
    def head_dim(self) -> int:
        return self.head_dim_override or self.hidden_size // self.num_attention_heads

    @property
    def is_moe(self) -> bool:
        """True for a mixture-of-experts model."""
        return self.num_experts > 0

    def is_moe_layer(self, layer: int) -> bool:
        """Whether block ``layer`` has routed experts (else the dense FFN)."""
        return self.is_moe and layer not in self.dense_layers

    def to_dict(self) -> dict:
        """Fields as a dict; the optional fields appear only when they differ from a dense,
        sequential block (so records of dense models keep their keys)."""
        d = asdict(self)
        for key in _OPTIONAL:
            if d[key] == _OPTIONAL[key]:
                del d[key]
        if "dense_layers" in d:
            d["dense_layers"] = list(d["dense_layers"])
        return d


#: Fields added after the first records were written -> their neutral (dense) value.
_OPTIONAL = {
    "parallel_attn": False,
    "num_experts": 0,
    "experts_per_token": 0,
    "moe_intermediate_size": 0,
    "shared_expert_intermediate_size": 0,
    "shared_expert_gate": False,
    "dense_layers": (),
}
