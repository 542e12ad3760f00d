"""Op-level model: double-buffer stalls vs an event-by-event simulation, hand-computed GEMMs, energy."""

import numpy as np
import pytest
from event_engine import Engine, Resource

from llmaccel.sim.energy import EnergyLedger, load_table
from llmaccel.sim.memory import OffChip
from llmaccel.sim.systolic.model import (
    ArrayParams,
    EnergyActions,
    MemParams,
    charge_gemm,
    double_buffer_total,
    simulate_gemm,
)
from llmaccel.sim.systolic.pe import FP16_PE, INT8_PE, PEType
from llmaccel.workloads.errors import InputError


def event_sim(compute, fetch, write, double_buffered=True):
    """Independent event-by-event model of the ping-pong controller.

    Rules: the DRAM is one serial server.  Block 0's fetch is issued at t=0.
    When block i starts computing, the controller issues (in this order) the
    write-back of block i-1's output and the fetch of block i+1.  Block i+1
    starts computing when block i has finished and both those transfers are
    done.  The last block's output is written when it finishes.
    Without double buffering every fetch, compute and write runs in series.
    """
    n = len(compute)
    if not double_buffered:
        t = 0
        for i in range(n):
            t += fetch[i] + compute[i] + write[i]
        return t
    eng = Engine()
    dram = Resource("dram")
    state = {"compute_done": {}, "dram_done": {}, "end": 0}

    def try_start(e, i):
        if i in state.get("started", set()):
            return
        prev_done = state["compute_done"].get(i - 1, 0 if i == 0 else None)
        dram_ok = state["dram_done"].get(i)
        if prev_done is None or dram_ok is None or prev_done > e.now or dram_ok > e.now:
            return
        state.setdefault("started", set()).add(i)
        if i > 0 or n > 1:
            # writes of i-1 then fetch of i+1, issued now
            end = e.now
            if i > 0:
                _, end = dram.acquire(e.now, write[i - 1])
            if i + 1 < n:
                _, end = dram.acquire(e.now, fetch[i + 1])
                state["dram_done"][i + 1] = end
                e.at(end, lambda e2, j=i + 1: try_start(e2, j))
        done = e.now + compute[i]
        state["compute_done"][i] = done

        def finish(e2, i=i):
            if i + 1 < n:
                try_start(e2, i + 1)
            else:
                _, end = dram.acquire(e2.now, write[i])
                state["end"] = max(end, e2.now)

        e.at(done, finish)

    _, f0 = dram.acquire(0, fetch[0])
    state["dram_done"][0] = f0
    eng.at(f0, lambda e: try_start(e, 0))
    eng.run()
    return state["end"]


def test_double_buffer_formula_equals_event_simulation():
    rng = np.random.default_rng(7)
    for _trial in range(300):
        n = int(rng.integers(1, 12))
        compute = rng.integers(1, 60, n)
        fetch = rng.integers(0, 80, n)
        write = rng.integers(0, 40, n) * rng.integers(0, 2, n)
        for db in (True, False):
            assert double_buffer_total(compute, fetch, write, db) == event_sim(compute, fetch, write, db)


def test_double_buffer_hand_case():
    # compute [10, 10, 10], fetch [5, 20, 5], write [0, 0, 7]
    # fetch0 5; phase0 max(10, 0 + 20) = 20; phase1 max(10, 0 + 5) = 10; phase2 max(10, 0 + 0) = 10; + write2 7
    assert double_buffer_total([10, 10, 10], [5, 20, 5], [0, 0, 7]) == 5 + 20 + 10 + 10 + 7


ANT_MEM = MemParams(256 * 1024, 128 * 1024, 128 * 1024, OffChip(1, 64.0, 100.0, 128, 500.0))
ARR32 = ArrayParams(32, 32, "os")


