"""Mapping (channel assignment, sub-batches, capacity) and the NPU tile cost."""
import math

import numpy as np
import pytest

from mapping.neupims import assign_channels, split_sub_batches
from sim.neupims.placement import place_kv
from sim.dram import load_dram
from sim.neupims.npu import gemm_cycles, gemm_cycles_reference, vector_cycles
from sim.neupims.params import neupims_params
from sim.neupims.pim import PimParams
from sim.preset import load_preset
from workloads.errors import InputError

P, DRAM = neupims_params(load_preset("neupims"))


def test_greedy_vs_round_robin():
    loads = np.array([10, 1, 1, 1, 10, 1])
    rr = assign_channels(loads, 2, "round_robin")
    assert rr.tolist() == [0, 1, 0, 1, 0, 1]
    g = assign_channels(loads, 2, "greedy")
    # 10 -> ch0; 1,1,1 -> ch1 (ch1 3 < 10); 10 -> ch1 (3 < 10); 1 -> ch0
    assert g.tolist() == [0, 1, 1, 1, 1, 0]
    per = lambda a: np.bincount(a, loads, 2)  # noqa: E731
    assert per(g).max() == 13 and per(rr).max() == 21
    with pytest.raises(InputError):
        assign_channels(loads, 2, "random")


def test_sub_batches_balance_each_channel():
    ch = np.array([0, 0, 0, 0, 1, 1])
    loads = np.array([5, 4, 3, 2, 7, 7])
    sub = split_sub_batches(ch, loads)
    # channel 0: 5 -> h0, 4 -> h1, 3 -> h1 (4 < 5), 2 -> h0: halves 7 / 7
    assert sub.tolist() == [0, 1, 1, 0, 0, 1]


def test_capacity_check():
    with pytest.raises(InputError, match="channel"):
        place_kv([2000] * 64, 32, 128, DRAM, P.pim, "greedy", True, layers=96)
    pl = place_kv([100] * 64, 8, 128, DRAM, P.pim, "greedy", True, layers=32)
    assert np.bincount(pl.channel).tolist() == [2] * 32


def test_gemm_tile_cost_by_hand():
    # one 128x128 weight tile, m = 256: preload 255 + 128+128-2 + 256
    assert gemm_cycles(256, 128, 128, P.npu) == 255 + 254 + 256
    # 9 tiles over 8 arrays: two rounds; m = 1 uses the minimum stream of 4
    assert gemm_cycles(1, 3 * 128, 3 * 128, P.npu) == 255 + 2 * (254 + 4)
    assert vector_cycles(4096 * 3, 2, P.npu) == 2 * 12


def test_gemm_closed_form_equals_tile_schedule():
    rng = np.random.default_rng(3)
    for _ in range(250):
        m, n, k = (int(x) for x in rng.integers(1, 700, 3))
        assert gemm_cycles(m, n, k, P.npu) == gemm_cycles_reference(m, n, k, P.npu)
