"""Randomised graph checks (300 seeded shapes): fast layer cloning equals the per-layer
reference, MACs equal the hand formula, and the trace survives a file round trip."""

import numpy as np
import pytest

from llmaccel.workloads.graph import block_ops, build_trace
from llmaccel.workloads.model_config import ModelConfig
from llmaccel.workloads.trace import Request
from llmaccel.workloads.trace_io import read_trace, write_trace

N_CASES = 300


def _random_case(seed: int):
    rng = np.random.default_rng(seed)
    tp = int(rng.choice([1, 2, 4]))
    d = int(rng.choice([8, 16, 32]))
    hkv = int(rng.choice([1, 2, 4, 8]))
    g = int(rng.choice([1, 2, 4]))
    hq = hkv * g
    if hq % tp:
        hq *= tp
    if hkv % tp and tp % hkv:
        hkv = tp
        hq = hkv * g
    E = hq * d
    F = tp * int(rng.integers(1, 40))
    arch = "encoder" if rng.random() < 0.2 else "decoder"
    model = ModelConfig(
        f"rand{seed}",
        E,
        F,
        int(rng.integers(1, 5)),
        hq,
        hkv,
        100,
        hidden_act=str(rng.choice(["silu", "gelu", "relu"])),
        gated_ffn=bool(rng.random() < 0.5),
        max_position_embeddings=512,
        norm="rmsnorm" if rng.random() < 0.5 else "layernorm",
        arch=arch,
        position_embedding=str(rng.choice(["learned", "rope", "alibi"])),
    )
    phase = "prefill" if arch == "encoder" or rng.random() < 0.4 else "decode"
    n = int(rng.integers(1, 6))
    reqs = [
        Request(int(i * 3 + 1), int(rng.integers(1, 60)), int(rng.integers(1, 60)), int(rng.integers(1, 500)))
        for i in range(n)
    ]
    return model, phase, reqs, tp


def _hand_macs(model: ModelConfig, phase: str, reqs, tp: int) -> int:
    """MACs of all blocks from the transformer definition (per-head attention counting)."""
    E, F, d = model.hidden_size, model.intermediate_size, model.head_dim
    hq_t = model.num_attention_heads // tp
    hkv_t = max(1, model.num_key_value_heads // tp)
    T = len(reqs) if phase == "decode" else sum(r.prompt_len for r in reqs)
    linear = T * (E * hq_t * d + 2 * E * hkv_t * d + hq_t * d * E + (3 if model.gated_ffn else 2) * E * F // tp)
    if phase == "decode":
        attn = sum(2 * hq_t * d * r.kv_len for r in reqs)
    else:
        attn = sum(2 * hq_t * d * r.prompt_len * r.prompt_len for r in reqs)
    return model.num_hidden_layers * (linear + attn)


@pytest.mark.parametrize("chunk", range(6))
def test_random_graphs(chunk, tmp_path):
    per = N_CASES // 6
    for seed in range(chunk * per, (chunk + 1) * per):
        model, phase, reqs, tp = _random_case(seed)
        tr = build_trace(model, phase, reqs, tp=tp, quant="w4a8-g128")
        ref = [
            op
            for L in range(model.num_hidden_layers)
            for op in block_ops(model, phase, reqs, L, tp=tp, quant="w4a8-g128")
        ]
        assert tr.ops == ref, seed
        assert tr.total_macs == _hand_macs(model, phase, reqs, tp), seed
        names = [o.name for o in tr.ops]
        assert len(set(names)) == len(names), seed
        back = read_trace(write_trace(tr, tmp_path / f"{seed}.jsonl"))
        assert back.ops == tr.ops and back.requests == tr.requests, seed
