"""Paged KV cache: capacity in blocks from the device memory, and block accounting per request.

Capacity (:func:`capacity_blocks`)::

    blocks = floor((memory_bytes - weight_bytes) / (block_size * kv_bytes_per_token))

* ``memory_bytes``: ``capacity_gb`` of the preset in ``sim/tables/serving_memory.yaml``
  (or ``--memory-gb``), read by :func:`serving_entry`;
* ``weight_bytes``: every weight operand of a one-token decode trace with the LM head (the
  quantization preset's weight bits, group scales not counted) plus the embedding table
  (vocab x hidden at the LM head's weight bits);
* ``kv_bytes_per_token``: ``2 (K and V) x layers x kv_heads x head_dim x bits / 8``, the
  bits of the quantization preset's attn_score key operand (the KV format), divided by the TP degree.

A request holding ``t`` tokens occupies ``ceil(t / block_size)`` blocks (vLLM's PagedAttention).
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import llmaccel.sim
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.textfile import read_yaml

SERVING_TABLE = Path(llmaccel.sim.__file__).parent / "tables" / "serving_memory.yaml"


@cache
def _table() -> dict:
    doc = read_yaml(SERVING_TABLE, "serving_memory.yaml")
    return doc["presets"]


def serving_entry(preset: str) -> dict[str, Any]:
    """Plain values of a preset's serving entry (``capacity_gb``, ``swap_gbps``, optional
    ``prefill_stand_in``); InputError naming the presets that have one."""
    table = _table()
    if preset not in table:
        raise InputError(
            "--hw",
            f"preset {preset!r} has no device memory size for serving (sim/tables/serving_memory.yaml); "
            f"give --memory-gb or use one of: {', '.join(sorted(table))}",
        )
    return {k: _plain(v) for k, v in table[preset].items()}


def _plain(node: Any) -> Any:
    """``{value, source}`` leaves as their values, sections recursively."""
    if isinstance(node, dict):
        return node["value"] if "value" in node else {k: _plain(v) for k, v in node.items()}
    return node


def blocks_for(tokens: int, block_size: int) -> int:
    """Blocks holding ``tokens`` tokens."""
    return -(-tokens // block_size)


def kv_bytes_per_token(model: Any, quant: Any, tp: int = 1) -> float:
    """KV-cache bytes per token of one TP rank: 2 x layers x kv_heads x head_dim x bits / 8 / tp."""
    from llmaccel.workloads.quant_presets import get_quant

    bits = get_quant(quant).spec_for("attn_score")[1].bits
    return 2 * model.num_hidden_layers * model.num_key_value_heads * model.head_dim * bits / 8 / tp


def weight_bytes(model: Any, quant: Any, tp: int = 1) -> float:
    """Weight bytes of one TP rank (see the module docstring)."""
    from llmaccel.workload import model_trace
    from llmaccel.workloads.trace import Request

    trace = model_trace(model, "decode", tp=tp, quant=quant, lm_head=True, requests=[Request(0, 1, 1, 1)])
    total = 0.0
    head_bits = 16
    for op in trace.ops:
        if op.b_class == "weight":
            total += op.n * op.k * op.count * op.b_spec.bits / 8
            if op.role == "lm_head":
                head_bits = op.b_spec.bits
    return total + model.vocab_size * model.hidden_size * head_bits / 8 / tp


def capacity_blocks(memory_bytes: float, weights: float, per_token: float, block_size: int) -> int:
    """KV blocks that fit beside the weights; InputError when none do."""
    free = memory_bytes - weights
    blocks = int(math.floor(free / (block_size * per_token))) if free > 0 else 0
    if blocks < 1:
        raise InputError(
            "--memory-gb",
            f"{memory_bytes / 1e9:.4g} GB holds the {weights / 1e9:.4g} GB of weights but no KV block "
            f"({block_size * per_token / 1e6:.4g} MB); give a larger memory or a smaller model",
        )
    return blocks


class PagedKVCache:
    """Block accounting: ``total`` blocks of ``block_size`` tokens; requests hold whole blocks."""

    def __init__(self, total: int, block_size: int) -> None:
        self.total = total
        self.block_size = block_size
        self.held: dict[int, int] = {}
        self.used = 0

    @property
    def free(self) -> int:
        """Blocks not held by any request."""
        return self.total - self.used

    def extra_blocks(self, rid: int, tokens: int) -> int:
        """Blocks request ``rid`` needs beyond what it holds to hold ``tokens`` tokens."""
        return max(0, blocks_for(tokens, self.block_size) - self.held.get(rid, 0))

    def fits(self, rid: int, tokens: int) -> bool:
        """Whether request ``rid`` can grow to ``tokens`` tokens now."""
        return self.extra_blocks(rid, tokens) <= self.free

    def grow(self, rid: int, tokens: int) -> None:
        """Let request ``rid`` hold ``tokens`` tokens (caller checked :meth:`fits`)."""
        need = self.extra_blocks(rid, tokens)
        if need > self.free:
            raise RuntimeError(f"KV cache overcommitted by request {rid}")
        self.held[rid] = self.held.get(rid, 0) + need
        self.used += need

    def grow_each(self, wants: list[tuple[int, int]]) -> bool:
        """Let every ``(rid, tokens)`` grow at once when all fit together (as :meth:`grow` one
        after another would); False, and nothing changed, when they do not."""
        held, bs = self.held, self.block_size
        extra = [max(0, -(-tokens // bs) - held.get(rid, 0)) for rid, tokens in wants]
        total = sum(extra)
        if total > self.total - self.used:
            return False
        for (rid, _), need in zip(wants, extra):
            if need:
                held[rid] = held.get(rid, 0) + need
        self.used += total
        return True

    def release(self, rid: int) -> int:
        """Free every block of request ``rid``; the number freed."""
        n = self.held.pop(rid, 0)
        self.used -= n
        return n
