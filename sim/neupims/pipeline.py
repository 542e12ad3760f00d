"""One decode iteration on NeuPIMs and its baselines, from one simulated layer.

Per layer the work splits into (spec/neupims.md):

* ``QKV``   — norm_attn, q/k/v projections (+ rope): NPU.
* ``MHA``   — per request K.q, softmax, logits.V: PIM (softmax on the NPU vector units),
              or the NPU (``attention: npu``: KV streamed through normal HBM reads).
* ``PF``    — o_proj, residual, norm_ffn, FFN, activation, residual: NPU.

NPU side of a group for ``m`` tokens: ``max(compute, weight stream)`` where compute is each
GEMM costed by the one array host's per-GEMM function (:func:`sim.systolic.host.gemm_instance`
on the NPU machine of :func:`sim.neupims.params.npu_machine`: PE passes, dot-product width,
edge-decoder folds, group dequant, stored weight bits, on the instruction-pipeline timing
plug-in :class:`sim.systolic.timing.InstructionPipelineTiming`) plus vector passes, and the
weight stream moves the group's weights at the sustained bandwidth measured by the
command-level DRAM model (:func:`stream_rate`; weights are re-read for every sub-batch).

PIM side of a sub-batch: the slowest channel's PIM schedule (:mod:`sim.neupims.pim`).

A stage running NPU work ``n`` beside PIM work ``p`` whose softmax takes ``s`` vector cycles
(``s`` is part of ``n.compute``):

* dual row buffers: ``max(n.compute, n.stream + p.bus, p.cycles)`` — concurrent; normal
  traffic loses only the data-bus cycles PIM uses (GWRITE, READRES), and the vector units'
  softmax of some heads overlaps the PIM GEMVs of others.
* blocked (single row buffer): ``max(n.compute, n.stream + p.cycles, p.cycles + s)`` — the
  memory serves either normal reads or PIM commands, and the attention is serial: PIM K.q,
  then softmax on the vector units, then PIM logits.V.  NeuPIMs paper §6.1 (condensed
  rewrite, para1lel/asabook docs/en/papers/neupims.md @ e10d67f): in a naive NPU-PIM system
  "results cannot be transferred between PIM units and vector units through PIM channels";
  dual row buffers are what let the vector units store partial logits and softmax values
  "before all PIM GEMVs finish".  The result read-out (READRES) and the logits' write-back
  (GWRITE) are PIM commands inside ``p.cycles``.

Under ``npu.op_overlap: within_op`` (the authors' artifact: no weight prefetch across ops,
vector ops in series) ``n.compute`` above is replaced by ``n.wall``, the sum over the stage's
ops of ``max(op compute, op weight stream)`` plus its vector cycles (:func:`npu_bound`).

``p.cycles`` above is the PIM phase ``max(slowest channel, issue)``.  ``issue`` is 0 for
NeuPIMs (composite commands pushed to all channels at once); for the naive NPU+PIM baseline
(``pim.issue: serial_fine_grained``) it is the number of Newton PIM instructions of the
sub-batch, one per NPU cycle through one port for the whole device, as the authors' artifact
issues them (:func:`pim_issue`).

Interleaved iteration (two sub-batches, N blocks): ``A + B + (C + D)(N - 1) + E + F`` with
A: QKV#1 | -; B: QKV#2 | MHA#1; C: PF#1+QKV#1 | MHA#2; D: PF#2+QKV#2 | MHA#1;
E: PF#1 | MHA#2; F: PF#2 | -.  Without interleaving: ``N x (QKV + MHA + PF)`` over the
whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import lru_cache

import numpy as np

from llmaccel.mapping.neupims import KvPlacement, channel_streams, kv_bytes
from llmaccel.sim.dram.address import AddressMap
from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.fast import run_fast
from llmaccel.sim.dram.patterns import streaming
from llmaccel.sim.dram.requests import ChannelRequests
from llmaccel.sim.neupims.mixed import run_mixed
from llmaccel.sim.neupims.npu import attention_sa_cycles, attention_systolic_ws_cycles, vector_cycles
from llmaccel.sim.neupims.params import NeuPimsParams, npu_machine
from llmaccel.sim.neupims.pim import PimTiming, newton_instruction_count, schedule_fast
from llmaccel.sim.neupims.placement import place_kv
from llmaccel.sim.neupims.sram_energy import SRAM_FIELDS, attention_sram_bytes, gemm_sram_bytes, pim_logits_sram_bytes
from llmaccel.sim.systolic.host import gemm_instance
from llmaccel.sim.systolic.machine import Machine
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import FP16, QuantSpec

QKV_ROLES = {"norm_attn", "q_proj", "k_proj", "v_proj", "rope"}
MHA_ROLES = {"attn_score", "softmax", "attn_context"}
PF_ROLES = {"o_proj", "residual_attn", "norm_ffn", "ffn_gate", "ffn_up", "act", "gate_mul", "ffn_down", "residual_ffn"}


@dataclass(frozen=True)
class GroupOp:
    """A batch-level op with its token dimension factored out: per token ``n x k`` (matmul)
    or ``n`` elements x ``count`` (vector); a matmul's operand formats in ``a_spec``/``b_spec``
    and its trace op in ``op`` (costed per token count on the NPU machine)."""

    kind: str
    n: int
    k: int
    count: int
    a_spec: QuantSpec | None = None
    b_spec: QuantSpec | None = None
    name: str = ""
    op: Op | None = None

    def instance(self, tokens: int, machine: Machine) -> Op:
        """One instance of the matmul for ``tokens`` tokens (``m = tokens``, ``count = 1``).

        Without a trace op the operands are taken at the NPU's own width, which only the
        paper's NPU (``npu.pe: npu-fp16``) accepts."""
        if self.op is not None:
            return replace(self.op, m=tokens, count=1)
        if machine.conventions.uniform_operand_bits is None and (self.a_spec is None or self.b_spec is None):
            raise InputError(f"op {self.name}", "a matmul on a hosted NPU PE needs its operand formats")
        a = FP16 if self.a_spec is None else self.a_spec
        b = FP16 if self.b_spec is None else self.b_spec
        return Op(self.name or self.kind, OpKind(self.kind), 0, Phase.DECODE, tokens, self.n, self.k, 1, a, b)

    def weight_bytes(self, machine: Machine) -> float:
        """Stored weight bytes of all ``count`` instances (the machine's stored bits of operand b)."""
        return self.n * self.k * self.count * (machine.operand_bits(self.instance(1, machine))[1] / 8)


