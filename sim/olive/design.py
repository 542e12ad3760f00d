"""The ``olive`` design: OliVe and its baselines as variants of one engine (selected by preset).

=========  ================================================================  =====================
variant    PE in each slot / extra hardware                                  presets
=========  ================================================================  =====================
olive      four 4-bit exponent-integer multipliers + one adder, OVP edge     olive-w4a4, olive-w8a8
           decoders (R + C), memory-aligned 4/8-bit codes
ant        same 4-bit slot with ANT int/flint decoders                       ant-w4a4, ant-w8a8
olaccel    4-bit dense slot + separate 8-bit outlier MAC lanes               olaccel-w4a4
gobo       FP16 MAC (fp16 activations x dictionary weights) + FP32 outlier   gobo-w3a16
           lanes
adafloat   8-bit adaptive-float MAC                                          adafloat-w8a8
=========  ================================================================  =====================

The INT8 baseline is the foundation ``systolic`` design (preset ``systolic-int8``):
same array geometry, memories and vector unit.  ``compile`` tiles each matmul
(``mapping/olive.py``); ``simulate`` runs ops back to back (one op at a time on
the array or the vector unit); see :mod:`sim.olive.model` for formulas.
"""

from __future__ import annotations

from llmaccel.mapping.olive import OliveGemmTask, OliveProgram, OutlierTraffic, compile_trace
from llmaccel.sim.energy import EnergyLedger
from llmaccel.sim.memory import offchip_roof
from llmaccel.sim.olive import model
from llmaccel.sim.olive.params import olive_params
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import OpStats, Result, fill_typed
from llmaccel.sim.systolic.design import vector_stats
from llmaccel.sim.systolic.model import BlockCost, array_units, charge_gemm, simulate_tiling
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace


class OliveDesign:
    name = "olive"

    def compile(self, trace: Trace, hw: HardwareConfig) -> OliveProgram:
        p = olive_params(hw)
        pe, array, mem = p.pe.pe_type(), p.array_params(), p.mem_params()

        def passes_for(op: Op) -> int:
            return pe.passes(
                op.a_spec.bits,
                op.b_spec.bits,
                op.a_spec.family == "float",
                op.b_spec.family == "float",
                f"op {op.name}",
            )

        def block_cycles_for(passes: int):
            return BlockCost(array, pe, passes)

        o = p.outlier
        per_outlier = o.value_bits + o.index_bits
        traffic = (
            OutlierTraffic(o.act_frac * per_outlier, o.weight_frac * per_outlier) if o.enabled else OutlierTraffic()
        )
        prog = compile_trace(
            trace,
            mem.buffers,
            array_units(array, pe),
            pe.acc_bits,
            passes_for,
            block_cycles_for,
            mem.dram.bytes_per_cycle,
            p.vector.passes,
            traffic,
        )
        prog.meta = {**prog.meta, "preset": hw.name, "variant": p.variant}
        return prog

    def simulate(self, program: OliveProgram, hw: HardwareConfig) -> Result:
        p = olive_params(hw)
        pe, array, mem, actions = p.pe.pe_type(), p.array_params(), p.mem_params(), p.energy_actions()
        ledger = EnergyLedger(model.energy_table(), node_nm=p.node_nm)
        peak = array.rows * array.cols * pe.macs_per_cycle
        stats: list[OpStats] = []
        now = 0
        outlier_cycles = 0
        for task in program.tasks:
            if isinstance(task, OliveGemmTask):
                op, c = task.op, task.count
                st = simulate_tiling(task.tiling, array, mem, pe, task.passes)
                orun = model.outlier_run(op, st, p)
                energy = charge_gemm(ledger, st, pe, array, actions, c)
                if orun.macs:
                    energy["outlier_path"] = model.charge_outliers(ledger, orun, p, c)
                cyc = (st.cycles + orun.cycles) * c
                comp = (st.compute_cycles + orun.cycles) * c
                outlier_cycles += orun.cycles * c
                s = OpStats(
                    op.name,
                    op.kind.value,
                    op.layer,
                    op.phase.value,
                    "array",
                    cyc,
                    comp,
                    cyc - comp,
                    macs=op.macs,
                    utilisation=op.macs / (cyc * peak) if cyc else 0.0,
                    bytes={
                        "dram_read": st.dram_read * c,
                        "dram_write": st.dram_write * c,
                        "sram_read": st.sram_read * c,
                        "sram_write": st.sram_write * c,
                    },
                    energy_pj=energy,
                )
            else:
                s = vector_stats(task, p, ledger)
            s.start_cycle = now
            now += s.cycles
            stats.append(s)
        result = Result(
            design=self.name,
            preset=hw.name,
            model=program.model,
            clock_mhz=p.clock_mhz,
            total_cycles=now,
            ops=stats,
            peak_macs_per_cycle=peak,
            energy_pj=ledger.by_component(),
            meta={
                **{k: v for k, v in program.meta.items() if k != "trace_meta"},
                "variant": p.variant,
                "area_mm2": model.area_mm2(p),
                "outlier_cycles": outlier_cycles,
                "array": f"{p.array.rows}x{p.array.cols} os, slot {p.pe.name} (x{pe.macs_per_cycle} MACs/cycle)",
            },
            assumptions=[
                "same array slots, memories and vector unit for every variant (iso-slot, not iso-area; area reported)",
                "ops run back to back; folds of one op back to back; edge folds zero-padded",
                "wider integer operands are bit-sliced: 8-bit on 4-bit multipliers = 4 passes",
                "outlier path (GOBO/OLAccel) serialised after the dense pass of each op",
                "energy: Horowitz 45 nm anchors scaled to the preset node; no leakage",
            ],
        )
        # typed results (issue 13 §5): one call, kept apart from the host's op loop
        return fill_typed(
            result,
            off_chip=("dram",),
            roofs=[offchip_roof(hw, p.dram.bandwidth_gbps, "dram.bandwidth_gbps")],
            area_mm2=result.meta["area_mm2"],
        )


DESIGN = OliveDesign()
