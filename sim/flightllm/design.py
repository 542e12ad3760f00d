"""FlightLLM design plug-in: ``DESIGN.compile(trace, hw)`` / ``DESIGN.simulate(program, hw)``.

``simulate`` schedules the program's instructions on the decoupled units
(:mod:`sim.flightllm.scheduler`) with durations from the unit models:

* MV / MM: :func:`sim.flightllm.dsp_chain.chain_cycles` (closed form, cached per tile),
  columns split over ``compute.cores``; fused SFU work (``fused_sfu``) overlaps and
  only lengthens a tile when the SFU is the slower of the two;
* LD / ST: :class:`sim.flightllm.hbm.HbmModel` (per pseudo-channel, in HBM clock
  cycles, converted to/from the core clock);
* MISC: :func:`sim.flightllm.sfu.sfu_cycles`.

Energy: datapath actions (``sim/flightllm/energy.yaml``) plus the board power model of
:mod:`sim.flightllm.power` (clocking, logic, HBM interface, static, regulator loss);
board power is an output (``meta["board_power_w"]``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np

from llmaccel.mapping.flightllm.compiler import CompilerParams, StepProgram, compile_trace
from llmaccel.sim.energy import load_table
from llmaccel.sim.flightllm.dsp_chain import ChainShape, chain_cycles, column_nnz
from llmaccel.sim.flightllm.formats import check_op, decoded_elements
from llmaccel.sim.flightllm.hbm import HbmModel
from llmaccel.sim.flightllm.params import FlightParams, flight_params
from llmaccel.sim.flightllm.power import board_energy
from llmaccel.sim.flightllm.resources import check_fit
from llmaccel.sim.flightllm.scheduler import FIXED, HBM_READ, HBM_WRITE, UNITS, ProgramArrays, schedule, schedule_hbm
from llmaccel.sim.flightllm.sfu import sfu_cycles
from llmaccel.sim.memory import offchip_roof
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.result import OpStats, Result, fill_typed
from llmaccel.workloads.ops import OpKind
from llmaccel.workloads.trace import Trace

ENERGY_TABLE = Path(__file__).parent / "energy.yaml"
FPGA_NODE_NM = 16  # UltraScale+ / Versal fabric process (TSMC 16FF+ / 7 nm); see energy.yaml vdd entry


def shapes(p: FlightParams) -> tuple[ChainShape, ChainShape]:
    """(MM-mode, MV-mode) chain shapes of one core."""
    c = p.compute

    def mk(par) -> ChainShape:
        return ChainShape(
            pk=par.pk,
            pn=par.pn,
            pm=par.pm,
            dsps_per_group=c.dsps_per_group,
            stages=c.dg_pipeline_stages,
            accumulate_cycles=c.accumulate_cycles,
            block=c.block,
        )

    return mk(c.mm), mk(c.mv)


#: ops whose output stays on the core that made it: the projections feeding attention and the
#: scores (Q/K/V columns and attention heads are split over cores by head)
HEAD_LOCAL_ROLES = frozenset({"q_proj", "k_proj", "v_proj", "attn_score"})


def gather_cycles(p: FlightParams, tile_bytes: float) -> tuple[int, int]:
    """(barrier latency, transfer) core cycles to gather an op's last output tile from every
    SLR core onto every core.

    The barrier crosses the SLR chain out and back (``2 x (SLRs in use - 1)`` boundaries of
    ``slr_crossing_cycles``); each boundary carries up to ``(cores - 1) / cores`` of the
    tile's bytes over the ``gather_bits`` bus, which runs while the tile computes.  One core: (0, 0).
    """
    cores = p.compute.cores
    if cores <= 1:
        return 0, 0
    hops = min(cores, p.device.slrs) - 1
    latency = 2 * hops * p.links.slr_crossing_cycles
    moved_bits = tile_bytes * 8 * (cores - 1) / cores
    return latency, int(math.ceil(moved_bits / p.links.gather_bits))


def host_cycles(p: FlightParams) -> int:
    """Core cycles a step program waits on the host (PCIe round trips per step)."""
    ns = p.links.host_round_trips_per_step * p.links.host_round_trip_ns
    return int(math.ceil(ns * p.clock_mhz / 1e3))


class _Timing:
    """Duration callback for the scheduler, with caches shared across programs of one preset."""

    def __init__(self, prog: StepProgram, p: FlightParams, cache: dict) -> None:
        self.prog = prog
        self.p = p
        self.cache = cache
        self.mm, self.mv = shapes(p)
        self.hbm = HbmModel(p.hbm, p.hbm_pcs())  # each core streams from its own pcs_per_core PCs
        self.ratio = (p.hbm.data_rate_mtps / 2) / p.clock_mhz  # HBM cycles per core cycle
        self.macs: dict[int, int] = defaultdict(int)
        # the last MV/MM of every op whose output the next op needs whole on every core
        self.gather_at: set[int] = set()
        last: dict[int, int] = {}
        for ins in prog.instrs:
            if ins.opcode in ("MV", "MM"):
                last[ins.op] = id(ins)
        for op_idx, ins_id in last.items():
            if prog.ops[op_idx].role not in HEAD_LOCAL_ROLES:
                self.gather_at.add(ins_id)

    def __call__(self, ins, t: int) -> int:
        a = ins.args
        if ins.opcode in ("LD", "ST"):
            th = int(math.ceil(t * self.ratio))
            end_h = self.hbm.transfer(th, a["bytes"], write=ins.opcode == "ST")
            return max(1, int(math.ceil(end_h / self.ratio)) - t)
        if ins.opcode in ("MV", "MM"):
            return self._matmul(ins)
        if ins.opcode == "MISC":
            op = self.prog.ops[ins.op]
            return sfu_cycles(op.kind.value, a["rows"], a["cols"], self.p.sfu)
        return 1

    def _matmul(self, ins) -> int:
        a = ins.args
        op = self.prog.ops[ins.op]
        shape = self.mv if a["m"] == 1 else self.mm
        cores = self.p.compute.cores
        blk = self.p.compute.block
        if "heads" in a:  # attention: heads split over cores, each head's columns padded to pn
            hpc = -(-a["heads"] // cores)
            key: tuple = ("attn", op.role, a["m"], a["n"], a["k"], hpc, bool(a.get("causal")))
            cyc = self.cache.get(key)
            if cyc is None:
                cyc = self._attn_cycles(a, hpc, shape, op.role)
                self.cache[key] = cyc
        else:
            n_core = -(-a["n"] // cores)
            bn = self.prog.block_n.get(ins.op)
            key = (
                (op.name, op.b_spec, a["m"], a["n"], a["k"], a["col0"])
                if bn is not None
                else ("dense", a["m"], n_core, a["k"], a["nnz16"], a["m"] == 1)
            )
            cyc = self.cache.get(key)
            if cyc is None:
                if bn is not None:
                    nnz = column_nnz(bn, op.n, blk)[a["col0"] : a["col0"] + a["n"]]
                    cyc = max(
                        chain_cycles(nnz[c * n_core : (c + 1) * n_core], shape, a["m"])
                        for c in range(cores)
                        if c * n_core < a["n"]
                    )
                else:
                    cyc = chain_cycles(np.full(n_core, -(-a["k"] // blk) * a["nnz16"], np.int64), shape, a["m"])
                self.cache[key] = cyc
        fused = a.get("fused_sfu")
        if fused:
            share = a["n"] / op.n if "heads" not in a else 1.0
            sfu = sum(
                sfu_cycles(
                    self.prog.ops[j].kind.value,
                    self.prog.ops[j].m * self.prog.ops[j].count,
                    self.prog.ops[j].n,
                    self.p.sfu,
                )
                for j in fused
            )
            cyc = max(cyc, int(math.ceil(sfu * share)))
        if id(ins) in self.gather_at:
            share = a["heads"] / op.count if "heads" in a else a["n"] / op.n
            latency, transfer = gather_cycles(self.p, op.out_bytes() * share)
            cyc = max(cyc, transfer) + latency  # results stream to the other SLRs while the tile computes
        return max(1, cyc)

    def _attn_cycles(self, a: dict, hpc: int, shape: ChainShape, role: str) -> int:
        blk = self.p.compute.block
        m, n, k = a["m"], a["n"], a["k"]
        pad = lambda cols: -(-cols // shape.pn) * shape.pn  # noqa: E731
        if not a.get("causal"):
            one = np.full(pad(n), -(-k // blk) * blk, np.int64)
            one[n:] = 0
            return chain_cycles(np.tile(one, hpc), shape, m)
        # block-sparse causal prefill: row tile t (pm rows) sees keys < (t+1)*pm
        total = 0
        for t0 in range(0, m, shape.pm):
            rows = min(shape.pm, m - t0)
            last_key = t0 + rows
            if role == "attn_score":
                n_eff, k_eff = min(n, last_key), k
            else:
                n_eff, k_eff = n, min(k, last_key)
            one = np.full(pad(n_eff), -(-k_eff // blk) * blk, np.int64)
            one[n_eff:] = 0
            total += chain_cycles(np.tile(one, hpc), shape, rows)
        return total


class FlightDesign:
    """The FlightLLM engine (``design: flightllm`` presets u280, vhk158, u280-offchip)."""

    name = "flightllm"

    def __init__(self, reference: bool = False) -> None:
        """``reference``: schedule with the per-instruction Python scheduler (the slow truth)
        instead of the numba one (:func:`sim.flightllm.scheduler.schedule_hbm`)."""
        self._caches: dict[str, dict] = {}
        self.reference = reference

    def compile(self, trace: Trace, hw: HardwareConfig) -> StepProgram:
        check_fit(flight_params(hw), hw.name)
        for op in trace.ops:
            check_op(op)  # formats the DSP/LUT datapath cannot host fail here, saying why
        return compile_trace(trace, CompilerParams.of(hw))

    def simulate(self, program: StepProgram, hw: HardwareConfig) -> Result:
        p = flight_params(hw)
        check_fit(p, hw.name)
        cache = self._caches.setdefault(_hw_key(hw), {})
        timing = _Timing(program, p, cache)
        arrays = ProgramArrays.of(program.instrs)
        if self.reference:
            sched = schedule(program.instrs, program.init_tokens, timing)
        else:
            fixed = np.array(
                [0 if k else timing(ins, 0) for ins, k in zip(program.instrs, arrays.kind.tolist())], np.int64
            )
            sched = schedule_hbm(program.instrs, arrays, program.init_tokens, fixed, timing.hbm, timing.ratio)
        return _result(program, hw, p, sched, timing, arrays)


def _hw_key(hw: HardwareConfig) -> str:
    return repr(sorted(_flatten(hw.params)))


def _flatten(d: dict, pre: str = "") -> list[tuple[str, str]]:
    out = []
    for k, v in d.items():
        if isinstance(v, dict):
            out.extend(_flatten(v, f"{pre}{k}."))
        else:
            out.append((f"{pre}{k}", repr(v)))
    return out


def peak_macs(p: FlightParams, mode: str = "mm") -> int:
    par = p.compute.mm if mode == "mm" else p.compute.mv
    return par.macs_per_cycle * p.compute.cores


def causal_macs(op) -> int:
    """MACs of a causal prefill attention op that lie in the unmasked lower triangle.

    Query row ``i`` of a head sees keys ``0..i``: ``s(s+1)/2`` of the ``s^2`` score (or
    context) products, so the useful share is ``(s+1)/(2s)`` with ``s`` the key count
    (``n`` of the score op, ``k`` of the context op).
    """
    s = op.n if op.role == "attn_score" else op.k
    return int(op.macs * (s + 1) / (2 * s))


@lru_cache(maxsize=8)
def _energy_table():
    return load_table(ENERGY_TABLE)


def _per_op(prog: StepProgram, sched, arrays: ProgramArrays | None = None) -> dict[int, dict]:
    """Per op with instructions: first start, last end, HBM bytes, compute cycles, unit and
    the attention flags (``causal``, ``kept_frac``) of its compute instructions (numpy over
    the instruction arrays; :func:`_per_op_reference` is the per-instruction loop)."""
    if arrays is None:
        arrays = ProgramArrays.of(prog.instrs)
    op_idx = arrays.op
    start = np.asarray(sched.start, np.int64)
    end = np.asarray(sched.end, np.int64)
    mine = op_idx >= 0
    n_ops = len(prog.ops)
    idx = op_idx[mine]
    count = np.bincount(idx, minlength=n_ops)
    first = np.full(n_ops, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first, idx, start[mine])
    last = np.zeros(n_ops, np.int64)
    np.maximum.at(last, idx, end[mine])
    kind = arrays.kind[mine]
    nbytes = arrays.nbytes[mine]
    read = np.bincount(idx[kind == HBM_READ], weights=nbytes[kind == HBM_READ], minlength=n_ops)
    write = np.bincount(idx[kind == HBM_WRITE], weights=nbytes[kind == HBM_WRITE], minlength=n_ops)
    comp = kind == FIXED
    compute = np.zeros(n_ops, np.int64)
    np.add.at(compute, idx[comp], (end - start)[mine][comp])
    last_compute = np.full(n_ops, -1, np.int64)
    np.maximum.at(last_compute, idx[comp], np.flatnonzero(mine)[comp])
    out: dict[int, dict] = {}
    mpe = UNITS.index("mpe")
    for i in np.flatnonzero(count).tolist():
        j = int(last_compute[i])
        args = prog.instrs[j].args if j >= 0 else {}
        out[i] = {
            "start": int(first[i]),
            "end": int(last[i]),
            "dram_read": float(read[i]),
            "dram_write": float(write[i]),
            "compute": int(compute[i]),
            "unit": None if j < 0 else ("mpe" if arrays.unit[j] == mpe else "sfu"),
            "causal": bool(args.get("causal")),
            "kept_frac": args.get("kept_frac", 1.0),
        }
    return out


def _per_op_reference(prog: StepProgram, sched) -> dict[int, dict]:
    """The per-instruction loop that :func:`_per_op` vectorises (tests hold them equal)."""
    per_op: dict[int, dict] = {}
    for idx, ins in enumerate(prog.instrs):
        if ins.op < 0:
            continue
        s = per_op.setdefault(
            ins.op,
            {
                "start": sched.start[idx],
                "end": 0,
                "dram_read": 0.0,
                "dram_write": 0.0,
                "compute": 0,
                "unit": None,
                "causal": False,
                "kept_frac": 1.0,
            },
        )
        s["causal"] = s["causal"] or bool(ins.args.get("causal"))
        s["kept_frac"] = ins.args.get("kept_frac", s["kept_frac"])
        s["start"] = min(s["start"], sched.start[idx])
        s["end"] = max(s["end"], sched.end[idx])
        d = sched.end[idx] - sched.start[idx]
        if ins.opcode == "LD":
            s["dram_read"] += ins.args["bytes"]
        elif ins.opcode == "ST":
            s["dram_write"] += ins.args["bytes"]
        else:
            s["compute"] += d
            s["unit"] = "mpe" if ins.opcode in ("MV", "MM") else "sfu"
    return per_op


def _result(
    prog: StepProgram,
    hw: HardwareConfig,
    p: FlightParams,
    sched,
    timing: _Timing,
    arrays: ProgramArrays | None = None,
) -> Result:
    per_op = _per_op(prog, sched, arrays)
    host = host_cycles(p)
    total = sched.makespan + host
    peak = peak_macs(p, "mv" if prog.phase == "decode" else "mm")
    table = _energy_table()
    ops: list[OpStats] = []
    dyn: defaultdict[str, float] = defaultdict(float)
    hbm_pj_bit = table.pj("hbm2_bit")
    for i, op in enumerate(prog.ops):
        stats = per_op.get(i)
        if stats is None:  # fused op
            ops.append(
                OpStats(op.name, op.kind.value, op.layer, op.phase.value, "sfu(fused)", 0, 0, 0, 0, 0.0, 0, {}, {})
            )
            continue
        cycles = stats["end"] - stats["start"]
        macs = op.macs if op.kind.is_matmul else 0
        useful = macs
        if op.kind.is_matmul and op.b_class == "weight":
            useful = int(macs * op.b_spec.density)
        elif stats["causal"]:
            useful = causal_macs(op)
        elif stats["kept_frac"] < 1.0:  # block-sparse decode attention reads only the kept keys
            useful = int(macs * stats["kept_frac"])
        e = {
            "hbm": (stats["dram_read"] + stats["dram_write"]) * 8 * hbm_pj_bit,
            # MM mode packs two tokens per DSP op; MV mode (m = 1) uses one MAC per DSP op
            "dsp": useful / (2 if op.m > 1 else 1) * table.pj("dsp_packed_op", FPGA_NODE_NM) if macs else 0.0,
            "uram": (op.b_bytes() + op.a_bytes()) / 9 * table.pj("uram_72b_access", FPGA_NODE_NM) if macs else 0.0,
            "sfu": (
                op.elements
                * (2 if op.kind in (OpKind.SOFTMAX, OpKind.NORM) else 1)
                * table.pj("sfu_fp16_op", FPGA_NODE_NM)
                if not macs
                else 0.0
            ),
        }
        decoded = decoded_elements(op)
        if decoded:
            e["lut_decoder"] = decoded * table.pj("lut_decode", FPGA_NODE_NM)
        for k, v in e.items():
            dyn[k] += v
        ops.append(
            OpStats(
                op.name,
                op.kind.value,
                op.layer,
                op.phase.value,
                stats["unit"] or "ld",
                cycles,
                stats["compute"],
                max(0, cycles - stats["compute"]),
                useful,
                useful / (max(1, stats["compute"]) * peak) if macs else 0.0,
                stats["start"],
                {"dram_read": stats["dram_read"], "dram_write": stats["dram_write"]},
                e,
            )
        )
    time_s = total / (p.clock_mhz * 1e6)
    hbm_bytes = timing.hbm.bytes_read + timing.hbm.bytes_written
    mpe_busy = sum(int(o.compute_cycles) for o in ops if o.unit == "mpe")
    energy = board_energy(p, dict(dyn), hbm_bytes, int(total), mpe_busy)
    bw_util = hbm_bytes / (time_s * p.hbm.peak_gbps * 1e9) if total else 0.0
    driven_gbps = timing.hbm.driven_peak_gbps()
    meta = {
        "phase": prog.phase,
        "length": prog.length,
        "instructions": len(prog.instrs),
        "program_bytes": prog.storage_bytes(),
        "hbm_bytes": hbm_bytes,
        "hbm_read_bytes": timing.hbm.bytes_read,
        "hbm_write_bytes": timing.hbm.bytes_written,
        "bandwidth_utilisation": bw_util,
        # model-only: the same bytes against the peak of the PCs the cores drive (24 of 32 on U280)
        "hbm_pcs": timing.hbm.pcs,
        "bandwidth_utilisation_driven_pcs": hbm_bytes / (time_s * driven_gbps * 1e9) if total else 0.0,
        "host_cycles": host,
        "decode_mode": p.decode_mode,
        "fusion": p.fusion,
        "board_power_w": sum(energy.values()) * 1e-12 / time_s if total else 0.0,
        "hbm_busy_fraction": float(timing.hbm.busy_cycles.mean() / max(1, total * timing.ratio)),
    }
    assumptions = [
        "CSD-chain schedule: blocks sorted by N, packed into beats of pK DSPs (docs/flightllm.md)",
        "HBM: analytical per-pseudo-channel model (burst, refresh, turnaround, exposed latency when idle); "
        f"transfers striped over the {timing.hbm.pcs} of {p.hbm.pseudo_channels} PCs the cores drive "
        f"({p.hbm.pcs_per_core} per core, the authors' on-board layout)",
        "energy = board power model (sim/flightllm/power.py): datapath actions + clocking + static + VRM loss",
    ]
    model = prog.meta.get("model", "")
    result = Result("flightllm", hw.name, model, p.clock_mhz, int(total), ops, float(peak), energy, meta, assumptions)
    busy: dict[str, int] = {}
    for o in ops:
        if o.compute_cycles:
            busy[o.unit] = busy.get(o.unit, 0) + int(o.compute_cycles)
    busy["hbm"] = round(meta["hbm_busy_fraction"] * total)
    return fill_typed(
        result,
        off_chip=("dram",),
        roofs=[offchip_roof(hw, p.hbm.peak_gbps, "hbm.peak_gbps")],
        busy_cycles=busy,
    )


DESIGN = FlightDesign()