@dataclass(frozen=True)
class LayerWork:
    """One decoder block's work: NPU groups per token and the requests' attention."""

    qkv: tuple[GroupOp, ...]
    pf: tuple[GroupOp, ...]
    kv_len: tuple[int, ...]
    heads: int
    head_dim: int


def layer_work(ops: list[Op]) -> LayerWork:
    """Extract one layer's :class:`LayerWork` from its trace ops (decode)."""
    qkv, pf, kv = [], [], []
    heads = head_dim = 0
    for op in ops:
        if op.kind.is_matmul:
            g = GroupOp(op.kind.value, op.n, op.k, op.count, op.a_spec, op.b_spec, op.name, op)
        else:
            g = GroupOp(op.kind.value, op.n, op.k, op.count)
        if op.role in QKV_ROLES:
            qkv.append(g)
        elif op.role in PF_ROLES:
            pf.append(g)
        elif op.role == "attn_score":
            if op.m != 1:
                raise InputError(
                    f"op {op.name}",
                    "NeuPIMs' PIM mapping covers decode multi-head attention "
                    "(one query row per KV head); GQA/prefill attention is not modelled",
                )
            kv.append(op.n)
            heads = op.count
            head_dim = op.k
        elif op.role not in MHA_ROLES:
            raise InputError(
                f"op {op.name}",
                f"NeuPIMs' pipeline covers dense decoder blocks; role {op.role!r} (e.g. mixture-of-experts "
                "routing) is not modelled: use another host (llmaccel list presets)",
            )
    return LayerWork(tuple(qkv), tuple(pf), tuple(kv), heads, head_dim)


