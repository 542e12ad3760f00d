"""Operator graph of transformer blocks: one model step (prefill or decode) as a Trace.

Shapes follow :mod:`workloads.ops` (``out[m, n] = a[m, k] @ b[k, n]``).  With
E = hidden size, F = FFN width, d = head dim, Hq/Hkv = query/KV heads, t = TP
degree, ``Hq_t = Hq / t``, ``Hkv_t = Hkv / t`` (or 1 when t > Hkv: KV heads are
replicated), ``g = Hq_t / Hkv_t`` (query heads sharing one KV head) and
T = tokens of the step (decode: number of requests; prefill: sum of prompt
lengths), one block is, in program order (decoder, pre-norm)::

    norm_attn     norm        m=T  n=E
    q_proj        gemm        m=T  k=E        n=Hq_t*d
    k_proj, v_proj gemm       m=T  k=E        n=Hkv_t*d
    rope          rope        m=T  n=(Hq_t+Hkv_t)*d          (rotary models only)
    per request r with rows q_r (decode 1, prefill prompt_len) and keys s_r
    (decode kv_len, prefill prompt_len):
      attn_score.r  attn_score m=g*q_r  k=d    n=s_r   count=Hkv_t
      softmax.r     softmax    m=g*q_r  n=s_r           count=Hkv_t
      attn_context.r attn_context m=g*q_r k=s_r n=d     count=Hkv_t
    o_proj        gemm        m=T  k=Hq_t*d   n=E
    residual_attn eltwise     m=T  n=E
    norm_ffn      norm        m=T  n=E
    ffn_gate      gemm        m=T  k=E        n=F/t          (gated FFN only)
    ffn_up        gemm        m=T  k=E        n=F/t
    act           activation  m=T  n=F/t
    gate_mul      eltwise     m=T  n=F/t                    (gated FFN only)
    ffn_down      gemm        m=T  k=F/t      n=E
    residual_ffn  eltwise     m=T  n=E

GQA: the g query heads of one KV group are stacked as rows against the same
K/V, so MACs (``Hq_t * q_r * d * s_r``) *and* KV bytes (``Hkv_t * d * s_r``) are
both right.  Prefill attention is counted dense (the full ``q_r x s_r`` square a
matrix engine computes under a causal mask; the useful causal part is
``(s+1)/(2s)`` of it).  Encoder blocks (BERT, ViT) are post-norm: norm_attn
follows residual_attn and norm_ffn follows residual_ffn; they run "prefill" only.

A projection whose m is 1 (decode with one request) has kind ``gemv``.

Mixture-of-experts layers (``ModelConfig.is_moe_layer``) replace ffn_gate .. ffn_down by
``moe_router`` (m=T k=E n=experts), ``moe_topk``, the routed experts ``expert_gate/up/down``
over the experts a batch touches (:func:`expert_groups`: uniform top-k routing),
``expert_act``, ``expert_gate_mul``, ``moe_combine``, then any shared expert as
ffn_gate .. ffn_down of its width (docs/workloads.md).  Encoder attention is
bidirectional: the trace holds the full square, and no host may skip a causal half.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from llmaccel.workloads.errors import InputError, require_positive_int
from llmaccel.workloads.model_config import ModelConfig
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_presets import QuantPreset, get_quant
from llmaccel.workloads.trace import Request, Trace

GRAPH_VERSION = 1
PHASES = ("prefill", "decode")
_G, _V, _SC, _CX = OpKind.GEMM, OpKind.GEMV, OpKind.ATTN_SCORE, OpKind.ATTN_CONTEXT


@dataclass(frozen=True)
class _Shard:
    """Per-rank sizes after tensor-parallel sharding."""

    E: int
    F_t: int
    d: int
    hq_t: int
    hkv_t: int
    group: int
    expert_t: int = 0
    shared_t: int = 0


def _shard(model: ModelConfig, tp: int) -> _Shard:
    tp = require_positive_int("--tp", tp)
    hq, hkv, F = model.num_attention_heads, model.num_key_value_heads, model.intermediate_size
    if hq % tp:
        raise InputError("--tp", f"must divide num_attention_heads {hq}, got {tp}")
    if hkv % tp and tp % hkv:
        raise InputError("--tp", f"must divide num_key_value_heads {hkv} or be a multiple of it, got {tp}")
    if F % tp:
        raise InputError("--tp", f"must divide intermediate_size {F}, got {tp}")
    for width, what in (
        (model.moe_intermediate_size, "moe_intermediate_size"),
        (model.shared_expert_intermediate_size, "the shared expert width"),
    ):
        if width % tp:
            raise InputError("--tp", f"must divide {what} {width}, got {tp}")
    hq_t = hq // tp
    hkv_t = hkv // tp if hkv % tp == 0 else 1  # tp > hkv: each rank holds one replicated KV head
    if hq_t % hkv_t:
        raise InputError("--tp", f"query heads per rank {hq_t} not a multiple of KV heads per rank {hkv_t}")
    return _Shard(
        model.hidden_size,
        F // tp,
        model.head_dim,
        hq_t,
        hkv_t,
        hq_t // hkv_t,
        model.moe_intermediate_size // tp,
        model.shared_expert_intermediate_size // tp,
    )


def touched_experts(tokens: int, experts: int, top_k: int) -> int:
    """Distinct experts a batch of ``tokens`` routes to, under uniform independent top-k routing.

    Each token picks ``top_k`` of ``experts`` distinct experts uniformly, so one expert is
    missed by a token with probability ``1 - k/E`` and by all ``tokens`` with ``(1 - k/E)^B``:
    the expected number touched is ``E * (1 - (1 - k/E)^B)``, rounded to the nearest
    integer and kept within ``[k, min(E, B*k)]`` (one token touches exactly ``k``).
    """
    expected = experts * (1.0 - (1.0 - top_k / experts) ** tokens)
    return max(top_k, min(experts, tokens * top_k, round(expected)))


def expert_groups(tokens: int, experts: int, top_k: int) -> list[tuple[int, int]]:
    """``[(rows, count), ...]``: the touched experts and the tokens each computes.

    The ``B*k`` (token, expert) assignments are spread as evenly as integers allow over
    the :func:`touched_experts` ``D``: ``B*k mod D`` experts get ``floor(B*k/D) + 1`` rows,
    the rest ``floor(B*k/D)``.  So expert MACs total exactly ``B*k*E*F`` (compute as if
    each expert took ``B*k/E`` tokens) and expert weights are read for ``D`` experts.
    """
    A = tokens * top_k
    D = touched_experts(tokens, experts, top_k)
    lo, extra = divmod(A, D)
    return [(rows, count) for rows, count in ((lo + 1, extra), (lo, D - extra)) if count and rows]


def _check_requests(model: ModelConfig, phase: str, requests: list[Request]) -> None:
    if not requests:
        raise InputError("requests", "need at least one request")
    seen: set[int] = set()
    limit = model.max_position_embeddings
    for r in requests:
        if not isinstance(r, Request):
            raise InputError("requests", f"items must be workloads.trace.Request, got {type(r).__name__}")
        if r.id in seen:
            raise InputError("requests", f"duplicate request id {r.id}")
        seen.add(r.id)
        if r.prompt_len <= 0:
            raise InputError(f"request {r.id}.prompt_len", f"must be a positive integer, got {r.prompt_len}")
        if phase == "prefill" and r.prompt_len > limit:
            raise InputError(
                f"request {r.id}.prompt_len", f"exceeds {model.name} max positions {limit}, got {r.prompt_len}"
            )
        if phase == "decode":
            if r.kv_len <= 0:
                raise InputError(
                    f"request {r.id}.kv_len", f"decode needs kv_len >= 1 (tokens in the KV cache), got {r.kv_len}"
                )
            if r.kv_len >= limit:
                raise InputError(
                    f"request {r.id}.kv_len",
                    f"must be below {model.name} max positions {limit}, got {r.kv_len} "
                    "(sample requests with max_len=model.max_position_embeddings)",
                )


def _check_phase(model: ModelConfig, phase: str) -> Phase:
    if phase not in PHASES:
        raise InputError("--phase", f"unknown phase {phase!r}; allowed: {', '.join(PHASES)}")
    if model.arch == "encoder" and phase == "decode":
        raise InputError("--phase", f"{model.name} is an encoder (no KV cache): only 'prefill' is allowed")
    return Phase(phase)


class _Builder:
    """Emits the ops of one block for a fixed (model, phase, batch, tp, quant)."""

    def __init__(self, model: ModelConfig, phase: Phase, requests: list[Request], tp: int, quant: QuantPreset):
        self.model = model
        self.phase = phase
        self.s = _shard(model, tp)
        self.requests = requests
        self.ids = tuple(r.id for r in requests)
        decode = phase is Phase.DECODE
        self.T = len(requests) if decode else sum(r.prompt_len for r in requests)
        # (suffix, rows, keys) per request
        self.attn = [
            (f".r{r.id}", 1 if decode else r.prompt_len, r.kv_len if decode else r.prompt_len, (r.id,))
            for r in requests
        ]
        self.q = {role: quant.spec_for(role) for role in quant.table}
        self.kv_class = "act" if model.arch == "encoder" else "kv"

    def _mm(self, out: list[Op], L: int, role: str, m: int, k: int, n: int) -> None:
        a, b, o = self.q[role]
        out.append(
            Op(f"L{L}.{role}", _V if m == 1 else _G, L, self.phase, m, n, k, 1, a, b, o, "weight", self.ids, "", role)
        )

    def _vec(self, out: list[Op], L: int, role: str, kind: OpKind, n: int, detail: str) -> None:
        a, b, o = self.q[role]
        out.append(Op(f"L{L}.{role}", kind, L, self.phase, self.T, n, 0, 1, a, b, o, "act", self.ids, detail, role))

    def block(self, L: int) -> list[Op]:
        s, T, model, ph = self.s, self.T, self.model, self.phase
        enc = model.arch == "encoder"
        ops: list[Op] = []
        qkv_n = (s.hq_t * s.d, s.hkv_t * s.d)
        if not enc:
            self._vec(ops, L, "norm_attn", OpKind.NORM, s.E, model.norm)
        self._mm(ops, L, "q_proj", T, s.E, qkv_n[0])
        self._mm(ops, L, "k_proj", T, s.E, qkv_n[1])
        self._mm(ops, L, "v_proj", T, s.E, qkv_n[1])
        if model.position_embedding == "rope":
            self._vec(ops, L, "rope", OpKind.ROPE, qkv_n[0] + qkv_n[1], "rotary")
        sc, sm, cx = self.q["attn_score"], self.q["softmax"], self.q["attn_context"]
        smd = {"alibi": "alibi_softmax", "relative": "relative_bias_softmax"}.get(model.position_embedding, "softmax")
        g, h, d, kvc = s.group, s.hkv_t, s.d, self.kv_class
        pre = f"L{L}."
        for suf, rows, keys, rid in self.attn:
            m = g * rows
            ops.append(
                Op(pre + "attn_score" + suf, _SC, L, ph, m, keys, d, h, sc[0], sc[1], sc[2], kvc, rid, "", "attn_score")
            )
            ops.append(
                Op(
                    pre + "softmax" + suf,
                    OpKind.SOFTMAX,
                    L,
                    ph,
                    m,
                    keys,
                    0,
                    h,
                    sm[0],
                    sm[1],
                    sm[2],
                    "act",
                    rid,
                    smd,
                    "softmax",
                )
            )
            ops.append(
                Op(
                    pre + "attn_context" + suf,
                    _CX,
                    L,
                    ph,
                    m,
                    d,
                    keys,
                    h,
                    cx[0],
                    cx[1],
                    cx[2],
                    kvc,
                    rid,
                    "",
                    "attn_context",
                )
            )
        self._mm(ops, L, "o_proj", T, qkv_n[0], s.E)
        self._vec(ops, L, "residual_attn", OpKind.ELTWISE, s.E, "add")
        if enc:
            self._vec(ops, L, "norm_attn", OpKind.NORM, s.E, model.norm)
        elif not model.parallel_attn:
            self._vec(ops, L, "norm_ffn", OpKind.NORM, s.E, model.norm)
        if model.is_moe_layer(L):
            self._moe(ops, L)
            if self.s.shared_t:
                self._ffn(ops, L, self.s.shared_t)
        else:
            self._ffn(ops, L, s.F_t)
        self._vec(ops, L, "residual_ffn", OpKind.ELTWISE, s.E, "add")
        if enc:
            self._vec(ops, L, "norm_ffn", OpKind.NORM, s.E, model.norm)
        return ops

    def _ffn(self, ops: list[Op], L: int, width: int) -> None:
        """Dense FFN (or a MoE layer's shared expert) of ``width`` columns per rank."""
        s, T, model = self.s, self.T, self.model
        if model.gated_ffn:
            self._mm(ops, L, "ffn_gate", T, s.E, width)
        self._mm(ops, L, "ffn_up", T, s.E, width)
        self._vec(ops, L, "act", OpKind.ACTIVATION, width, model.hidden_act)
        if model.gated_ffn:
            self._vec(ops, L, "gate_mul", OpKind.ELTWISE, width, "mul")
        self._mm(ops, L, "ffn_down", T, width, s.E)

    def _moe(self, ops: list[Op], L: int) -> None:
        """Router, top-k, routed experts and their weighted sum (see :func:`expert_groups`)."""
        s, T, model, ph = self.s, self.T, self.model, self.phase
        k_top = model.experts_per_token
        self._mm(ops, L, "moe_router", T, s.E, model.num_experts)
        self._vec(ops, L, "moe_topk", OpKind.SOFTMAX, model.num_experts, f"softmax_top{k_top}")
        if model.shared_expert_gate:
            self._mm(ops, L, "shared_expert_gate", T, s.E, 1)
        groups = expert_groups(T, model.num_experts, k_top)
        pre = f"L{L}."

        def expert_mm(role: str, k: int, n: int) -> None:
            a, b, o = self.q[role]
            for rows, count in groups:
                kind = _V if rows == 1 else _G
                ops.append(
                    Op(f"{pre}{role}.m{rows}", kind, L, ph, rows, n, k, count, a, b, o, "weight", self.ids, "", role)
                )

        W = s.expert_t
        if model.gated_ffn:
            expert_mm("expert_gate", s.E, W)
        expert_mm("expert_up", s.E, W)
        a, b, o = self.q["expert_act"]
        A = T * k_top  # (token, expert) assignments
        ops.append(
            Op(
                f"{pre}expert_act",
                OpKind.ACTIVATION,
                L,
                ph,
                A,
                W,
                0,
                1,
                a,
                b,
                o,
                "act",
                self.ids,
                model.hidden_act,
                "expert_act",
            )
        )
        if model.gated_ffn:
            a, b, o = self.q["expert_gate_mul"]
            ops.append(
                Op(
                    f"{pre}expert_gate_mul",
                    OpKind.ELTWISE,
                    L,
                    ph,
                    A,
                    W,
                    0,
                    1,
                    a,
                    b,
                    o,
                    "act",
                    self.ids,
                    "mul",
                    "expert_gate_mul",
                )
            )
        expert_mm("expert_down", W, s.E)
        a, b, o = self.q["moe_combine"]
        ops.append(
            Op(
                f"{pre}moe_combine",
                OpKind.ELTWISE,
                L,
                ph,
                T,
                s.E,
                0,
                k_top,
                a,
                b,
                o,
                "act",
                self.ids,
                "weighted_sum",
                "moe_combine",
            )
        )

    def head(self, tp: int) -> list[Op]:
        """Final norm and the output head (decoder: LM head on the last position of
        every request; encoder: classifier on the [CLS] token of every request).
        The vocabulary is split over TP ranks (vocab-parallel head)."""
        a, b, o = self.q["norm_final"]
        ops = [
            Op(
                "final_norm",
                OpKind.NORM,
                -1,
                self.phase,
                self.T,
                self.s.E,
                0,
                1,
                a,
                b,
                o,
                "act",
                self.ids,
                self.model.norm,
                "norm_final",
            )
        ]
        a, b, o = self.q["lm_head"]
        m, n = len(self.requests), -(-self.model.vocab_size // tp)
        ops.append(
            Op(
                "lm_head",
                _V if m == 1 else _G,
                -1,
                self.phase,
                m,
                n,
                self.s.E,
                1,
                a,
                b,
                o,
                "weight",
                self.ids,
                "",
                "lm_head",
            )
        )
        return ops

    def embed(self) -> Op:
        """Token (or position) embedding lookup: a gather of T rows of E."""
        a, b, o = self.q["embed"]
        return Op(
            "embed", OpKind.ELTWISE, -1, self.phase, self.T, self.s.E, 0, 1, a, b, o, "act", self.ids, "gather", "embed"
        )


def _relayer(block0: list[Op], layers: range | list[int]) -> list[Op]:
    """Copies of layer 0's ops for other layers (only ``name`` and ``layer`` differ).

    Every block of a step has identical shapes, so the ops of layer 0 (built and
    validated by ``Op.__init__``) are cloned field-for-field instead of being
    re-validated: ~3 us instead of ~17 us per op, which keeps a 50k-op trace well
    under a second.
    """
    new, setattr_ = object.__new__, object.__setattr__
    templates = [(op.__dict__, op.name.split(".", 1)[1]) for op in block0]
    out: list[Op] = []
    append = out.append
    for L in layers:
        pre = f"L{L}."
        for tmpl, rest in templates:
            op = new(Op)
            d = tmpl.copy()
            d["name"] = pre + rest
            d["layer"] = L
            setattr_(op, "__dict__", d)
            append(op)
    return out


def _resolve(model: ModelConfig | str) -> ModelConfig:
    if isinstance(model, ModelConfig):
        return model
    from llmaccel.workloads.zoo import get_model  # local: zoo reads files, keep import cheap

    return get_model(str(model))


def block_ops(
    model: ModelConfig | str,
    phase: str,
    requests: list[Request],
    layer: int = 0,
    tp: int = 1,
    quant: str | QuantPreset = "fp16",
) -> list[Op]:
    """The ops of one block (layer index ``layer``) for this step; see module docstring."""
    model = _resolve(model)
    ph = _check_phase(model, phase)
    _check_requests(model, phase, requests)
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < model.num_hidden_layers:
        raise InputError("layer", f"must be in 0..{model.num_hidden_layers - 1}, got {layer!r}")
    return _Builder(model, ph, list(requests), tp, get_quant(quant)).block(layer)


def build_trace(
    model: ModelConfig | str,
    phase: str,
    requests: list[Request],
    tp: int = 1,
    quant: str | QuantPreset = "fp16",
    layers: int | None = None,
    include_lm_head: bool = False,
    progress: bool = False,
) -> Trace:
    """One model step as a :class:`Trace` (ops of blocks 0..layers-1 in order).

    Args:
        model: ModelConfig or zoo name / config.json path.
        phase: ``"prefill"`` or ``"decode"`` (encoders: prefill only).
        requests: the batch (decode needs ``kv_len >= 1``).
        tp: tensor-parallel degree; the trace is one rank's share.
        quant: quantization preset name, YAML path or QuantPreset.
        layers: number of blocks from the first (None: all).
        include_lm_head: also emit ``embed`` (first) and ``final_norm`` + ``lm_head`` (last), layer -1.
        progress: show a tqdm bar over layers on stderr (only when stderr is a TTY).
    """
    model = _resolve(model)
    ph = _check_phase(model, phase)
    requests = list(requests)
    _check_requests(model, phase, requests)
    if layers is None:
        n_layers = model.num_hidden_layers
    else:
        n_layers = require_positive_int("--layers", layers)
        if n_layers > model.num_hidden_layers:
            raise InputError("--layers", f"{model.name} has {model.num_hidden_layers} layers, got {n_layers}")
    qp = get_quant(quant)
    b = _Builder(model, ph, requests, tp, qp)
    ops: list[Op] = [b.embed()] if include_lm_head else []
    block0 = b.block(0)
    ops.extend(block0)
    templates = {model.is_moe_layer(0): block0}  # dense and MoE blocks differ in their FFN
    chunk = 8  # layers per progress step
    steps = range(1, n_layers, chunk)
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        steps = tqdm(steps, desc=f"trace {model.name}", unit=f"{chunk} layers", file=sys.stderr, leave=False)
    for first in steps:
        layers_ = range(first, min(first + chunk, n_layers))
        if not model.is_moe:
            ops.extend(_relayer(block0, layers_))
            continue
        for L in layers_:
            moe = model.is_moe_layer(L)
            if moe not in templates:
                templates[moe] = b.block(L)
            ops.extend(_relayer(templates[moe], [L]))
    if include_lm_head:
        ops.extend(b.head(tp))
    meta = {
        "generator": f"workloads.graph v{GRAPH_VERSION}",
        "phase": phase,
        "tp": tp,
        "quant": qp.name,
        "layers": n_layers,
        "num_hidden_layers": model.num_hidden_layers,
        "include_lm_head": bool(include_lm_head),
        "tokens": b.T,
        "attention": "dense (causal mask not exploited)" if phase == "prefill" else "one query row per request",
        "model_config": model.to_dict(),
    }
    if model.is_moe:
        meta["moe"] = moe_summary(model, b.T, qp, n_layers, tp)
    return Trace(model.name, ops, requests, meta)


def moe_summary(model: ModelConfig, tokens: int, quant: QuantPreset, layers: int, tp: int = 1) -> dict:
    """Routing assumption and expert weight bytes (capacity vs traffic) of a MoE step.

    Capacity holds every expert of every MoE layer (of this rank); the step reads the
    touched experts only.  Bytes at the ``expert_up`` weight format of ``quant``.
    """
    E, k = model.num_experts, model.experts_per_token
    moe_layers = sum(model.is_moe_layer(L) for L in range(layers))
    mats = 3 if model.gated_ffn else 2
    per_expert = mats * model.hidden_size * (model.moe_intermediate_size // tp)
    bits = quant.spec_for("expert_up")[1].storage_bits_per_value()
    touched = touched_experts(tokens, E, k)
    return {
        "routing": "uniform top-k: touched experts E*(1-(1-k/E)^B), B*k/E tokens per expert",
        "experts": E,
        "experts_per_token": k,
        "touched_experts": touched,
        "tokens_per_expert": tokens * k / E,
        "moe_layers": moe_layers,
        "expert_weight_bytes_capacity": per_expert * E * moe_layers * bits / 8,
        "expert_weight_bytes_read": per_expert * touched * moe_layers * bits / 8,
    }
