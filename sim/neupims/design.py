"""The ``neupims`` design plug-in: compile a decode trace, simulate one iteration.

``compile`` takes the ops of the trace's first block (the authors simulate one layer
and scale) and the number of blocks in the trace; ``simulate`` runs
:func:`sim.neupims.pipeline.simulate_iteration` and charges energy:

* NPU: MACs x (fp16 mult + fp16 add), vector lane-ops x fp16 add (Horowitz 45 nm,
  scaled to ``energy.node_nm`` by the shared rule);
* HBM normal reads (weights; NPU-only also KV): per-byte ACT/RD counts of the
  command-level stream x sim/dram/energy.yaml;
* PIM commands x sim/neupims/energy.yaml;
* HBM refresh: one REF per rank every tREFI for the whole iteration (refresh goes on
  whether the memory streams, runs PIM or waits for the NPU), x the REF energy;
* HBM background: active-standby pJ/cycle x ranks x channels x iteration cycles;
* NPU on-chip SRAM: scratchpad/accumulator bytes of the tiles plus vector operands x pJ/byte
  (``npu_sram``), and NPU logic + SRAM static power x iteration time (``npu_leakage``),
  :mod:`sim.neupims.sram_energy`.  PIM logic leakage is not charged (no source).
"""

from __future__ import annotations

from dataclasses import dataclass

from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.dram.energy import charge_commands
from llmaccel.sim.energy import EnergyLedger, load_table
from llmaccel.sim.neupims.params import NeuPimsParams, neupims_params, npu_machine
from llmaccel.sim.neupims.pipeline import IterationResult, LayerWork, layer_work, simulate_iteration, stream_rate
from llmaccel.sim.neupims.sram_energy import charge_leakage, charge_sram
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import LevelTraffic, MemoryRoof, OpStats, Result, fill_typed
from llmaccel.sim.systolic.host import check_op
from llmaccel.sim.systolic.plugins import GroupDequant, InLoopDequant
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.trace import Trace

_PIM_ACTION = {
    "GWRITE": "pim_gwrite",
    "G_ACT": "pim_g_act",
    "COMP": "pim_comp",
    "READRES": "pim_readres",
    "PIM_HEADER": "pim_header",
    "PIM_PRE": "pim_pre",
}


@dataclass
class NeuPimsProgram:
    model: str
    work: LayerWork
    layers: int
    batch: int


def compile_trace(trace: Trace) -> NeuPimsProgram:
    """First block's ops and the number of blocks of a decode trace."""
    blocks = sorted({op.layer for op in trace.ops if op.layer >= 0})
    if not blocks:
        raise InputError("trace", "no decoder blocks in the trace")
    if any(op.phase.value != "decode" for op in trace.ops if op.layer >= 0):
        raise InputError("trace.phase", "NeuPIMs simulates decode iterations; got a prefill trace")
    first = [op for op in trace.ops if op.layer == blocks[0]]
    work = layer_work(first)
    roles = {op.role for op in first}
    other = next((op for op in trace.ops if op.layer >= 0 and op.role not in roles), None)
    if other is not None:
        raise InputError(
            f"op {other.name}", "NeuPIMs models every block as the first one; blocks that differ (MoE) are not modelled"
        )
    if not work.kv_len:
        raise InputError("trace", "no attention ops (attn_score) in the first block")
    return NeuPimsProgram(trace.model, work, len(blocks), len(work.kv_len))