@dataclass(frozen=True)
class NpuTime:
    """NPU work of a stage: compute cycles (arrays + vector), weight-stream cycles, MACs, weight bytes;
    on-chip SRAM bytes of the array/attention tiles (``spad_*``, ``acc_*``; vector operands are
    derived from ``vector_elems`` in :mod:`sim.neupims.sram_energy`).

    ``wall``: under ``npu.op_overlap: within_op``, the NPU's own cycles with ops in series:
    the sum over GEMM ops of ``max(op compute, op weight stream)`` plus the vector ops' cycles
    (0 under ``across_ops``); the stage cannot be shorter (:func:`npu_bound`)."""

    compute: int = 0
    stream: int = 0
    macs: int = 0
    weight_bytes: int = 0
    vector_elems: int = 0
    spad_read: int = 0
    spad_write: int = 0
    acc_read: int = 0
    acc_write: int = 0
    decodes: int = 0
    dequant_ops: int = 0
    wall: int = 0

    def __add__(self, o: NpuTime) -> NpuTime:
        return NpuTime(**{f.name: getattr(self, f.name) + getattr(o, f.name) for f in fields(self)})

    def sram_bytes(self, scale: int = 1) -> dict[str, int]:
        """SRAM byte counters x ``scale`` (e.g. the number of layers)."""
        return {k: scale * getattr(self, k) for k in SRAM_FIELDS}


@dataclass(frozen=True)
class PimTime:
    """PIM work of a stage: slowest channel's cycles, its data-bus cycles, totals for energy.

    ``issue``: NPU cycles the NPU needs to hand the stage's PIM instructions to the channels one
    at a time (``pim.issue: serial_fine_grained``, :func:`pim_issue`; 0 = no such bound).  The
    stage's PIM phase takes ``max(cycles, issue)`` (:attr:`phase`); ``cycles`` stays the slowest
    channel's own schedule (busy time)."""

    cycles: int = 0
    bus: int = 0
    macs: int = 0
    counts: tuple = ()
    issue: int = 0

    @property
    def phase(self) -> int:
        """Wall cycles of the PIM phase: slowest channel, or the serial issue port if slower."""
        return max(self.cycles, self.issue)


#: longest sequential read simulated per channel (bytes); longer streams reuse its steady-state rate
STREAM_SIM_CAP_BYTES = 8 << 20


