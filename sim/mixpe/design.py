"""The ``mixpe`` design: MixPE and its baselines (INT8, FP16, ANT-style, BitFusion-style,
FIGNA-like dequantize-in-the-loop) as presets of one engine.

``compile(trace, hw)`` tiles every matmul (mapping/mixpe.py); ``simulate(program, hw)``
runs the ops in program order (one op at a time on the array or the vector unit) and
returns a :class:`sim.result.Result`.  See sim/mixpe/model.py for the formulas.
"""

from __future__ import annotations

from llmaccel.mapping.mixpe import MixGemmTask, MixPEProgram, compile_trace
from llmaccel.mapping.tiling import Buffers
from llmaccel.sim.energy import EnergyLedger
from llmaccel.sim.memory import offchip_roof
from llmaccel.sim.mixpe import model
from llmaccel.sim.mixpe.params import MixPEParams, from_preset
from llmaccel.sim.mixpe.pe import pe_kind
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import OpStats, Result, fill_typed
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.trace import Trace


def _buffers(p: MixPEParams) -> Buffers:
    m = p.memory
    return Buffers(m.input_kib * 1024, m.weight_kib * 1024, m.output_kib * 1024, m.double_buffered)


class MixPEDesign:
    name = "mixpe"

    def compile(self, trace: Trace, hw: HardwareConfig) -> MixPEProgram:
        p = from_preset(hw)
        kind = pe_kind(p.pe.kind)
        mach = model.Machine.of(p)

        def passes_for(op: Op) -> int:
            g = op.b_spec.group_size if op.b_spec.family == "int-group" else None
            dq = p.dequant
            if g is not None and dq.placement == "in_pe" and dq.pes_per_unit * dq.ii * p.pe.lanes > g:
                raise InputError(
                    "dequant.pes_per_unit",
                    f"{op.name}: {dq.pes_per_unit} PEs x II {dq.ii} per shared "
                    f"dequantizer exceed one group every {g}/{p.pe.lanes} cycles; allowed: "
                    f"pes_per_unit <= {g // (p.pe.lanes * dq.ii)} (stalls are not modelled)",
                )
            return kind.passes(op.a_spec, op.b_spec, p.float_act_int_bits, op.name)

        def block_cycles_for(op: Op, passes: int):
            return model.block_cost(mach, passes, op.b_spec.family == "int-group")

        prog = compile_trace(
            trace,
            _buffers(p),
            mach.units(),
            p.pe.lanes,
            p.pe.acc_bits,
            passes_for,
            block_cycles_for,
            p.offchip().bytes_per_cycle,
        )
        prog.meta.update(preset=hw.name)
        return prog

    def simulate(self, program: MixPEProgram, hw: HardwareConfig) -> Result:
        p = from_preset(hw)
        mach = model.Machine.of(p)
        ledger = EnergyLedger(model.energy_table(), node_nm=p.node_nm)
        stats: list[OpStats] = []
        now = 0
        dq_ops = pe_cycles = 0
        for task in program.tasks:
            op = task.op
            if isinstance(task, MixGemmTask):
                run = model.run_gemm(task, p)
                energy = model.charge_gemm(ledger, run, task, p, op.count)
                cyc = run.cycles * op.count
                comp = run.compute_cycles * op.count
                dq_ops += run.dequant_ops * op.count
                pe_cycles += run.compute_cycles * op.count
                st = OpStats(
                    op.name,
                    op.kind.value,
                    op.layer,
                    op.phase.value,
                    "array",
                    cyc,
                    comp,
                    cyc - comp,
                    macs=op.macs,
                    utilisation=op.macs / (cyc * mach.peak_macs_per_cycle) if cyc else 0.0,
                    start_cycle=now,
                    bytes={
                        "dram_read": run.dram_read * op.count,
                        "dram_write": run.dram_write * op.count,
                        "sram": run.sram_bytes * op.count,
                    },
                    energy_pj=energy,
                )
            else:
                cyc = model.run_vector(task, p)
                pj = ledger.charge("vector", "vector_element", task.elements)
                st = OpStats(
                    op.name,
                    op.kind.value,
                    op.layer,
                    op.phase.value,
                    "vector",
                    cyc,
                    cyc,
                    0,
                    start_cycle=now,
                    bytes={},
                    energy_pj={"vector": pj},
                )
            stats.append(st)
            now += st.cycles
        occupancy = (
            dq_ops / (pe_cycles * mach.rows * mach.cols) if pe_cycles and p.dequant.placement == "in_pe" else 0.0
        )
        result = Result(
            design=self.name,
            preset=hw.name,
            model=program.model,
            clock_mhz=p.clock_mhz,
            total_cycles=now,
            ops=stats,
            peak_macs_per_cycle=mach.peak_macs_per_cycle,
            energy_pj=ledger.by_component(),
            meta={
                **program.meta,
                "pe": p.pe.kind,
                "dequant_ops": dq_ops,
                "dequant_occupancy": occupancy,
                "area_mm2": model.area_mm2(p),
                "array": f"{p.array.rows}x{p.array.cols} os, {p.pe.kind} x{p.pe.lanes} lanes",
            },
            assumptions=[
                "ops run one after another on the array or the vector unit (no overlap between ops)",
                "dequantization: "
                + (
                    "in every PE after each group, pipelined (MixPE)"
                    if p.dequant.placement == "in_pe"
                    else "per weight, in series with the array (main loop)"
                ),
                "leakage/static energy not modelled; energy = PE ops + dequant + SRAM + DRAM",
                "area: PE products + accumulate adders + dequantizers + SRAM (no registers, wiring)",
                "fp16 activations on integer-only PEs are converted to "
                f"{p.float_act_int_bits}-bit fixed point and bit-sliced",
            ],
        )
        # typed results (issue 13 §5): one call, kept apart from the host's op loop
        return fill_typed(
            result,
            off_chip=("dram",),
            roofs=[offchip_roof(hw, p.memory.dram.bandwidth_gbps, "memory.dram.bandwidth_gbps")],
            area_mm2=result.meta["area_mm2"],
        )


DESIGN = MixPEDesign()
