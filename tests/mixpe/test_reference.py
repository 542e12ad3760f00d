"""Two speeds of truth for the MixPE array: per-PE per-cycle fold == shared closed form,
and its numbers == the numerics of workloads/quant/group.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from llmaccel.sim.mixpe.pe import PE_PIPELINE_DEPTH
from llmaccel.sim.mixpe.reference import simulate_mixpe_os_fold
from llmaccel.sim.systolic.dataflow import fold_cycles
from llmaccel.sim.systolic.fast import gemm_cycles
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant import group as gq


def _case(rng):
    R, C = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    d = int(rng.choice([1, 2, 4]))
    gs = d * int(rng.integers(1, 9)) if rng.random() < 0.6 else int(rng.choice([32, 64]))
    K = int(rng.integers(1, 2 * gs + 5))
    G = gq.n_groups(K, gs)
    a = rng.integers(-128, 128, (R, K))
    q = rng.integers(-8, 8, (K, C))
    zero = rng.integers(-8, 8, (G, C))
    mant = rng.integers(1, 1 << 16, (G, C))
    return R, C, d, gs, K, a, q, zero, mant


def test_fold_reference_equals_closed_form_and_numerics():
    rng = np.random.default_rng(11)
    for _ in range(220):
        R, C, d, gs, K, a, q, zero, mant = _case(rng)
        O, cycles = simulate_mixpe_os_fold(a, q, zero, mant, gs, d)
        wq = gq.GroupQuantWeights(q, zero, mant.astype(float), mant, np.zeros(C, np.int64), 4, gs, "fixed")
        assert np.array_equal(O, gq.mpgemm_dequant_first_int(a, wq))  # independent order
        T = math.ceil(K / d)
        assert cycles == fold_cycles("os", R, C, T, PE_PIPELINE_DEPTH, convention="drain")
        assert cycles == gemm_cycles(R, C, K, R, C, "os", PE_PIPELINE_DEPTH, 0, d, fold_convention="drain")


def test_hand_counted_fold():
    # 1x1 array, one lane, K=2, one group: beats at cycles 0,1; stage 4 of the last beat at
    # cycle 1+3=4; drain 1 cycle -> 6 cycles = 2R + C + T - 2 + (L-1) = 2+1+2-2+3.
    O, cycles = simulate_mixpe_os_fold(
        np.array([[3, -2]]), np.array([[5], [-8]]), np.array([[1]]), np.array([[2]]), 2, 1
    )
    # 2 * (3*5 + (-2)(-8) - 1*(3 - 2)) = 2 * 30 = 60
    assert O[0, 0] == 60 and cycles == 6


def test_group_must_be_multiple_of_lanes():
    with pytest.raises(InputError):
        simulate_mixpe_os_fold(
            np.ones((1, 8), int), np.ones((8, 1), int), np.zeros((1, 1), int), np.ones((1, 1), int), 6, 4
        )