def stream_rate(dram: DramConfig, n_bytes: int) -> tuple[float, dict]:
    """Sustained device bytes/cycle and per-byte command counts of a sequential weight read.

    Simulates one channel's share (``n_bytes / channels``, the address map spreads
    1 KB rows round-robin over channels so every channel sees the same pattern) at
    command level and scales by the channel count.  The share is rounded up to a power
    of two and capped at ``STREAM_SIM_CAP_BYTES`` (several refresh intervals: the rate
    has converged) so that results are cached across layers and models.
    """
    per_ch = max(dram.org.access_bytes, int(n_bytes) // dram.org.channels)
    per_ch = min(1 << (per_ch - 1).bit_length(), STREAM_SIM_CAP_BYTES)
    return _stream_rate(dram, per_ch)


@lru_cache(maxsize=64)
def channel_reads(dram: DramConfig, per_ch: int) -> ChannelRequests:
    """One channel's share (``per_ch`` bytes) of a device-wide sequential read, all arriving at 0.

    The address map spreads rows over channels, so every channel sees this same stream
    (channel 0's: the device-wide stream with the channel bits cleared)."""
    amap = AddressMap.of(dram.org)
    local = streaming(dram, per_ch)
    lo = local & ((1 << amap.shift["ch"]) - 1)
    hi = local >> amap.shift["ch"]
    addr = lo | (hi << (amap.shift["ch"] + amap.bits["ch"]))
    f = amap.decode(addr)
    return ChannelRequests.build(np.zeros(len(addr)), 0, f["ra"], f["bg"], f["ba"], f["ro"])


@lru_cache(maxsize=64)
def _stream_rate(dram: DramConfig, per_ch: int) -> tuple[float, dict]:
    req = channel_reads(dram, per_ch)
    s = run_fast(dram, req)
    rate = len(req) * dram.org.access_bytes / s.end_cycle * dram.org.channels
    names = ("ACT", "PRE", "RD", "WR", "REF")
    moved = len(req) * dram.org.access_bytes
    per_byte = {nm: float(np.count_nonzero(s.commands[:, 1] == i)) / moved for i, nm in enumerate(names)}
    return rate, per_byte


def npu_group(group: tuple[GroupOp, ...], m: int, p: NeuPimsParams, rate: float, machine: Machine) -> NpuTime:
    """NPU time of a group for ``m`` tokens; each GEMM costed by the host's
    :func:`sim.systolic.host.gemm_instance` on ``machine`` (:func:`sim.neupims.params.npu_machine`)."""
    if m <= 0:
        return NpuTime()
    npu = p.npu
    comp = macs = velems = decodes = dequant = wall = 0
    wbytes: float = 0
    serial = npu.op_overlap == "within_op"
    sram = dict.fromkeys(SRAM_FIELDS, 0)
    for g in group:
        if g.kind in ("gemm", "gemv"):
            inst = gemm_instance(machine, g.instance(m, machine))
            op_bytes = g.n * g.k * (inst.weight_bits / 8) * inst.weight_passes  # one instance's weights
            comp += inst.cycles * g.count
            if serial:
                wall += g.count * max(inst.cycles, int(np.ceil(op_bytes / rate)))
            decodes += inst.decodes * g.count
            dequant += inst.dequant_ops * g.count
            macs += inst.macs * g.count
            wbytes += op_bytes * g.count
            for key, b in gemm_sram_bytes(m, g.n, g.k, npu).items():
                sram[key] += b * g.count
        else:
            passes = getattr(npu.vector_passes, g.kind)
            vc = vector_cycles(m * g.n * g.count, passes, machine.vector.lanes)
            comp += vc
            wall += vc if serial else 0
            velems += m * g.n * g.count * passes
    return NpuTime(
        comp,
        int(np.ceil(wbytes / rate)),
        macs,
        int(np.ceil(wbytes)),
        velems,
        **sram,
        decodes=decodes,
        dequant_ops=dequant,
        wall=wall,
    )


def npu_bound(n: NpuTime) -> int:
    """The NPU's own lower bound on a stage: its compute (``across_ops``) or its ops in series,
    each hiding only its own weight stream (``within_op``, :attr:`NpuTime.wall`)."""
    return max(n.compute, n.wall)


def pim_side(place: KvPlacement, mask: np.ndarray, pt: PimTiming, dual: bool, channels: int) -> PimTime:
    """PIM time of the selected requests: every channel runs its stream; the slowest counts."""
    worst = bus = macs = 0
    counts: dict[str, int] = {}
    for s in channel_streams(place, channels, mask):
        if not len(s):
            continue
        r = schedule_fast(s, pt, dual, start=0)
        if r.end_cycle > worst:
            worst, bus = r.end_cycle, r.bus_cycles
        macs += r.macs
        for k, v in r.counts.items():
            counts[k] = counts.get(k, 0) + v
    return PimTime(worst, bus, macs, tuple(sorted(counts.items())))


def pim_issue(work: LayerWork, mask: np.ndarray, p: NeuPimsParams, dram: DramConfig) -> int:
    """NPU cycles to issue the selected requests' PIM instructions through one serial port
    (``pim.issue: serial_fine_grained``): the authors' naive NPU+PIM artifact pops one PIM
    instruction per core cycle from a single queue for all channels (branch npu+pim,
    src/NeuPIMSystolicWS.cc:153 ``if``; main :165 ``while``), and emits Newton's fine-grained
    commands (:func:`sim.neupims.pim.newton_instruction_count`).  0 for ``composite_parallel``.
    The count is in NPU core cycles, the unit of every stage (NPU 1 GHz = HBM tCK 1 ns)."""
    if p.pim.issue != "serial_fine_grained":
        return 0
    kv = np.asarray(work.kv_len, dtype=np.int64)[np.asarray(mask, bool)]
    row_elems = dram.org.row_bytes // p.pim.elem_bytes
    n = newton_instruction_count(
        kv, work.heads, work.head_dim, row_elems, dram.org.banks_per_channel, p.pim.lanes_per_bank
    )
    return int(n.sum())


def softmax_npu(work: LayerWork, mask: np.ndarray, p: NeuPimsParams) -> NpuTime:
    elems = int(sum(k for k, s in zip(work.kv_len, mask) if s)) * work.heads
    passes = p.npu.vector_passes.softmax
    vc = vector_cycles(elems, passes, p.npu.vector_lanes)
    return NpuTime(
        compute=vc,
        wall=vc if p.npu.op_overlap == "within_op" else 0,
        vector_elems=elems * passes,
        **pim_logits_sram_bytes(elems, p.npu),
    )


def npu_attention(work: LayerWork, mask: np.ndarray, p: NeuPimsParams, rate: float) -> NpuTime:
    """NPU-only baseline: KV streamed by normal reads at the sustained rate; softmax on the
    vector units; the GEMVs on the systolic array as in the artifact (``gemm_schedule:
    artifact``, :func:`sim.neupims.npu.attention_sa_cycles`; with ``npu.mha_core: systolic_ws``
    the npu-only branch's serial preloads, :func:`sim.neupims.npu.attention_systolic_ws_cycles`)
    or on the vector units (one MAC
    per lane per cycle, ``pipelined``)."""
    kv = [k for k, s in zip(work.kv_len, mask) if s]
    b = sum(kv_bytes(k, work.heads, work.head_dim, p.npu.elem_bytes) for k in kv)
    macs = 2 * sum(kv) * work.heads * work.head_dim
    sm = softmax_npu(work, mask, p)
    if p.npu.gemm_schedule == "artifact" and p.npu.mha_core == "systolic_ws":
        # the npu-only branch's FusedMHA on its SystolicWS core: preloads and softmax in series
        npu = p.npu
        compute = attention_systolic_ws_cycles(
            kv, work.heads, work.head_dim, npu.rows, npu.cols, npu.arrays, npu.vector_lanes // npu.vector_units
        )
    elif p.npu.gemm_schedule == "artifact":
        # the artifact's FusedMHA: GEMVs on the systolic array (a preload per 128 tokens), softmax
        # on the separate vector pipelines, overlapping across (request, head) pairs
        compute = max(attention_sa_cycles(kv, work.heads, p.npu.timing()), sm.compute)
    else:
        compute = int(np.ceil(macs / p.npu.vector_lanes)) + sm.compute
    stream = int(np.ceil(b / rate))
    return NpuTime(
        compute=compute,
        stream=stream,
        wall=max(compute, stream) if p.npu.op_overlap == "within_op" else 0,
        macs=macs,
        weight_bytes=b,
        vector_elems=sm.vector_elems,
        **attention_sram_bytes(kv, work.heads, work.head_dim, p.npu),
    )


def stage(n: NpuTime, pm: PimTime, dual: bool, softmax: int = 0) -> int:
    """Cycles of a stage with NPU work ``n`` beside PIM work ``pm`` (see module docstring).

    ``softmax``: vector cycles of the softmax between ``pm``'s K.q and logits.V GEMVs (already
    counted in ``n.compute``); blocked PIM runs them in series with ``pm`` (naive NPU+PIM)."""
    ph = pm.phase
    if dual:
        return max(npu_bound(n), n.stream + (pm.bus if pm.cycles else 0), ph)
    return max(npu_bound(n), n.stream + ph, ph + softmax if ph else 0)


def mha_serial(pm: PimTime, softmax: int, dual: bool) -> int:
    """The dependency chain an MHA stage's command-level run cannot undercut
    (:func:`stage_command`'s ``serial``): the serial issue port alone with dual row buffers,
    the PIM phase then the ``softmax`` vector cycles when blocked (see :func:`stage`)."""
    return pm.issue if dual else pm.phase + softmax


def stage_command(
    n: NpuTime,
    place: KvPlacement | None,
    mask: np.ndarray | None,
    pt: PimTiming,
    dual: bool,
    dram: DramConfig,
    serial: int = 0,
) -> int:
    """Cycles of a stage with every channel's weight reads and PIM tiles in one controller
    (:mod:`sim.neupims.mixed`): ``max(NPU compute, slowest channel, serial)``.

    ``serial``: a dependency chain the stage cannot undercut — blocked PIM's attention, PIM
    GEMVs then softmax (see :func:`stage`), passed as the PIM phase (slowest PIM-only channel, or
    the serial issue port if slower, :attr:`PimTime.phase`) + softmax cycles; dual row buffers pass
    the serial issue port alone.

    Each channel reads its ``1/channels`` share of the stage's weight bytes (sequential, all
    requests present from the stage start: the NPU prefetches, double-buffered) and runs its
    PIM stream for the requests in ``mask``.  Channels without PIM work share one run.
    """
    ch = dram.org.channels
    per_ch = -(-int(n.weight_bytes) // ch) if n.weight_bytes else 0
    per_ch = -(-per_ch // dram.org.access_bytes) * dram.org.access_bytes
    req = channel_reads(dram, per_ch) if per_ch else ChannelRequests.build([], [], [], [], [], [])
    streams = channel_streams(place, ch, mask) if place is not None else []
    busy = [s for s in streams if len(s)]
    empty = np.zeros((0, 4), np.int64)
    runs = busy + ([empty] if len(busy) < ch else [])
    return max([npu_bound(n), serial] + [run_mixed(dram, pt, req, s, dual).end_cycle for s in runs])


@dataclass
class IterationResult:
    """One decode iteration of the whole batch on one device.

    Attributes:
        cycles: iteration cycles.
        stages: stage name -> cycles of one occurrence (interleaved) or per-layer parts.
        npu_busy: cycles the systolic arrays/vector units compute; ``npu_macs``: MACs.
        pim_busy: summed over layers, slowest-channel PIM cycles; ``pim_macs``: MACs.
        weight_bytes: HBM bytes read by normal reads (weights, NPU-only: also KV).
        pim_counts: PIM command counts over the iteration (all channels).
        layers: blocks on this device.
        sram_bytes: NPU scratchpad/accumulator bytes of the array and attention tiles
            (:mod:`sim.neupims.sram_energy`).
        npu_decodes, npu_dequant_ops: edge-decoder operand elements and group-dequant
            operations of a hosted PE (``npu.pe``, :func:`sim.systolic.host.gemm_instance`; 0 by default).
    """

    cycles: int
    stages: dict[str, int]
    npu_busy: int
    npu_macs: int
    npu_vector_elems: int
    pim_busy: int
    pim_macs: int
    weight_bytes: int
    pim_counts: dict[str, int] = field(default_factory=dict)
    layers: int = 1
    placement: KvPlacement | None = None
    sram_bytes: dict[str, int] = field(default_factory=dict)
    npu_decodes: int = 0
    npu_dequant_ops: int = 0


def layer_weight_bytes(work: LayerWork, machine: Machine) -> int:
    """Stored weight bytes of one block's projection and FFN GEMMs (the paper's NPU: every
    weight at its FP16 ``elem_bytes``; a hosted PE: the weight format's stored bits)."""
    return int(np.ceil(sum(g.weight_bytes(machine) for g in work.qkv + work.pf if g.kind in ("gemm", "gemv"))))


def simulate_iteration(work: LayerWork, layers: int, p: NeuPimsParams, dram: DramConfig) -> IterationResult:
    """One decode iteration (all ``layers`` blocks of this device) for ``p.features``."""
    f = p.features
    n_req = len(work.kv_len)
    machine = npu_machine(p)
    wb_layer = layer_weight_bytes(work, machine)
    rate, _ = stream_rate(dram, int(wb_layer))
    dual = f.dual_row_buffer
    all_mask = np.ones(n_req, bool)
    if f.attention == "npu":
        q, a, pf = (
            npu_group(work.qkv, n_req, p, rate, machine),
            npu_attention(work, all_mask, p, rate),
            npu_group(work.pf, n_req, p, rate, machine),
        )
        st = {"QKV": stage(q, PimTime(), dual), "MHA": stage(a, PimTime(), dual), "PF": stage(pf, PimTime(), dual)}
        tot = q + a + pf
        return IterationResult(
            layers * sum(st.values()),
            st,
            layers * tot.compute,
            layers * tot.macs,
            layers * tot.vector_elems,
            0,
            0,
            layers * tot.weight_bytes,
            {},
            layers,
            sram_bytes=tot.sram_bytes(layers),
            npu_decodes=layers * tot.decodes,
            npu_dequant_ops=layers * tot.dequant_ops,
        )
    pt = PimTiming.of(dram, p.pim)
    place = place_kv(
        work.kv_len,
        work.heads,
        work.head_dim,
        dram,
        p.pim,
        f.channel_policy,
        dual,
        layers=layers,
        weight_bytes=wb_layer * layers,
    )
    if not f.interleaves(n_req):
        q, pf = npu_group(work.qkv, n_req, p, rate, machine), npu_group(work.pf, n_req, p, rate, machine)
        pm = replace(pim_side(place, all_mask, pt, dual, dram.org.channels), issue=pim_issue(work, all_mask, p, dram))
        sm = softmax_npu(work, all_mask, p)
        mha = (
            stage_command(sm, place, all_mask, pt, dual, dram, mha_serial(pm, sm.compute, dual))
            if p.composition == "command"
            else stage(sm, pm, dual, sm.compute)
        )
        st = {"QKV": stage(q, PimTime(), dual), "MHA": mha, "PF": stage(pf, PimTime(), dual)}
        tot = q + pf + sm
        return IterationResult(
            layers * sum(st.values()),
            st,
            layers * tot.compute,
            layers * tot.macs,
            layers * tot.vector_elems,
            layers * pm.cycles,
            layers * pm.macs,
            layers * tot.weight_bytes,
            {k: layers * v for k, v in pm.counts},
            layers,
            place,
            sram_bytes=tot.sram_bytes(layers),
            npu_decodes=layers * tot.decodes,
            npu_dequant_ops=layers * tot.dequant_ops,
        )
    masks = [place.sub_batch == 0, place.sub_batch == 1]
    m_sub = [int(x.sum()) for x in masks]
    qkv_s = [npu_group(work.qkv, m_sub[i], p, rate, machine) for i in range(2)]
    pf_s = [npu_group(work.pf, m_sub[i], p, rate, machine) for i in range(2)]
    sm_s = [softmax_npu(work, masks[i], p) for i in range(2)]
    mha_s = [
        replace(pim_side(place, masks[i], pt, dual, dram.org.channels), issue=pim_issue(work, masks[i], p, dram))
        for i in range(2)
    ]
    none = PimTime()
    if p.composition == "command":

        def both(n: NpuTime, i: int) -> int:
            return stage_command(n, place, masks[i], pt, dual, dram, mha_serial(mha_s[i], sm_s[i].compute, dual))
    else:

        def both(n: NpuTime, i: int) -> int:
            return stage(n, mha_s[i], dual, sm_s[i].compute)

    st = {
        "A": stage(qkv_s[0], none, dual),
        "B": both(qkv_s[1] + sm_s[0], 0),
        "C": both(pf_s[0] + qkv_s[0] + sm_s[1], 1),
        "D": both(pf_s[1] + qkv_s[1] + sm_s[0], 0),
        "E": both(pf_s[0] + sm_s[1], 1),
        "F": stage(pf_s[1], none, dual),
    }
    cycles = st["A"] + st["B"] + (st["C"] + st["D"]) * (layers - 1) + st["E"] + st["F"]
    tot = qkv_s[0] + qkv_s[1] + pf_s[0] + pf_s[1] + sm_s[0] + sm_s[1]
    counts: dict[str, int] = {}
    for x in mha_s:
        for k, v in x.counts:
            counts[k] = counts.get(k, 0) + layers * v
    return IterationResult(
        cycles,
        st,
        layers * tot.compute,
        layers * tot.macs,
        layers * tot.vector_elems,
        layers * (mha_s[0].cycles + mha_s[1].cycles),
        layers * (mha_s[0].macs + mha_s[1].macs),
        layers * tot.weight_bytes,
        counts,
        layers,
        place,
        sram_bytes=tot.sram_bytes(layers),
        npu_decodes=layers * tot.decodes,
        npu_dequant_ops=layers * tot.dequant_ops,
    )