def test_small_gemm_by_hand():
    # 32x32x32 int8 on a 32x32 os array, everything in one block.
    # 64 GB/s @ 500 MHz = 128 B/cycle; latency 100 ns = 50 cycles.
    # fetch a (1024 B): 50 + 8 = 58; fetch b: 58 -> 116.  compute (scalesim-v3 os fold):
    # T + R + C - 2 = 32 + 32 + 32 - 2 = 94.  write out (32*32 int8 = 1024 B): 58.
    # total 116 + 94 + 58 = 268.
    st = simulate_gemm(32, 32, 32, ARR32, ANT_MEM, INT8_PE, 8, 8, 8)
    assert (st.compute_cycles, st.cycles, st.stall_cycles) == (94, 268, 174)
    # the drain convention adds R = 32 cycles of accumulator shift-out per fold
    drain = simulate_gemm(32, 32, 32, ArrayParams(32, 32, "os", fold_convention="drain"), ANT_MEM, INT8_PE, 8, 8, 8)
    assert (drain.compute_cycles, drain.cycles, drain.stall_cycles) == (126, 300, 174)
    assert (st.dram_read, st.dram_write) == (2048, 1024)
    # SRAM: array reads a and b once (2048 B), writes 32x32 int32 (4096 B);
    # DRAM fills are writes (2048 B), the write-back is a read (1024 B)
    assert st.sram_read == 2048 + 1024 and st.sram_write == 4096 + 2048
    assert st.macs == 32**3 and st.folds == 1


def test_energy_ledger_hand_sum():
    st = simulate_gemm(32, 32, 32, ARR32, ANT_MEM, INT8_PE, 8, 8, 8)
    ledger = EnergyLedger(load_table(), node_nm=28)
    comp = charge_gemm(ledger, st, INT8_PE, ARR32, EnergyActions(), count=2)
    f28 = (28 / 45) * (0.9 / 1.0) ** 2  # C*V^2 rule of sim/tables/energy.yaml
    macs = 2 * 32**3
    assert comp["pe_array"] == pytest.approx(macs * (0.2 + 0.1) * f28)  # int8 mult + int32 add
    assert comp["sram"] == pytest.approx(2 * (3072 + 6144) * 8 / 64 * 10.0 * f28)
    assert comp["dram"] == pytest.approx(2 * 3072 * 8 * 3.9)  # hbm2 pJ/bit, not scaled
    assert ledger.total_pj == pytest.approx(sum(comp.values()))


def test_bit_slicing_passes():
    pe4 = PEType("int4", 4, 4, "int", mac_actions=("int8_mult",))
    one = simulate_gemm(32, 32, 32, ARR32, ANT_MEM, pe4, 4, 4, 8)
    four = simulate_gemm(32, 32, 32, ARR32, ANT_MEM, pe4, 8, 8, 8)
    assert four.passes == 4 and one.passes == 1
    assert four.compute_cycles == 4 * one.compute_cycles == 4 * 94


def test_float_operands_on_int_pe_rejected():
    with pytest.raises(InputError) as e:
        simulate_gemm(4, 4, 4, ARR32, ANT_MEM, INT8_PE, 16, 16, 16, True, True, "op L0.q_proj")
    assert e.value.field == "quant"
    with pytest.raises(InputError):
        FP16_PE.passes(32, 16)


def test_stalls_vanish_with_huge_bandwidth_and_grow_when_starved():
    fast_mem = MemParams(256 * 1024, 128 * 1024, 128 * 1024, OffChip(1, 1e6, 0.0, 128, 500.0))
    st = simulate_gemm(256, 256, 256, ARR32, fast_mem, INT8_PE, 8, 8, 8)
    # K is never split: 8 x 8 folds of T + R + C - 2 = 256 + 32 + 32 - 2 = 318 cycles
    assert st.compute_cycles == 8 * 8 * 318
    # every transfer takes 1 cycle (one burst at ~infinite bandwidth): only prologue/epilogue remain
    assert st.stall_cycles <= 4
    slow_mem = MemParams(256 * 1024, 128 * 1024, 128 * 1024, OffChip(1, 1.0, 0.0, 128, 500.0))
    slow = simulate_gemm(256, 256, 256, ARR32, slow_mem, INT8_PE, 8, 8, 8)
    # 1 GB/s = 2 B/cycle: at least the compulsory traffic (a, b once, out once) must be moved
    assert slow.cycles >= (3 * 256 * 256) / 2


def test_edge_decoder_hook_adds_latency_per_fold():
    base = simulate_gemm(64, 64, 16, ARR32, ANT_MEM, INT8_PE, 8, 8, 8)
    dec = simulate_gemm(64, 64, 16, ArrayParams(32, 32, "os", 3, "int8_add"), ANT_MEM, INT8_PE, 8, 8, 8)
    assert dec.compute_cycles - base.compute_cycles == 3 * base.folds
    # every operand element entering the array passes a decoder: a 64x16 read per column fold (2),
    # b 16x64 per row fold (2)
    assert dec.edge_decodes == 64 * 16 * 2 + 16 * 64 * 2


def test_bad_dataflow():
    with pytest.raises(InputError):
        ArrayParams(4, 4, "rs")
