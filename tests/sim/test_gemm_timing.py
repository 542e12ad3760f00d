"""The host's GEMM timing plug-ins (sim/systolic/timing.py): each closed form equals its slow
reference on random shapes (edge tiles included), and the plug-in is what the host's block
cost runs on."""

from __future__ import annotations

import numpy as np
import pytest

from llmaccel.sim.systolic.model import ArrayParams, BlockCost
from llmaccel.sim.systolic.pe import PEType
from llmaccel.sim.systolic.timing import FoldTiming, InstructionPipelineTiming

#: a 4-lane PE with a 2-cycle pipeline (dot width and latency both change the cycles)
WIDE = PEType("w4x4", 4, 4, "int", 4, 2, 32, ())
PLAIN = PEType("p8", 8, 8, "int", 1, 1, 32, ())


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
@pytest.mark.parametrize("convention", ["scalesim-v3", "drain"])
def test_fold_timing_closed_form_equals_per_cycle_reference(dataflow, convention):
    rng = np.random.default_rng(11)
    for _ in range(6):
        rows, cols = (int(x) for x in rng.integers(2, 6, 2))
        m, n, k = (int(x) for x in rng.integers(1, 14, 3))
        edge = int(rng.integers(0, 2))
        t = FoldTiming(ArrayParams(rows, cols, dataflow, edge, fold_convention=convention))
        for pe in (PLAIN, WIDE):
            assert t.cycles(m, n, k, pe) == t.reference_cycles(m, n, k, pe), (rows, cols, m, n, k, pe.name)


@pytest.mark.parametrize("convention", ["scalesim-v3", "drain"])
def test_fold_timing_with_pe_lanes_over_m_and_n_equals_reference(convention):
    rng = np.random.default_rng(12)
    for _ in range(8):
        rows, cols = (int(x) for x in rng.integers(1, 5, 2))
        m, n, k = (int(x) for x in rng.integers(1, 18, 3))
        lanes = [(2, 2), (4, 1), (1, 2)][int(rng.integers(3))]
        t = FoldTiming(ArrayParams(rows, cols, "os", fold_convention=convention), *lanes)
        assert t.cycles(m, n, k, WIDE) == t.reference_cycles(m, n, k, WIDE), (rows, cols, m, n, k, lanes)


def test_fold_timing_lanes_by_hand():
    # 4 x 4 PEs of 4 lanes, L = 2, M = 8, N = 8, K = 16, scalesim-v3 (fold = T + R + C - 2 + L - 1):
    # along K: ceil(8/4)^2 = 4 folds of 4 + 4 + 4 - 2 + 1 = 11 -> 44 cycles;
    # 2 x 2 over M x N: 1 fold of 16 + 4 + 4 - 2 + 1 = 23 cycles
    along_k = FoldTiming(ArrayParams(4, 4, "os"))
    over_mn = FoldTiming(ArrayParams(4, 4, "os"), 2, 2)
    assert along_k.cycles(8, 8, 16, WIDE) == 44
    assert over_mn.cycles(8, 8, 16, WIDE) == 23
    assert (along_k.folds(8, 8, 16, WIDE), over_mn.folds(8, 8, 16, WIDE)) == (4, 1)
    # 4 lanes cannot be laid out as 3 x 1
    from llmaccel.workloads.errors import InputError

    with pytest.raises(InputError):
        FoldTiming(ArrayParams(4, 4, "os"), 3, 1).cycles(8, 8, 16, WIDE)


def test_fold_timing_by_hand():
    # ws, 4 x 4 array, plain MAC, scalesim-v3: fold = 2R + C + T - 2 = 8 + 4 + 6 - 2 = 16 with
    # T = m = 6 streamed rows; K 8 -> 2 row folds, N 4 -> 1 column fold: 2 folds, 32 cycles
    t = FoldTiming(ArrayParams(4, 4, "ws"))
    assert t.cycles(6, 4, 8, PLAIN) == 32
    assert t.folds(6, 4, 8, PLAIN) == 2
    assert t.weight_passes(6, 4, 8) == 1


@pytest.mark.parametrize(("schedule", "spad"), [("pipelined", 1024), ("artifact", 1024), ("artifact", 192)])
def test_instruction_pipeline_closed_form_equals_issue_walk_on_a_hosted_pe(schedule, spad):
    # a 4-lane PE with a 3-cycle edge decoder: K rows = ceil(k / 4), decoder once per fold
    t = InstructionPipelineTiming(8, 128, 128, 4, schedule, spad, 2, decoder_latency=3)
    rng = np.random.default_rng(5)
    for _ in range(60):
        m, n, k = (int(x) for x in rng.integers(1, 1500, 3))
        assert t.cycles(m, n, k, WIDE) == t.reference_cycles(m, n, k, WIDE), (m, n, k)


def test_instruction_pipeline_decoder_and_dot_width_by_hand():
    # pipelined, 8 arrays of 128 x 128: 4 tokens, n 256, k 2048 on a 4-lane PE -> 512 K rows:
    # tiles 4 x 2 = 8, one per array (T = 1): (2R - 1) + (R + C - 2 + max(4, 4)) = 513, plus
    # 3 decoder cycles x 1 fold
    t = InstructionPipelineTiming(8, 128, 128, 4, "pipelined", 1024, 2, decoder_latency=3)
    assert t.folds(4, 256, 2048, WIDE) == 1
    assert t.cycles(4, 256, 2048, WIDE) == 513 + 3
    # the host's block cost multiplies the plug-in's cycles by the PE passes
    assert BlockCost(t, WIDE, 4)(4, 256, 2048) == 4 * 516


def test_instruction_pipeline_has_no_sparse_mux():
    from llmaccel.sim.systolic.dataflow import SparsePattern
    from llmaccel.workloads.errors import InputError

    t = InstructionPipelineTiming(8, 128, 128, 4, "pipelined", 1024, 2)
    with pytest.raises(InputError, match="sparse MUX"):
        t.cycles(4, 256, 512, PLAIN, SparsePattern(16, 2, 4))
