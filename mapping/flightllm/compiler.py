"""FlightLLM compiler: a trace of one model step -> an instruction stream for the decoupled units.

Units and queues: LD (HBM -> on-chip), ST (on-chip -> HBM), MPE (MM/MV on the CSD-chains),
SFU (MISC).  Dependencies are tokens in one FIFO per ordered unit pair
(``wait``/``release`` masks, :mod:`mapping.flightllm.isa`).

Per op (``docs/flightllm.md`` gives the full rules):

* weight GEMM/GEMV: columns split into tiles that fit half the weight buffers of all
  cores (double buffering, 2 initial MPE->LD credit tokens); per tile ``LD(weight)``
  then ``MV`` (m = 1) or ``MM``;
* attention: decode streams the KV cache in head tiles that fit half the KV buffers,
  only the key blocks its query row keeps (``compression.decode_attention_keep``, the
  authors' block masks) when block-sparse attention is on;
  prefill keeps K/V of the prompt on chip when they fit and skips the causally
  masked 16x16 blocks (block-sparse attention): one MM per ``pM``-row tile with the
  keys up to the tile's last row;
* new K and V rows are stored to the HBM KV cache (``ST``);
* vector ops become ``MISC`` on the SFU, except the fused ones (``fusion: true``):
  RoPE after Q/K projection, softmax after the score MV, SiLU/GELU and the eltwise
  gate multiply / residual adds after their producing linear — their SFU cycles
  overlap the producer's tiles (``fused_sfu`` arg);
* always-on-chip decode keeps activations in URAM/BRAM; ``decode_mode: off_chip``
  (and prefill activations that do not fit) spill every op's output with ``ST`` and
  load it back with ``LD(act)`` before the next op — a RAW dependency through HBM.

Mixed precision per layer: blocks listed in ``compression.int8_layers`` keep INT8
weights.  N:M weights get a per-16x16-block N map (N in {0,2,4,8,16}) whose mean
matches the op's density, drawn with ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from llmaccel.mapping.flightllm.isa import Instr, encode
from llmaccel.sim.hardware.flightllm import FlightParams
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import named
from llmaccel.workloads.trace import Trace

ALLOWED_N = (0, 2, 4, 8, 16)
FUSED_ROLES = {"rope", "softmax", "act", "gate_mul", "residual_attn", "residual_ffn"}


#: What the compiler reads of a FlightLLM preset: the hardware layer's typed parameters as
#: they are (compute, buffers, isa, compression, decode_mode, fusion), nothing re-declared.
CompilerParams = FlightParams


@dataclass
class StepProgram:
    """Instruction stream of one model step.

    Attributes:
        instrs: program order.
        ops: the trace ops (after per-layer precision overrides).
        block_n: op index -> per-16x16-block N map (sparse weight ops only).
        init_tokens: (src, dst) -> initial tokens (buffer credits).
        phase, length: the step ("prefill", prompt tokens) or ("decode", kv length).
        words: instruction widths used to encode (for storage).
    """

    instrs: list[Instr]
    ops: list[Op]
    block_n: dict[int, np.ndarray]
    init_tokens: dict[tuple[str, str], int]
    phase: str
    length: int
    words: dict[str, int]
    meta: dict = field(default_factory=dict)

    def storage_bytes(self) -> int:
        """Bytes of the encoded program (32-bit words)."""
        return 4 * sum(self.words[i.opcode] for i in self.instrs)

    def encoded(self) -> list[int]:
        return [w for i in self.instrs for w in encode(i, self.words)]


# ---------------------------------------------------------------- compression helpers
@lru_cache(maxsize=4096)
def block_map(seed: int, name: str, density: float, kb: int, nb: int, m: int = 16) -> np.ndarray:
    """Deterministic per-op block N map (cached; read-only)."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    arr = block_n_for(density, kb, nb, rng, m)
    arr.setflags(write=False)
    return arr


def block_n_for(density: float, kb: int, nb: int, rng: np.random.Generator, m: int = 16) -> np.ndarray:
    """Per-block N map with mean N/m == density (two adjacent allowed N values, exact count)."""
    target = density * m
    vals = [v for v in ALLOWED_N if v <= m]
    lo = max(v for v in vals if v <= target + 1e-9)
    hi = min(v for v in vals if v >= target - 1e-9)
    total = kb * nb
    frac_hi = 0.0 if hi == lo else (target - lo) / (hi - lo)
    n_hi = int(round(frac_hi * total))
    arr = np.full(total, lo, np.int64)
    arr[rng.permutation(total)[:n_hi]] = hi
    return arr.reshape(kb, nb)


def _int8_override(op: Op, layers: set[int]) -> Op:
    if op.layer in layers and op.b_class == "weight" and op.kind.is_matmul and op.b_spec.bits < 8:
        sp = op.b_spec.sparsity
        return replace(op, b_spec=named("int8", sparsity=sp))
    return op