def iteration_energy(it: IterationResult, p: NeuPimsParams, dram: DramConfig) -> dict[str, float]:
    """Energy components (pJ) of one iteration: npu_array, npu_vector, hbm, pim, hbm_refresh,
    hbm_background, npu_sram, npu_leakage (+ npu_edge_decoder, npu_dequant on a hosted PE)."""
    m = npu_machine(p)
    led = EnergyLedger(load_table(*m.energy_tables), node_nm=m.node_nm)
    for action in m.pe.pe.mac_actions:
        led.charge("npu_array", action, it.npu_macs)
    if m.pe.decoder and it.npu_decodes:
        led.charge("npu_edge_decoder", m.pe.decoder.action, it.npu_decodes)
    # the NPU's dequantizer comes from a hosted PE type (in-PE group dequant); an array-pass
    # layer is a MixPE-study preset option the NPU machine never carries
    if isinstance(m.dequant, (GroupDequant, InLoopDequant)) and it.npu_dequant_ops:
        led.charge("npu_dequant", m.dequant.action, it.npu_dequant_ops)
    for action in m.vector.actions:
        led.charge("npu_vector", action, it.npu_vector_elems)
    if it.weight_bytes:
        _rate, per_byte = stream_rate(dram, int(it.weight_bytes // max(it.layers, 1)))
        # refresh is charged per time below, not per streamed byte
        reads = {k: v * it.weight_bytes for k, v in per_byte.items() if k != "REF"}
        charge_commands(led, reads, component="hbm")
    for k, v in it.pim_counts.items():
        led.charge("pim", _PIM_ACTION[k], v)
    ranks = dram.org.channels * dram.org.ranks
    charge_commands(led, {"REF": ranks * it.cycles / dram.timing.tREFI}, component="hbm_refresh")
    led.charge("hbm_background", "dram_bg_active_cycle", ranks * it.cycles)
    charge_sram(led, it, p)
    charge_leakage(led, it, p)
    return led.by_component()


class NeuPimsDesign:
    name = "neupims"

    def compile(self, trace: Trace, hw: HardwareConfig) -> NeuPimsProgram:
        p, _dram = neupims_params(hw)  # validate early
        prog = compile_trace(trace)
        m = npu_machine(p)
        if m.conventions.strict_operands:  # a hosted PE: every projection/FFN GEMM it must multiply
            for g in prog.work.qkv + prog.work.pf:
                if g.op is not None:
                    check_op(m, g.op, f"op {g.name} on npu.pe {m.pe.name}")
        return prog

    def simulate(self, program: NeuPimsProgram, hw: HardwareConfig) -> Result:
        p, dram = neupims_params(hw)
        it = simulate_iteration(program.work, program.layers, p, dram)
        energy = iteration_energy(it, p, dram)
        peak = p.npu.arrays * p.npu.rows * p.npu.cols
        pim_peak = dram.org.channels * dram.org.banks_per_channel * p.pim.lanes_per_bank / p.pim.comp_interval
        ops = [OpStats(f"stage.{k}", "stage", -1, "decode", "npu+pim", v, v, 0) for k, v in it.stages.items()]
        # unit summaries: NPU MACs count toward Result.utilisation (peak = NPU); PIM reports its own
        ops.append(
            OpStats(
                "npu.total",
                "summary",
                -1,
                "decode",
                "npu",
                it.npu_busy,
                it.npu_busy,
                0,
                macs=it.npu_macs,
                utilisation=it.npu_macs / (it.cycles * peak),
            )
        )
        ops.append(
            OpStats(
                "pim.total",
                "summary",
                -1,
                "decode",
                "pim",
                it.pim_busy,
                it.pim_busy,
                0,
                macs=0,
                utilisation=it.pim_macs / (it.cycles * pim_peak) if it.pim_macs else 0.0,
            )
        )
        f = p.features
        result = Result(
            design=self.name,
            preset=hw.name,
            model=program.model,
            clock_mhz=p.npu.clock_mhz,
            total_cycles=it.cycles,
            ops=ops,
            peak_macs_per_cycle=peak,
            energy_pj=energy,
            meta={
                "batch": program.batch,
                "layers": program.layers,
                "tokens_per_s": program.batch / (it.cycles / (p.npu.clock_mhz * 1e6)),
                "npu_utilisation": it.npu_macs / (it.cycles * peak),
                "pim_utilisation": it.pim_macs / (it.cycles * pim_peak) if it.pim_macs else 0.0,
                "npu_macs": it.npu_macs,
                "pim_macs": it.pim_macs,
                "stages": it.stages,
                "pim_commands": it.pim_counts,
                "features": {
                    "attention": f.attention,
                    "dual_row_buffer": f.dual_row_buffer,
                    "sub_batch_interleaving": f.interleaves(program.batch),
                    "channel_policy": f.channel_policy,
                },
            },
            assumptions=[
                "one block simulated, iteration = A + B + (C+D)(N-1) + E + F (interleaved) or N x (QKV+MHA+PF)",
                "NPU GEMM instructions (spec/neupims.md latency) pipelined as in the authors' artifact; schedule npu.gemm_schedule; weights streamed at the command-level HBM streaming rate",
                "PIM: per-command Newton-style schedule per channel (tile-level fast path), refresh-aware",
                "stage = max of NPU compute, weight stream (+PIM time when blocked, +PIM bus cycles when dual), PIM",
                "softmax on NPU vector units inside the MHA stage's NPU side; blocked PIM (no dual row buffer) "
                "runs it in series between the PIM K.q and logits.V GEMVs (NeuPIMs paper sec. 6.1)",
            ],
        )
        return fill_typed(
            result,
            off_chip=("hbm",),
            roofs=memory_roofs(p, dram),
            area_mm2=npu_area_mm2(p),
            tokens=program.batch,
            traffic=[
                LevelTraffic("hbm", True, read_bytes=float(it.weight_bytes)),
                LevelTraffic("pim", False, read_bytes=float(it.pim_macs * p.npu.elem_bytes)),
            ],
            busy_cycles={"npu": int(it.npu_busy), "pim": int(it.pim_busy)},
        )


def npu_area_mm2(p: NeuPimsParams) -> dict[str, float]:
    """Area of the NPU's PE arrays when built from a hosted PE (``npu.pe``): one PE's area terms
    (:meth:`sim.systolic.plugins.HostedPE.area_um2`, at ``energy.node_nm``) x arrays x rows x cols.
    Empty for the paper's NPU (NeuPIMs models no area)."""
    if p.npu.hosted() is None:
        return {}
    m = npu_machine(p)
    n_pe = p.npu.arrays * m.array.rows * m.array.cols
    return {"npu_pe_arrays": m.pe.area_um2(m.node_nm) * n_pe / 1e6}


def memory_roofs(p: NeuPimsParams, dram: DramConfig) -> list[MemoryRoof]:
    """HBM roof (bus peak of the command-level HBM preset) and the PIM roof: bytes the banks'
    PIM lanes read per second, ``channels x banks x lanes_per_bank x elem_bytes / comp_interval``
    per cycle of the NPU/HBM command clock."""
    src = f"sim/dram/presets/{p.dram_preset}.yaml"
    pim_bpc = (
        dram.org.channels * dram.org.banks_per_channel * p.pim.lanes_per_bank * p.npu.elem_bytes / p.pim.comp_interval
    )
    return [
        MemoryRoof("hbm", True, dram.peak_gbps * 1e9, f"{src}: channels x bus bytes x 2 / tCK"),
        MemoryRoof(
            "pim",
            False,
            pim_bpc * p.npu.clock_mhz * 1e6,
            f"{src} organisation x pim.lanes_per_bank x npu.elem_bytes / pim.comp_interval",
        ),
    ]


DESIGN = NeuPimsDesign()
