"""Two speeds of the FlightLLM step model: the numba scheduler and the vectorised per-op
aggregation equal the per-instruction Python reference on random programs and compiled steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from llmaccel.mapping.flightllm.isa import Instr
from llmaccel.sim.flightllm.design import FlightDesign, _per_op, _per_op_reference
from llmaccel.sim.flightllm.hbm import HbmModel
from llmaccel.sim.flightllm.params import flight_params
from llmaccel.sim.flightllm.scheduler import ProgramArrays, schedule, schedule_hbm
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import fixed

UNIT_OPCODES = {"ld": "LD", "st": "ST", "mpe": "MV", "sfu": "MISC", "sys": "SYS"}
PAIRS = [(s, d) for s in UNIT_OPCODES for d in UNIT_OPCODES if s != d and d != "sys" and s != "sys"]


def random_program(rng: np.random.Generator, n: int) -> tuple[list[Instr], dict, list[int]]:
    """A deadlock-free random program: every wait is served by a release earlier in program
    order or an initial credit, so running it in program order is feasible."""
    init = {pair: int(rng.integers(0, 3)) for pair in PAIRS if rng.random() < 0.3}
    avail = dict(init)  # tokens released (or credited) and not yet consumed, per pair
    instrs, durations = [], []
    units = list(UNIT_OPCODES)
    for i in range(n):
        unit = units[int(rng.choice(5, p=[0.3, 0.15, 0.3, 0.2, 0.05]))]
        wait = []
        for (src, dst), cnt in list(avail.items()):
            if dst == unit and cnt and rng.random() < 0.6:
                take = int(rng.integers(1, cnt + 1))
                wait += [src] * take
                avail[(src, dst)] = cnt - take
        release = [d for d in ("ld", "st", "mpe", "sfu") if d != unit and unit != "sys" and rng.random() < 0.35]
        if release and rng.random() < 0.2:
            release.append(release[0])  # a unit may be signalled twice
        for d in release:
            avail[(unit, d)] = avail.get((unit, d), 0) + 1
        opcode = UNIT_OPCODES[unit]
        args = {"bytes": int(rng.choice([0, int(rng.integers(1, 70_000)), 2_300_000], p=[0.05, 0.85, 0.1]))}
        instrs.append(Instr(opcode, i % 7 - 1, wait, release, args))
        durations.append(int(rng.integers(1, 400)))
    return instrs, init, durations


class _Durations:
    """The simulator's duration rule in Python: LD/ST through an HBM model at their start
    cycle (as sim.flightllm.design._Timing does), everything else a given duration."""

    def __init__(self, instrs: list[Instr], durations: list[int], hbm: HbmModel, ratio: float) -> None:
        self.index = {id(x): k for k, x in enumerate(instrs)}
        self.durations, self.hbm, self.ratio = durations, hbm, ratio

    def __call__(self, ins: Instr, t: int) -> int:
        if ins.opcode in ("LD", "ST"):
            th = int(math.ceil(t * self.ratio))
            end_h = self.hbm.transfer(th, ins.args["bytes"], write=ins.opcode == "ST")
            return max(1, int(math.ceil(end_h / self.ratio)) - t)
        return self.durations[self.index[id(ins)]]


@pytest.mark.parametrize("preset", ["u280", "vhk158"])
def test_numba_scheduler_equals_reference_on_random_programs(preset):
    p = flight_params(load_preset(preset))
    hbm_p = p.hbm
    ratio = (hbm_p.data_rate_mtps / 2) / 225.0
    rng = np.random.default_rng(11)
    for trial in range(120):
        instrs, init, durations = random_program(rng, int(rng.integers(1, 90)))
        # the PCs the design drives (u280: 24 of 32, vhk158: 32), and every 4th trial an odd count
        pcs = p.hbm_pcs() if trial % 4 else int(rng.integers(1, hbm_p.pseudo_channels + 1))
        ref_hbm, fast_hbm = HbmModel(hbm_p, pcs), HbmModel(hbm_p, pcs)
        duration = _Durations(instrs, durations, ref_hbm, ratio)
        ref = schedule(instrs, init, duration)
        arrays = ProgramArrays.of(instrs)
        fast = schedule_hbm(instrs, arrays, init, np.array(durations), fast_hbm, ratio)
        assert fast.start == ref.start and fast.end == ref.end, trial
        for field in ("bus_free", "last_write", "served", "busy_cycles", "next_pc"):
            assert np.array_equal(getattr(fast_hbm, field), getattr(ref_hbm, field)), field
        assert (fast_hbm.bytes_read, fast_hbm.bytes_written) == (ref_hbm.bytes_read, ref_hbm.bytes_written)


def test_numba_scheduler_reports_deadlock_like_reference():
    instrs = [Instr("LD", 0, [], ["mpe"], {"bytes": 64}), Instr("MV", 0, ["ld", "ld"], [])]
    hbm = HbmModel(flight_params(load_preset("u280")).hbm)
    with pytest.raises(InputError, match=r"deadlock.*'mpe': 'MV'"):
        schedule_hbm(instrs, ProgramArrays.of(instrs), {}, np.zeros(2, np.int64), hbm, 4.0)
    with pytest.raises(InputError, match=r"deadlock.*'mpe': 'MV'"):
        schedule(instrs, {}, lambda ins, t: 1)


CASES = [
    ("u280", "decode", 1, 300),
    ("u280", "decode", 3, 1000),
    ("u280", "prefill", 1, 200),
    ("u280-offchip", "decode", 2, 700),  # spill ST/LD(act) between ops
    ("vhk158", "prefill", 2, 130),
]


@pytest.mark.parametrize(("preset", "phase", "batch", "length"), CASES)
def test_fast_step_model_equals_reference(tiny_model, preset, phase, batch, length):
    hw = load_preset(preset)
    reqs = fixed(batch, length, 1, kv_len=length) if phase == "decode" else fixed(batch, length, 1)
    trace = build_trace(tiny_model, phase, reqs, quant="flightllm-paper", layers=3)
    fast_design, ref_design = FlightDesign(), FlightDesign(reference=True)
    prog = fast_design.compile(trace, hw)
    fast = fast_design.simulate(prog, hw)
    ref = ref_design.simulate(ref_design.compile(trace, hw), hw)
    assert fast.total_cycles == ref.total_cycles > 0
    assert fast.ops == ref.ops
    assert fast.energy_pj == ref.energy_pj
    assert fast.meta == ref.meta


def test_vectorised_per_op_equals_reference_loop(tiny_model):
    hw = load_preset("u280-offchip")
    design = FlightDesign()
    for phase, reqs in (("decode", fixed(2, 500, 1, kv_len=500)), ("prefill", fixed(1, 300, 1))):
        prog = design.compile(build_trace(tiny_model, phase, reqs, quant="flightllm-paper", layers=2), hw)
        rng = np.random.default_rng(3)
        n = len(prog.instrs)
        start = np.cumsum(rng.integers(0, 50, n)).tolist()
        sched = type("S", (), {"start": start, "end": [s + int(d) for s, d in zip(start, rng.integers(1, 90, n))]})()
        assert _per_op(prog, sched) == _per_op_reference(prog, sched)
