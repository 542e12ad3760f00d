"""Shared fixtures for the FlightLLM tests: a tiny decoder so request-level tests stay fast."""

from __future__ import annotations

import pytest

from llmaccel.workloads.model_config import ModelConfig


@pytest.fixture(scope="session")
def tiny_model() -> ModelConfig:
    return ModelConfig(
        name="tiny-llama",
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=6,
        num_attention_heads=4,
        num_key_value_heads=4,
        vocab_size=1000,
        hidden_act="silu",
        gated_ffn=True,
        max_position_embeddings=4096,
        norm="rmsnorm",
        arch="decoder",
        position_embedding="rope",
    )
