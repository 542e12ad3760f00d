"""NeuPIMs NPU on-chip SRAM traffic (bytes), its access energy, and NPU static power.

The NPU has two on-chip SRAMs (authors' artifact, ``systolic_ws_128x128_dev.json``): a
scratchpad (``spad_kib``, weights and activations) and an accumulator (partial sums).  The
byte counts below follow the tile structure of the NPU's GEMM timing plug-in
(:class:`sim.systolic.timing.InstructionPipelineTiming`; all bytes are real,
unpadded elements x ``elem_bytes``; the artifact keeps every on-chip tensor at its
``precision: 2``, so partial sums are counted at ``elem_bytes`` too).

GEMM ``out[m, n] = a[m, k] @ w[k, n]`` (``m`` tokens):

``pipelined`` (weights stationary, tokens streamed; ``sim.systolic.dataflow`` ws counts)
    spad writes  ``(n k + m k) B``           weights arrive once from HBM, activations staged once
    spad reads   ``(n k + m k ceil(n/C)) B`` each weight tile preloaded once; the activations
                                             streamed once per output-column tile
    acc writes = acc reads = ``m n ceil(k/R) B``   one partial sum per K tile, read back to
                                             accumulate (K tiles 2..) or to drain (the last)

``artifact`` (activations stationary, weights streamed; L2 tiles of half the scratchpad,
``T2`` token L2 tiles, ``N2`` output L2 tiles, ``T1`` token L1 tiles, ``K1`` K L1 tiles)
    spad writes  ``(n k T2 + m k N2) B``     each L2 tile loads its weight and activation block
                                             (``n k T2`` = the HBM weight bytes)
    spad reads   ``(m k N2 + n k T1) B``     one preload per stationary (token, K) L1 tile and
                                             output L2 tile; every weight tile streamed once per
                                             token L1 tile
    acc writes = acc reads = ``m n K1 B``

NPU-only attention (per request of ``L`` tokens, ``h`` heads of ``d``): K and V written once
(from HBM) and read once, ``q`` staged and read once, logits written and read once (array
output, then logits.V input); outputs written and read once per 128-token V tile
(``artifact``, a partial sum per preload) or once (``pipelined``, GEMVs on the vector lanes).
PIM attention: the logits of each head come back to the NPU (READRES, written) and go out
again as the logits GWRITE (read).  Vector units: every lane-op reads one operand and
writes one result (``elem_bytes`` each) in the scratchpad.

Energy: bytes x ``npu_spad_byte`` / ``npu_acc_byte`` pJ (sim/neupims/energy.yaml, scaled to
``energy.node_nm`` by the shared node rule).  Static power (mW = pJ/ns) of the NPU logic
(``npu_mac_leak_ns`` per MAC unit, ``npu_lane_leak_ns`` per vector lane) and SRAM
(``npu_spad_leak_mib_ns`` per MiB of scratchpad, ``npu_acc_leak_ns`` for the accumulator),
charged for the whole iteration time.  PIM logic leakage in the HBM dies is not charged
(no source).
"""

from __future__ import annotations

import math
from typing import Protocol

from llmaccel.sim.energy import EnergyLedger, EnergyTable
from llmaccel.sim.neupims.params import NeuPimsParams, NpuParams
from llmaccel.sim.systolic.dataflow import sram_reads_per_gemm
from llmaccel.sim.systolic.timing import l1_count, l2_nonempty


class IterationCounts(Protocol):
    """What the energy charges read of an iteration (``sim.neupims.pipeline.IterationResult``):
    cycles, SRAM bytes per counter, vector elements on the NPU."""

    cycles: int
    sram_bytes: dict[str, int]
    npu_vector_elems: int


#: the four SRAM traffic counters (bytes) carried by NpuTime and IterationResult
SRAM_FIELDS = ("spad_read", "spad_write", "acc_read", "acc_write")
KIB_PER_MIB = 1024
NS_PER_US = 1000