def weight_bytes(op: Op, cp: FlightParams) -> float:
    """HBM bytes of a weight operand: packed codes at their width (+ group scales),
    plus 4-bit indices per non-zero and one N byte per 16x16 block when sparse."""
    b = op.b_bytes()
    if op.b_spec.sparsity is not None:
        nnz = op.k * op.n * op.count * op.b_spec.density
        blocks = math.ceil(op.k / cp.compute.block) * math.ceil(op.n / cp.compute.block) * op.count
        b += nnz * cp.compression.index_bits / 8 + blocks * cp.compression.block_header_bits / 8
    return b


# ---------------------------------------------------------------- the compiler
class _Emitter:
    def __init__(self, cp: FlightParams, phase: str) -> None:
        self.cp = cp
        self.instrs: list[Instr] = []
        self.producer: Instr | None = None  # last instruction producing the live activation
        self.phase = phase

    def add(self, ins: Instr) -> Instr:
        self.instrs.append(ins)
        return ins

    def link(self, consumer: Instr, act_on_chip: bool, act_bytes: float, op_idx: int, at: int) -> None:
        """Make ``consumer`` (first compute instruction of an op) depend on the live activation;
        ``at`` is the index of the op's first instruction (spill ST/LD go before it)."""
        prod = self.producer
        if prod is None:
            return
        if act_on_chip:
            if prod.unit != consumer.unit:
                prod.release.append(consumer.unit)
                consumer.wait.append(prod.unit)
            return
        # spill through HBM: producer -> ST -> LD(act) -> consumer
        prod.release.append("st")
        st = Instr(
            "ST", prod.op, ["mpe" if prod.unit == "mpe" else prod.unit], ["ld"], {"bytes": int(math.ceil(act_bytes))}
        )
        idx = at
        self.instrs.insert(idx, st)
        ld = Instr("LD", op_idx, ["st"], [consumer.unit], {"bytes": int(math.ceil(act_bytes)), "kind": "act"})
        self.instrs.insert(idx + 1, ld)
        consumer.wait.append("ld")


