"""One operator instance in a trace.

Shape convention (all designs use it):

* ``gemm`` / ``gemv``: ``out[m, n] = a[m, k] @ b[k, n]``. ``a`` is the streaming
  (activation) operand, ``b`` the stationary one (weights, or the KV cache for
  attention), ``m`` the token/batch dimension, ``k`` the reduction dimension.
* ``attn_score``: per head, ``scores[m, n] = q[m, k] @ K^T[k, n]`` with
  ``k = head_dim``, ``n = kv_len``; ``count`` = number of heads (instances).
* ``attn_context``: per head, ``ctx[m, n] = p[m, k] @ V[k, n]`` with ``k = kv_len``,
  ``n = head_dim``.
* vector ops (``softmax``, ``norm``, ``activation``, ``eltwise``, ``rope``):
  ``m`` rows x ``n`` columns, ``k = 0``.

``count`` instances of the same shape are independent (heads, or requests of a
batch sharing nothing); total MACs = m * n * k * count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant_spec import FP16, QuantSpec


class OpKind(str, Enum):
    GEMM = "gemm"
    GEMV = "gemv"
    ATTN_SCORE = "attn_score"
    ATTN_CONTEXT = "attn_context"
    SOFTMAX = "softmax"
    NORM = "norm"
    ACTIVATION = "activation"
    ELTWISE = "eltwise"
    ROPE = "rope"

    @property
    def is_matmul(self) -> bool:
        return self in _MATMUL_KINDS


#: the kinds that multiply two operands (a frozenset: membership by hash, on hot paths)
_MATMUL_KINDS = frozenset({OpKind.GEMM, OpKind.GEMV, OpKind.ATTN_SCORE, OpKind.ATTN_CONTEXT})


class Phase(str, Enum):
    PREFILL = "prefill"
    DECODE = "decode"


#: Where the stationary operand ``b`` lives: static weights, the KV cache, or a
#: freshly computed activation.
OPERAND_CLASSES = ("weight", "kv", "act")


@dataclass(frozen=True)
class Op:
    """One operator instance.

    Attributes:
        name: unique within the trace, e.g. ``"L3.q_proj"``.
        kind: operator kind.
        layer: decoder/encoder block index (-1 for embedding/head).
        phase: prefill or decode.
        m, n, k: shape (see module docstring); elements, not bytes.
        count: independent instances of this shape (heads, ...).
        a_spec, b_spec, out_spec: numeric formats of the operands.
        b_class: ``"weight"``, ``"kv"`` or ``"act"`` — where ``b`` comes from.
        request_ids: requests whose tokens this op processes.
        detail: free-form sub-kind, e.g. ``"silu"``, ``"rmsnorm"``, ``"residual"``.
        role: the op's place in the block, used by quantization presets and
            mappers: ``q_proj k_proj v_proj o_proj ffn_gate ffn_up ffn_down
            attn_score attn_context softmax norm_attn norm_ffn act rope
            residual_attn residual_ffn gate_mul lm_head embed``.
    """

    name: str
    kind: OpKind
    layer: int
    phase: Phase
    m: int
    n: int
    k: int = 0
    count: int = 1
    a_spec: QuantSpec = FP16
    b_spec: QuantSpec = FP16
    out_spec: QuantSpec = FP16
    b_class: str = "weight"
    request_ids: tuple[int, ...] = ()
    detail: str = ""
    role: str = ""

    def __post_init__(self) -> None:
        for f in ("m", "n", "count"):
            v = getattr(self, f)
            if not isinstance(v, int) or v <= 0:
                raise InputError(f"op {self.name}.{f}", f"must be a positive integer, got {v!r}")
        if self.kind.is_matmul and (not isinstance(self.k, int) or self.k <= 0):
            raise InputError(f"op {self.name}.k", f"must be a positive integer for {self.kind.value}, got {self.k!r}")
        if self.b_class not in OPERAND_CLASSES:
            raise InputError(f"op {self.name}.b_class", f"allowed: {', '.join(OPERAND_CLASSES)}; got {self.b_class!r}")

    @property
    def macs(self) -> int:
        """Multiply-accumulates (0 for vector ops)."""
        return self.m * self.n * self.k * self.count if self.kind.is_matmul else 0

    @property
    def elements(self) -> int:
        """Output elements over all instances."""
        return self.m * self.n * self.count

    def a_bytes(self) -> float:
        """Bytes of operand a over all instances, at its stored width."""
        if not self.kind.is_matmul:
            return self.m * self.n * self.count * self.a_spec.storage_bits_per_value() / 8
        return self.m * self.k * self.count * self.a_spec.storage_bits_per_value() / 8

    def b_bytes(self) -> float:
        """Bytes of operand b over all instances, at its stored width (0 for vector ops)."""
        if not self.kind.is_matmul:
            return 0.0
        return self.k * self.n * self.count * self.b_spec.storage_bits_per_value() / 8

    def out_bytes(self) -> float:
        """Bytes of the output over all instances."""
        return self.m * self.n * self.count * self.out_spec.storage_bits_per_value() / 8
