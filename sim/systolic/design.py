"""The ``systolic`` design: baseline systolic-array accelerator + FP16 vector unit.

``compile`` tiles every op (``mapping/systolic.py``); ``simulate`` runs each task
on its unit and returns a :class:`sim.result.Result`.  Ops run one after
another (no overlap between ops); each matmul op's cycles include its DRAM
stalls under double buffering (``sim.systolic.model``).

Components (docs/mix-and-match.md): ``array.pe`` is any PE of :mod:`sim.components`; a PE
brought from another design carries its edge decoders (latency per fold, energy per operand
element, area), its per-group dequantizer (energy per output per group) and its energy/area
tables; ``dram`` may name a memory system; ``array.sparse_mux`` streams only the kept slots
of N:M weights (:class:`sim.systolic.dataflow.SparsePattern`), otherwise sparse weights are
stored and computed dense.

Vector unit: ``cycles = ceil(elements * passes / lanes) + latency``.  Its data
is taken to be on chip (the previous op's output) when it fits the output SRAM;
otherwise it streams from and back to DRAM, overlapped with compute
(``cycles = max(compute, DRAM transfer)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from llmaccel.mapping.systolic import GemmTask, SystolicProgram, VectorTask, compile_trace
from llmaccel.mapping.tiling import GemmTiling, block_sequence
from llmaccel.sim.area import AreaTable, load_area_table
from llmaccel.sim.components import MEMORY_ENERGY, HostedPE
from llmaccel.sim.energy import EnergyLedger, load_table
from llmaccel.sim.memory import offchip_roof
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import OpStats, Result, fill_typed
from llmaccel.sim.systolic.dataflow import SparsePattern
from llmaccel.sim.systolic.fast import SparseBlockCost
from llmaccel.sim.systolic.model import (
    ArrayParams,
    BlockCost,
    GemmStats,
    MemParams,
    array_units,
    charge_gemm,
    double_buffer_total,
    simulate_tiling,
)
from llmaccel.sim.systolic.params import SystolicParams, systolic_params
from llmaccel.sim.systolic.pe import PEType
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op
from llmaccel.workloads.quant_spec import QuantSpec
from llmaccel.workloads.trace import Trace


def sparse_pattern(op: Op, p: SystolicParams) -> SparsePattern | None:
    """The N:M pattern the sparse MUX exploits for ``op`` (None: run dense).

    Only weight-side (operand b) sparsity is exploited and only with ``array.sparse_mux``;
    without it sparse weights are stored and multiplied dense.
    """
    if not p.array.sparse_mux:
        return None
    if op.a_spec.sparsity is not None:
        raise InputError(
            "array.sparse_mux",
            f"op {op.name}: the sparse MUX exploits N:M sparsity of the weights (operand b) only; operand a is sparse",
        )
    sp = op.b_spec.sparsity
    if sp is None or sp.n == sp.m:
        return None
    return SparsePattern(p.sparse.block_k, sp.n, sp.m)


def _stored_bits(spec: QuantSpec, dense: bool) -> float:
    """Stored bits per logical value; ``dense``: a sparse operand kept in dense form."""
    if not dense or spec.sparsity is None:
        return spec.storage_bits_per_value()
    return spec.bits + (spec.scale_bits / spec.group_size if spec.group_size else 0.0)


def operand_bits(op: Op, p: SystolicParams) -> tuple[float, float, float]:
    """Stored bits of (a, b, out) on this host: a sparse-MUX weight stores its kept codes plus
    ``density * index_bits`` and ``8 * meta_block_bytes / (meta_block_k * meta_block_n)``
    metadata bits per logical weight; without the MUX, sparse operands are stored dense."""
    pat = sparse_pattern(op, p)
    a = _stored_bits(op.a_spec, True)
    if pat is None:
        b = _stored_bits(op.b_spec, True)
    else:
        b = op.b_spec.storage_bits_per_value() + p.sparse.metadata_bits_per_weight(op.b_spec.density)
    return a, b, op.out_spec.storage_bits_per_value()


def simulate_sparse_tiling(
    tiling: GemmTiling, array: ArrayParams, mem: MemParams, pe: PEType, passes: int, pattern: SparsePattern
) -> GemmStats:
    """:func:`sim.systolic.model.simulate_tiling` with sparse-MUX block compute cycles.

    Traffic, SRAM accesses and folds are those of the dense run (the tiling's stored bits
    already hold the compressed weights and metadata); per-block compute cycles come from
    :class:`sim.systolic.fast.SparseBlockCost`; ``macs`` counts kept weight slots
    (``m * n * kept_total(k)``), which the energy model charges.
    """
    st = simulate_tiling(tiling, array, mem, pe, passes)
    cost = SparseBlockCost(
        array.rows,
        array.cols,
        array.dataflow,
        pe.pipeline_latency,
        array.edge_decoder_latency,
        pe.macs_per_cycle,
        passes,
        pattern,
    )
    n, k = tiling.n, tiling.k
    seq = block_sequence(tiling)
    key = (seq["mb"] * (n + 1) + seq["nb"]) * (k + 1) + seq["kb"]
    compute = np.zeros(len(key), np.int64)
    for x, y, z, _cnt in tiling.block_shapes():
        compute[key == (x * (n + 1) + y) * (k + 1) + z] = cost(x, y, z)
    tx = mem.dram.transfer_cycles_array
    fetch = tx(seq["a_read"]) + tx(seq["b_read"]) + tx(seq["psum_read"])
    write = tx(seq["out_write"]) + tx(seq["psum_write"])
    total = double_buffer_total(compute, fetch, write, mem.double_buffered)
    comp = int(compute.sum())
    return replace(
        st, cycles=total, compute_cycles=comp, stall_cycles=total - comp, macs=tiling.m * n * pattern.kept_total(k)
    )


def _check_op(op: Op, hosted: HostedPE) -> None:
    what = f"op {op.name}"
    hosted.check_operands(op.a_spec, op.b_spec, what)
    hosted.check_group(op.b_spec, what)


def group_dequant_ops(op: Op, hosted: HostedPE) -> int:
    """In-PE dequant operations of one instance: ``m * n * ceil(k / G)`` (0 without one)."""
    g = op.b_spec.group_size
    if hosted.group_dequant is None or not g:
        return 0
    return op.m * op.n * math.ceil(op.k / g)


def vector_stats(task: VectorTask, p: SystolicParams, ledger: EnergyLedger) -> OpStats:
    """Vector op on the array's vector unit: ``ceil(elements * passes / lanes) + latency`` cycles,
    overlapped with its DRAM traffic; data stays on chip if it fits the output SRAM.

    ``p`` is any host's parameters with ``vector``, ``sram``, ``energy`` and ``off_chip()``
    (the systolic and OliVe presets share these sections).
    """
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
    return OpStats(
        op.name,
        op.kind.value,
        op.layer,
        op.phase.value,
        "vector",
        cycles,
        compute,
        cycles - compute,
        macs=0,
        utilisation=0.0,
        bytes={
            "dram_read": dram_r,
            "dram_write": dram_w,
            "sram_read": task.in_bytes * task.passes,
            "sram_write": task.out_bytes,
        },
        energy_pj=energy,
    )


@dataclass
class SystolicDesign:
    name: str = "systolic"

    def compile(self, trace: Trace, hw: HardwareConfig) -> SystolicProgram:
        p = systolic_params(hw)
        pe, array, mem, hosted = p.pe(), p.array_params(), p.mem_params(), p.hosted()

        def cost_for(op: Op) -> BlockCost | SparseBlockCost:
            # Passes depend on the code widths; group metadata and sparsity change traffic, not passes.
            passes = pe.passes(
                op.a_spec.bits,
                op.b_spec.bits,
                op.a_spec.family == "float",
                op.b_spec.family == "float",
                f"op {op.name}",
            )
            _check_op(op, hosted)
            pat = sparse_pattern(op, p)
            if pat is None:
                return BlockCost(array, pe, passes)
            return SparseBlockCost(
                array.rows,
                array.cols,
                array.dataflow,
                pe.pipeline_latency,
                array.edge_decoder_latency,
                pe.macs_per_cycle,
                passes,
                pat,
            )

        units = array_units(array, pe)
        if p.array.sparse_mux:
            # K blocks hold whole MUX windows, so no window is split across SRAM blocks
            units = (units[0], units[1], math.lcm(units[2], p.sparse.block_k))
        prog = compile_trace(
            trace,
            mem.buffers,
            units,
            pe.acc_bits,
            cost_for,
            mem.dram.bytes_per_cycle,
            p.vector.passes,
            lambda op: operand_bits(op, p),
        )
        prog.meta = {**prog.meta, "trace_meta": dict(trace.meta), "requests": len(trace.requests)}
        return prog

    def simulate(self, program: SystolicProgram, hw: HardwareConfig) -> Result:
        p = systolic_params(hw)
        pe, array, mem, actions = p.pe(), p.array_params(), p.mem_params(), p.energy_actions()
        hosted = p.hosted()
        ledger = EnergyLedger(load_table(MEMORY_ENERGY, *hosted.energy_tables), node_nm=p.node_nm)
        sparse_ops = 0
        stats: list[OpStats] = []
        t = 0
        peak = array.rows * array.cols * pe.macs_per_cycle
        for task in program.tasks:
            if isinstance(task, GemmTask):
                op = task.op
                npass = pe.passes(op.a_spec.bits, op.b_spec.bits, task.a_float, task.b_float, f"op {op.name}")
                pat = sparse_pattern(op, p)
                if pat is None:
                    st = simulate_tiling(task.tiling, array, mem, pe, npass)
                else:
                    st = simulate_sparse_tiling(task.tiling, array, mem, pe, npass, pat)
                    sparse_ops += 1
                energy = charge_gemm(ledger, st, pe, array, actions, task.count)
                dq = group_dequant_ops(op, hosted)
                if dq:
                    energy["dequant"] = ledger.charge("dequant", hosted.group_dequant.action, dq * task.count)
                c = task.count
                cycles = st.cycles * c
                # a sparse-MUX op does only its kept MACs (st.macs); a dense one st.macs == m*n*k
                macs = st.macs * c
                os_ = OpStats(
                    op.name,
                    op.kind.value,
                    op.layer,
                    op.phase.value,
                    "array",
                    cycles,
                    st.compute_cycles * c,
                    st.stall_cycles * c,
                    macs=macs,
                    utilisation=macs / (cycles * peak) if cycles else 0.0,
                    bytes={
                        "dram_read": st.dram_read * c,
                        "dram_write": st.dram_write * c,
                        "sram_read": st.sram_read * c,
                        "sram_write": st.sram_write * c,
                    },
                    energy_pj=energy,
                )
            else:
                os_ = vector_stats(task, p, ledger)
            os_.start_cycle = t
            t += os_.cycles
            stats.append(os_)
        area = systolic_area_mm2(p)
        extra = (
            [f"PE {hosted.name} from design {hosted.origin} ({hosted.source})"] if hosted.origin != "systolic" else []
        )
        if hosted.decoder:
            extra.append(
                f"edge decoders for {', '.join(hosted.decoder.formats)}: "
                f"+{hosted.decoder.latency_cycles} cycle(s) per fold, {hosted.decoder.action} per operand element"
            )
        if hosted.group_dequant:
            extra.append(
                f"in-PE group dequantizer: {hosted.group_dequant.action} per output per weight group, "
                "never stalls the array (group size a multiple of the PE lanes)"
            )
        if p.array.sparse_mux:
            extra.append(
                f"sparse MUX: N:M weights stream kept slots only, windows of {p.sparse.block_k} along K; "
                f"{sparse_ops} op(s) ran sparse; MUX energy not modelled"
            )
        elif any(isinstance(t, GemmTask) and t.op.b_spec.sparsity is not None for t in program.tasks):
            extra.append("sparse weights stored and computed dense (array.sparse_mux is false)")
        result = Result(
            design=self.name,
            preset=hw.name,
            model=program.model,
            clock_mhz=p.clock_mhz,
            total_cycles=t,
            ops=stats,
            peak_macs_per_cycle=peak,
            energy_pj=ledger.by_component(),
            meta={
                "area_mm2": area,
                "array": f"{array.rows}x{array.cols} {array.dataflow} {pe.name}",
                "components": {
                    "pe": hosted.name,
                    "pe_origin": hosted.origin,
                    "dram": hw.params["dram"] if isinstance(hw.params.get("dram"), str) else "preset",
                    "sparse_mux": p.array.sparse_mux,
                },
                **{k: v for k, v in program.meta.items() if k != "trace_meta"},
            },
            assumptions=[
                "ops run back to back; folds of one op run back to back (no fill/drain overlap)",
                "edge folds are zero-padded to the full array (fold cycles 2R+C+T-2 for os)",
                "double-buffered SRAM blocks: DRAM fetch of block i+1 and write of block i-1 overlap compute of block i",
                "GEMM operands are fetched from DRAM; vector-op data stays on chip if it fits the output SRAM",
                "energy: Horowitz 45 nm op/SRAM energies scaled to the preset node by C*V^2; no leakage",
                *extra,
            ],
        )
        # typed results (issue 13 §5): one call, kept apart from the host's op loop
        return fill_typed(
            result,
            off_chip=("dram",),
            roofs=[offchip_roof(hw, p.dram.bandwidth_gbps, "dram.bandwidth_gbps")],
            area_mm2=area,
        )


def systolic_area_mm2(p: SystolicParams) -> dict[str, float]:
    """Area breakdown (mm^2) at the preset's node: PEs (the hosted PE's area terms, e.g. one
    ``pe_int8`` or an OliVe slot or MixPE lanes + dequantizer), edge decoders (R + C, if the
    PE brings them), sparse MUXes (one per PE lane, if enabled) and SRAM."""
    hosted = p.hosted()
    table = load_area_table(*hosted.area_tables)
    n_pe = p.array.rows * p.array.cols
    sram_kib = p.sram.input_kib + p.sram.weight_kib + p.sram.output_kib
    out = {"pe_array": hosted.area_um2(p.node_nm) * n_pe / 1e6}
    if hosted.decoder is not None:
        out["edge_decoders"] = table.mm2(hosted.decoder.area_key, p.node_nm, p.array.rows + p.array.cols)
    if p.array.sparse_mux and p.sparse.mux_area_um2:
        lanes = n_pe * hosted.pe.macs_per_cycle
        out["sparse_mux"] = (
            p.sparse.mux_area_um2 * AreaTable.node_factor(p.sparse.mux_area_node_nm, p.node_nm) * lanes / 1e6
        )
    out["sram"] = table.mm2("sram_per_kib", p.node_nm, sram_kib)
    return out


DESIGN = SystolicDesign()