def compile_trace(
    trace: Trace, cp: FlightParams, length: int | None = None, n_layers: int | None = None
) -> StepProgram:
    """Compile one step.  ``length`` labels the program (bucket length); default: from the trace.

    ``n_layers`` is the block count that negative ``compression.int8_layers`` entries count
    from (default: the model's, from the trace meta); a truncated trace passes its own
    length so that its last block plays the model's last block.
    """
    if not trace.ops:
        raise InputError("trace", "has no ops")
    phase = trace.ops[0].phase.value
    n_layers = n_layers or trace.meta.get("num_hidden_layers") or (max(o.layer for o in trace.ops) + 1)
    int8 = {l % n_layers for l in cp.compression.int8_layers}
    ops = [_int8_override(o, int8) for o in trace.ops]
    c = cp.compute
    words = {k: getattr(cp.isa.words, k) for k in ("LD", "ST", "MM", "MV", "MISC", "SYS")}
    em = _Emitter(cp, phase)
    block_maps: dict[int, np.ndarray] = {}
    decode = phase == Phase.DECODE.value
    # block-sparse causal attention applies to decoders only: an encoder attends bidirectionally
    causal = (trace.meta.get("model_config") or {}).get("arch", "decoder") != "encoder"
    act_cap = cp.buffers.act_kib * 1024 * c.cores
    kv_cap_half = cp.buffers.kv_kib * 1024 * c.cores / 2
    w_cap_half = cp.buffers.weight_kib * 1024 * c.cores / 2
    fused_into: dict[int, int] = {}  # fused op index -> producer op index

    for i, op in enumerate(ops):
        act_bytes = op.a_bytes()
        start = len(em.instrs)
        on_chip = cp.decode_mode == "on_chip" and act_bytes <= act_cap
        if op.kind.is_matmul and op.b_class == "weight":
            wb = weight_bytes(op, cp)
            per_col = wb / op.n
            cols = max(c.block, int(w_cap_half // per_col) // c.block * c.block)
            if op.b_spec.sparsity is not None:
                block_maps[i] = block_map(
                    cp.compression.seed,
                    op.name,
                    op.b_spec.density,
                    math.ceil(op.k / c.block),
                    math.ceil(op.n / c.block),
                    c.sparse_m,
                )
            opc = "MV" if op.m == 1 else "MM"
            first = None
            for col0 in range(0, op.n, cols):
                ncol = min(cols, op.n - col0)
                em.add(Instr("LD", i, ["mpe"], ["mpe"], {"bytes": int(math.ceil(per_col * ncol)), "kind": "weight"}))
                mv = em.add(
                    Instr(
                        opc,
                        i,
                        ["ld"],
                        ["ld"],
                        {"m": op.m, "n": ncol, "k": op.k, "col0": col0, "nnz16": _nnz16(op, c.sparse_m)},
                    )
                )
                first = first or mv
            assert first is not None  # every MV op emits at least one instruction
            em.link(first, on_chip, act_bytes, i, start)
            em.producer = mv
            if op.role in ("k_proj", "v_proj"):
                mv.release.append("st")
                em.add(Instr("ST", i, ["mpe"], [], {"bytes": int(math.ceil(op.out_bytes())), "kind": "kv"}))
        elif op.kind.is_matmul:
            kv_bytes = op.b_bytes()
            opc = "MV" if op.m == 1 else "MM"
            stream = decode or kv_bytes > 2 * kv_cap_half
            first = None
            if decode or not stream:
                shape_args: dict[str, float] = {"m": op.m, "n": op.n, "k": op.k}
                if decode and causal and cp.compression.block_sparse_attention:
                    # block-sparse decode attention: the query reads only its row's kept key blocks
                    key_dim = "n" if op.role == "attn_score" else "k"
                    keys = int(shape_args[key_dim])
                    kept = cp.compression.kept_keys(keys)
                    if kept < keys:
                        shape_args[key_dim] = kept
                        shape_args["kept_frac"] = kept / keys
                        kv_bytes = kv_bytes * kept / keys
                heads_per_tile = max(1, int(kv_cap_half // (kv_bytes / op.count))) if stream else op.count
                for h0 in range(0, op.count, heads_per_tile):
                    nh = min(heads_per_tile, op.count - h0)
                    if stream:
                        em.add(
                            Instr(
                                "LD",
                                i,
                                ["mpe"],
                                ["mpe"],
                                {"bytes": int(math.ceil(kv_bytes / op.count * nh)), "kind": "kv"},
                            )
                        )
                    ins = em.add(
                        Instr(
                            opc,
                            i,
                            ["ld"] if stream else [],
                            ["ld"] if stream else [],
                            {**shape_args, "heads": nh, "nnz16": c.sparse_m},
                        )
                    )
                    if not decode and causal and cp.compression.block_sparse_attention:
                        ins.args.update(_causal(op, c.mm.pm))
                    first = first or ins
            else:  # prefill with K/V too big for on-chip: stream per head
                for _head in range(op.count):
                    em.add(
                        Instr("LD", i, ["mpe"], ["mpe"], {"bytes": int(math.ceil(kv_bytes / op.count)), "kind": "kv"})
                    )
                    ins = em.add(
                        Instr(
                            opc, i, ["ld"], ["ld"], {"m": op.m, "n": op.n, "k": op.k, "heads": 1, "nnz16": c.sparse_m}
                        )
                    )
                    if causal and cp.compression.block_sparse_attention:
                        ins.args.update(_causal(op, c.mm.pm))
                    first = first or ins
            assert first is not None  # every MM op emits at least one instruction
            em.link(first, on_chip, act_bytes, i, start)
            em.producer = ins
        else:
            prev = em.producer
            if cp.fusion and op.role in FUSED_ROLES and prev is not None and prev.unit == "mpe":
                fused_into[i] = prev.op
                prev.args["fused_sfu"] = prev.args.get("fused_sfu", []) + [i]
                continue
            func = _misc_func(op)
            ins = em.add(
                Instr(
                    "MISC",
                    i,
                    [],
                    [],
                    {
                        "func": func,
                        "rows": op.m * op.count,
                        "cols": op.n,
                        "passes": 2 if op.kind in (OpKind.SOFTMAX, OpKind.NORM) else 1,
                    },
                )
            )
            em.link(ins, on_chip, act_bytes, i, len(em.instrs) - 1)
            em.producer = ins
    em.add(Instr("SYS", -1, [], [], {}))
    L = length if length is not None else _length_of(trace, phase)
    return StepProgram(
        em.instrs,
        ops,
        block_maps,
        {("mpe", "ld"): 2},
        phase,
        L,
        words,
        {"fused": fused_into, "decode_mode": cp.decode_mode, "fusion": cp.fusion, "model": trace.model},
    )


def _nnz16(op: Op, m: int) -> int:
    return int(round(op.b_spec.density * m))


def _causal(op: Op, pm: int) -> dict:
    """Block-sparse causal attention in prefill: flag for the simulator (keys per pM-row tile)."""
    return {"causal": True}


def _misc_func(op: Op) -> str:
    if op.kind is OpKind.SOFTMAX:
        return "softmax"
    if op.kind is OpKind.NORM:
        return "rmsnorm" if op.detail == "rmsnorm" else "layernorm"
    if op.kind is OpKind.ROPE:
        return "rope"
    if op.kind is OpKind.ACTIVATION:
        return "silu" if op.detail == "silu" else "gelu"
    return "mul" if op.detail == "mul" else "add"


def _length_of(trace: Trace, phase: str) -> int:
    if phase == "decode":
        return max((r.kv_len for r in trace.requests), default=0)
    return max((r.prompt_len for r in trace.requests), default=0)


def bucket_of(length: int, phase: str, cp: FlightParams) -> int:
    """Length bucket: prefill rounded up to a multiple of 128, decode of 16 (<= max_len)."""
    if length <= 0:
        raise InputError("length", f"must be a positive integer, got {length}")
    if length > cp.isa.max_len:
        raise InputError("length", f"must be <= max_len {cp.isa.max_len}, got {length}")
    step = cp.isa.prefill_bucket if phase == "prefill" else cp.isa.decode_bucket
    return min(cp.isa.max_len, -(-length // step) * step)