def gemm_sram_bytes(m: int, n: int, k: int, p: NpuParams) -> dict[str, int]:
    """Scratchpad / accumulator bytes of one ``m x k @ k x n`` GEMM under ``p.gemm_schedule``."""
    if m <= 0:
        return dict.fromkeys(SRAM_FIELDS, 0)
    eb = p.elem_bytes
    if p.gemm_schedule == "artifact":
        (mi, ki, ni), (mo, ko, no) = p.timing().l2_tiles(m, k, n)
        tok_l2, out_l2 = l2_nonempty(m, mi, mo), l2_nonempty(n, ni, no)
        tok_l1, k_l1 = l1_count(m, mi, mo, p.cols), l1_count(k, ki, ko, p.cols)
        return {
            "spad_write": (n * k * tok_l2 + m * k * out_l2) * eb,
            "spad_read": (m * k * out_l2 + n * k * tok_l1) * eb,
            "acc_write": m * n * k_l1 * eb,
            "acc_read": m * n * k_l1 * eb,
        }
    a_read, w_read, partials = sram_reads_per_gemm(m, n, k, p.rows, p.cols, "ws")
    return {
        "spad_write": (n * k + m * k) * eb,
        "spad_read": (w_read + a_read) * eb,
        "acc_write": partials * eb,
        "acc_read": partials * eb,
    }


def attention_sram_bytes(kv_lens, heads: int, head_dim: int, p: NpuParams) -> dict[str, int]:
    """SRAM bytes of decode attention on the NPU (NPU-only baseline) for the given requests."""
    eb = p.elem_bytes
    tokens = sum(int(L) for L in kv_lens)
    kv = 2 * tokens * heads * head_dim
    q = len(kv_lens) * heads * head_dim
    logits = tokens * heads
    if p.gemm_schedule == "artifact":
        out = sum(math.ceil(int(L) / p.rows) for L in kv_lens) * heads * head_dim
    else:
        out = q
    return {
        "spad_write": (kv + q) * eb,
        "spad_read": (kv + q + logits) * eb,
        "acc_write": (logits + out) * eb,
        "acc_read": (logits + out) * eb,
    }


def pim_logits_sram_bytes(logit_elems: int, p: NpuParams) -> dict[str, int]:
    """Scratchpad bytes of PIM attention's logits: written from READRES, read for the GWRITE."""
    b = logit_elems * p.elem_bytes
    return {"spad_write": b, "spad_read": b, "acc_write": 0, "acc_read": 0}


def vector_sram_bytes(lane_ops: int, p: NpuParams) -> dict[str, int]:
    """Vector-unit operand traffic: one operand read and one result written per lane-op."""
    b = lane_ops * p.elem_bytes
    return {"spad_read": b, "spad_write": b, "acc_read": 0, "acc_write": 0}


def static_power_mw(p: NeuPimsParams, table: EnergyTable) -> dict[str, float]:
    """NPU static power (mW) at ``p.energy.node_nm``: logic (MAC units, vector lanes) and SRAM."""
    node = p.energy.node_nm
    npu = p.npu
    macs = npu.arrays * npu.rows * npu.cols
    return {
        "logic": macs * table.pj("npu_mac_leak_ns", node) + npu.vector_lanes * table.pj("npu_lane_leak_ns", node),
        "sram": npu.spad_kib / KIB_PER_MIB * table.pj("npu_spad_leak_mib_ns", node) + table.pj("npu_acc_leak_ns", node),
    }


def charge_sram(led: EnergyLedger, it: IterationCounts, p: NeuPimsParams) -> None:
    """Charge the iteration's SRAM bytes (GEMM/attention tiles plus vector operands) to ``npu_sram``."""
    vec = vector_sram_bytes(it.npu_vector_elems, p.npu)
    node = p.energy.node_nm
    for f in SRAM_FIELDS:
        entry = "npu_acc_byte" if f.startswith("acc") else "npu_spad_byte"
        b = it.sram_bytes.get(f, 0) + vec[f]
        led.charge_pj("npu_sram", f, b * led.table.pj(entry, node))


def charge_leakage(led: EnergyLedger, it: IterationCounts, p: NeuPimsParams) -> None:
    """Charge NPU static power x iteration time (ns) to ``npu_leakage``."""
    ns = it.cycles / p.npu.clock_mhz * NS_PER_US
    for part, mw in static_power_mw(p, led.table).items():
        led.charge_pj("npu_leakage", part, mw * ns)
