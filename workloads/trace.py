"""The Trace: an ordered list of Ops for a batch of requests.

File I/O, validation and the versioned on-disk format live in
``workloads/trace_io.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from llmaccel.workloads.ops import Op

TRACE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Request:
    """One inference request.

    Attributes:
        id: request id (unique in a trace).
        prompt_len: input tokens.
        gen_len: tokens to generate.
        kv_len: tokens already in the KV cache at the traced step (decode snapshots).
    """

    id: int
    prompt_len: int
    gen_len: int
    kv_len: int = 0


@dataclass
class Trace:
    """Ordered operators of one model step (prefill or a decode iteration).

    Attributes:
        model: model id the ops were generated from.
        ops: operators in program order.
        requests: the batch.
        meta: generator settings (phase, tp degree, quant preset, seed, ...).
        version: on-disk format version.
    """

    model: str
    ops: list[Op]
    requests: list[Request] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    version: int = TRACE_FORMAT_VERSION

    @property
    def total_macs(self) -> int:
        return sum(op.macs for op in self.ops)
