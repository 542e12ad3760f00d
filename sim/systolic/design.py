"""The ``systolic`` design: baseline systolic-array accelerator + FP16 vector unit.

``compile`` tiles every op (``mapping/systolic.py``); ``simulate`` runs each task
on its unit and returns a :class:`sim.result.Result`.  Ops run one after
another (no overlap between ops); each matmul op's cycles include its DRAM
stalls under double buffering (``sim.systolic.model``).

Vector unit: ``cycles = ceil(elements * passes / lanes) + latency``.  Its data
is taken to be on chip (the previous op's output) when it fits the output SRAM;
otherwise it streams from and back to DRAM, overlapped with compute
(``cycles = max(compute, DRAM transfer)``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from mapping.systolic import GemmTask, SystolicProgram, VectorTask, compile_trace
from sim.area import load_area_table
from sim.energy import EnergyLedger, load_table
from sim.preset import HardwareConfig
from sim.result import OpStats, Result
from sim.systolic.model import BlockCost, array_units, charge_gemm, simulate_tiling
from sim.systolic.params import SystolicParams, systolic_params
from workloads.ops import Op
from workloads.trace import Trace


def _vector_stats(task: VectorTask, p: SystolicParams, ledger: EnergyLedger) -> OpStats:
    op = task.op
    compute = math.ceil(task.elements * task.passes / p.vector.lanes) + p.vector.latency_cycles
    on_chip = task.in_bytes <= p.sram.output_kib * 1024
    dram_r = 0.0 if on_chip else task.in_bytes
    dram_w = 0.0 if on_chip else task.out_bytes
    mem = p.off_chip()
    dram_cycles = mem.transfer_cycles(dram_r) + mem.transfer_cycles(dram_w)
    cycles = max(compute, dram_cycles)
    energy = {"vector": sum(ledger.charge("vector", a, task.elements * task.passes) for a in p.vector.actions)}
    sram_bytes = task.in_bytes * task.passes + task.out_bytes
    energy["sram"] = ledger.charge("sram", p.energy.sram_access, sram_bytes * 8 / p.energy.sram_access_bits)
    if dram_r or dram_w:
        energy["dram"] = ledger.charge("dram", p.dram.energy_action, (dram_r + dram_w) * 8)
    return OpStats(op.name, op.kind.value, op.layer, op.phase.value, "vector", cycles, compute, cycles - compute,
                   macs=0, utilisation=0.0,
                   bytes={"dram_read": dram_r, "dram_write": dram_w, "sram_read": task.in_bytes * task.passes,
                          "sram_write": task.out_bytes},
                   energy_pj=energy)


@dataclass
class SystolicDesign:
    name: str = "systolic"

    def compile(self, trace: Trace, hw: HardwareConfig) -> SystolicProgram:
        p = systolic_params(hw)
        pe, array, mem = p.pe(), p.array_params(), p.mem_params()

        def cost_for(op: Op) -> BlockCost:
            # Passes depend on the code widths; group metadata and sparsity change traffic, not passes.
            passes = pe.passes(op.a_spec.bits, op.b_spec.bits, op.a_spec.family == "float",
                               op.b_spec.family == "float", f"op {op.name}")
            return BlockCost(array, pe, passes)

        prog = compile_trace(trace, mem.buffers, array_units(array, pe), pe.acc_bits, cost_for,
                             mem.dram.bytes_per_cycle, p.vector.passes)
        prog.meta = {**prog.meta, "trace_meta": dict(trace.meta), "requests": len(trace.requests)}
        return prog

    def simulate(self, program: SystolicProgram, hw: HardwareConfig) -> Result:
        p = systolic_params(hw)
        pe, array, mem, actions = p.pe(), p.array_params(), p.mem_params(), p.energy_actions()
        ledger = EnergyLedger(load_table(), node_nm=p.node_nm)
        stats: list[OpStats] = []
        t = 0
        peak = array.rows * array.cols * pe.macs_per_cycle
        for task in program.tasks:
            if isinstance(task, GemmTask):
                op = task.op
                npass = pe.passes(op.a_spec.bits, op.b_spec.bits, task.a_float, task.b_float, f"op {op.name}")
                st = simulate_tiling(task.tiling, array, mem, pe, npass)
                energy = charge_gemm(ledger, st, pe, array, actions, task.count)
                c = task.count
                cycles = st.cycles * c
                os_ = OpStats(op.name, op.kind.value, op.layer, op.phase.value, "array", cycles,
                              st.compute_cycles * c, st.stall_cycles * c, macs=op.macs,
                              utilisation=op.macs / (cycles * peak) if cycles else 0.0,
                              bytes={"dram_read": st.dram_read * c, "dram_write": st.dram_write * c,
                                     "sram_read": st.sram_read * c, "sram_write": st.sram_write * c},
                              energy_pj=energy)
            else:
                os_ = _vector_stats(task, p, ledger)
            os_.start_cycle = t
            t += os_.cycles
            stats.append(os_)
        area = systolic_area_mm2(p)
        return Result(
            design=self.name, preset=hw.name, model=program.model, clock_mhz=p.clock_mhz, total_cycles=t,
            ops=stats, peak_macs_per_cycle=peak, energy_pj=ledger.by_component(),
            meta={"area_mm2": area, "array": f"{array.rows}x{array.cols} {array.dataflow} {pe.name}",
                  **{k: v for k, v in program.meta.items() if k != "trace_meta"}},
            assumptions=[
                "ops run back to back; folds of one op run back to back (no fill/drain overlap)",
                "edge folds are zero-padded to the full array (fold cycles 2R+C+T-2 for os)",
                "double-buffered SRAM blocks: DRAM fetch of block i+1 and write of block i-1 overlap compute of block i",
                "GEMM operands are fetched from DRAM; vector-op data stays on chip if it fits the output SRAM",
                "energy: Horowitz 45 nm op/SRAM energies scaled to the preset node by C*V^2; no leakage",
            ])


def systolic_area_mm2(p: SystolicParams) -> dict[str, float]:
    """Area breakdown (mm^2) from sim/tables/area.yaml at the preset's node."""
    table = load_area_table()
    pe = p.pe()
    n_pe = p.array.rows * p.array.cols
    sram_kib = p.sram.input_kib + p.sram.weight_kib + p.sram.output_kib
    return {
        "pe_array": table.mm2(pe.area_key, p.node_nm, n_pe),
        "sram": table.mm2("sram_per_kib", p.node_nm, sram_kib),
    }


DESIGN = SystolicDesign()
