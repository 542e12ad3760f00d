"""Mapping (channel assignment, sub-batches, capacity) and the NPU tile cost."""

import dataclasses

import numpy as np
import pytest

from llmaccel.mapping.neupims import assign_channels, split_sub_batches
from llmaccel.sim.neupims.npu import (
    attention_sa_cycles,
    attention_systolic_ws_cycles,
    softmax_systolic_ws_cycles,
    vector_cycles,
)
from llmaccel.sim.neupims.params import neupims_params
from llmaccel.sim.neupims.placement import place_kv
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError

P, DRAM = neupims_params(load_preset("neupims"))


def gemm_cycles(m, n, k, npu):
    """Cycles of the NPU's GEMM timing plug-in (the paper's FP16 NPU: one K row per PE cycle)."""
    return npu.timing().cycles(m, n, k, npu.native_pe().pe)


def gemm_cycles_reference(m, n, k, npu):
    return npu.timing().reference_cycles(m, n, k, npu.native_pe().pe)


def artifact_counts(m, n, k, npu):
    return npu.timing().artifact_counts(m, n, k)


def weight_passes(m, n, k, npu):
    return npu.timing().weight_passes(m, n, k)


def test_greedy_vs_round_robin():
    loads = np.array([10, 1, 1, 1, 10, 1])
    rr = assign_channels(loads, 2, "round_robin")
    assert rr.tolist() == [0, 1, 0, 1, 0, 1]
    g = assign_channels(loads, 2, "greedy")
    # 10 -> ch0; 1,1,1 -> ch1 (ch1 3 < 10); 10 -> ch1 (3 < 10); 1 -> ch0
    assert g.tolist() == [0, 1, 1, 1, 1, 0]
    per = lambda a: np.bincount(a, loads, 2)  # noqa: E731
    assert per(g).max() == 13 and per(rr).max() == 21
    # longest first (artifact trace generator): 10 (#0) -> ch0, 10 (#4) -> ch1, then the 1s
    # alternate: #1 ch0, #2 ch1, #3 ch0, #5 ch1
    lpt = assign_channels(loads, 2, "greedy_longest_first")
    assert lpt.tolist() == [0, 0, 1, 0, 1, 1]
    assert per(lpt).tolist() == [12, 12]
    with pytest.raises(InputError):
        assign_channels(loads, 2, "random")


def test_sub_batches_split_each_channel_in_half_by_count():
    # spec "each channel's requests split in half"; artifact: first half (batch order) -> 0,
    # odd channels alternate ceil / floor so the sub-batches differ by at most one request
    ch = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
    loads = np.array([50, 1, 1, 1, 9, 9, 9, 1, 1, 1])  # loads do not move requests
    sub = split_sub_batches(ch, loads)
    assert sub.tolist() == [0, 0, 1, 1, 0, 0, 1, 0, 1, 1]
    assert np.bincount(sub).tolist() == [5, 5]


def test_capacity_check():
    with pytest.raises(InputError, match="channel"):
        place_kv([2000] * 64, 32, 128, DRAM, P.pim, "greedy", True, layers=96)
    pl = place_kv([100] * 64, 8, 128, DRAM, P.pim, "greedy", True, layers=32)
    assert np.bincount(pl.channel).tolist() == [2] * 32


def test_gemm_pipelined_by_hand():
    npu = dataclasses.replace(P.npu, gemm_schedule="pipelined")
    # one 128x128 weight tile, m = 256: preload 2*128-1, then latency 128+128-2 + 256
    assert gemm_cycles(256, 128, 128, npu) == 255 + 254 + 256
    # 9 tiles over 8 arrays, m = 1 (min stream 4): the second tile's preload issues 128 after
    # the first starts (fill/drain overlapped), then its latency 254 + 4
    assert gemm_cycles(1, 3 * 128, 3 * 128, npu) == 255 + 128 + 254 + 4
    # 64 tiles, 8 per array, m = 256: streams back to back (256 > preload 128)
    assert gemm_cycles(256, 1024, 1024, npu) == 255 + 7 * 256 + 254 + 256
    # halving the tokens (sub-batches) re-pays only the one-off preload + fill/drain (509) when
    # m >= 128: 7*128 + 128 = 1024 streaming cycles per half vs 7*256 + 256 = 2048 for the whole
    assert gemm_cycles(128, 1024, 1024, npu) - 509 == 1024
    assert gemm_cycles(256, 1024, 1024, npu) - 509 == 2048
    assert vector_cycles(4096 * 3, 2, P.npu.vector_lanes) == 2 * 12


def test_gemm_artifact_schedule_by_hand():
    # the rule on a 1 MiB scratchpad (the artifact config's spad_size, which its simulator never reads)
    npu = dataclasses.replace(P.npu, gemm_schedule="artifact", spad_kib=1024, tile_spad_kib=None)
    # 128 tokens, k 128, n 256 fits one L2 tile: 1 preload (2*128-1), 1 reuse issued 16 later
    # (128 rows over 8 arrays), last latency 128+128-2+16
    assert gemm_cycles(128, 256, 128, npu) == 255 + 16 + 270
    # GPT3-7B TP4 QKV (m 256, k 4096, n 3072), 512 KiB half-scratchpad = 262,144 fp16:
    # halving 4096,3072,2048,1536,1024,768,512 gives L2 (m 256, k 256, n 384), outer (1,16,8):
    # token L1 2, k L1 32, n L1 24 -> preloads 2*32*8 = 512, reuse 2*32*24 - 512 = 1024
    assert artifact_counts(256, 3072, 4096, npu) == (512, 1024)
    assert gemm_cycles(256, 3072, 4096, npu) == 255 + 511 * 128 + 1024 * 16 + 270
    # tokens beyond 128 need a second stationary tile; 1..128 tokens cost the same
    assert gemm_cycles(1, 3072, 4096, npu) == gemm_cycles(128, 3072, 4096, npu)
    assert weight_passes(256, 3072, 4096, npu) == 1
    # 512 tokens: halving reaches (m 512, k 512, n 384) = 655,360 > 262,144; m is the first
    # largest -> 256 tokens per L2 tile, so the weights are read twice
    assert weight_passes(512, 3072, 4096, npu) == 2
    assert weight_passes(512, 3072, 4096, dataclasses.replace(npu, gemm_schedule="pipelined")) == 1


def test_gemm_artifact_schedule_tiles_to_sram_size_by_hand():
    # casys-kaist/NeuPIMs src/Common.cc:179: spad_size = config["sram_size"] = 134218 (KB, x1024), so
    # MatMul::calculate_loops (MatMul.cc:401) bounds an L2 tile by 134218 * 1024 / 2 = 68,719,616 B
    npu = P.npu
    assert npu.timing().spad_kib == 134218 and npu.spad_kib == 1024
    # GPT3-7B TP4 QKV (m 256, k 4096, n 3072): (256*4096 + 4096*3072 + 3072*256) * 2 = 28,835,840 B
    # fits one L2 tile: token L1 2, k L1 32, n L1 24 -> preloads 2*32 = 64, reuse 64*23 = 1472
    assert artifact_counts(256, 3072, 4096, npu) == (64, 1472)
    assert gemm_cycles(256, 3072, 4096, npu) == 255 + 63 * 128 + 1472 * 16 + 270 == 32_141
    assert weight_passes(512, 3072, 4096, npu) == 1
    # GPT3-30B TP4 QKV (m 256, k 7168, n 5376): 83,492,864 B > 68,719,616 -> k halves to 3584
    # (43,122,688 B): L2 (256, 3584, 5376), outer (1, 2, 1); token L1 2, k L1 2*28, n L1 42
    # -> preloads 2*56 = 112, reuse 2*56*42 - 112 = 4592
    assert npu.timing().l2_tiles(256, 7168, 5376) == ((256, 3584, 5376), (1, 2, 1))
    assert artifact_counts(256, 5376, 7168, npu) == (112, 4592)
    assert gemm_cycles(256, 5376, 7168, npu) == 255 + 111 * 128 + 4592 * 16 + 270 == 88_205


@pytest.mark.parametrize(
    "schedule,spad", [("pipelined", 1024), ("artifact", 1024), ("artifact", 192), ("artifact", 134218)]
)
def test_gemm_closed_form_equals_instruction_schedule(schedule, spad):
    npu = dataclasses.replace(P.npu, gemm_schedule=schedule, tile_spad_kib=spad)
    rng = np.random.default_rng(3)
    for _ in range(250):
        m, n, k = (int(x) for x in rng.integers(1, 900, 3))
        assert gemm_cycles(m, n, k, npu) == gemm_cycles_reference(m, n, k, npu), (m, n, k)


def test_artifact_scratchpad_too_small():
    npu = dataclasses.replace(P.npu, gemm_schedule="artifact", tile_spad_kib=128)
    with pytest.raises(InputError, match="tile_spad_kib"):
        gemm_cycles(64, 128, 128, npu)


def test_artifact_npu_only_attention_on_the_array_by_hand():
    npu = dataclasses.replace(P.npu, gemm_schedule="artifact")
    # FusedMHA: per (request, head) one q.K preload + ceil((L+127)/128) logits.V preloads:
    # L=100 -> 1 + 2, L=300 -> 1 + 4; 2 heads -> 16 preloads, 128 cycles apart
    assert attention_sa_cycles([100, 300], 2, npu.timing()) == 255 + 15 * 128 + (254 + 16)
    assert attention_sa_cycles([], 2, npu.timing()) == 0


def test_npu_only_branch_softmax_by_hand():
    # SystolicWS::get_vector_compute_cycles SOFTMAX: 2 x add-tree passes + ceil(n/128) x 3
    assert softmax_systolic_ws_cycles(100, 128) == 2 * 1 + 3 * 1 == 5
    # 211 -> add tree 2 + 1 = 3 passes, 2 vector iterations
    assert softmax_systolic_ws_cycles(211, 128) == 2 * 3 + 3 * 2 == 12
    # 20,000 -> ceil(20000/128) = 157, then 2, then 1: 160 passes; 157 iterations
    assert softmax_systolic_ws_cycles(20_000, 128) == 2 * 160 + 3 * 157


def test_npu_only_branch_attention_serial_preloads_by_hand():
    # npu-only branch, FusedMHA on SystolicWS, 128x128, 8 arrays, head_dim 128, 128-lane unit.
    # L = 211, per head: q.K 128+128+211//8-1 = 281; softmax 12; logits.V: 8 + 3 x (128+128+16-1)
    per_211 = 281 + 12 + 8 + 3 * 271
    assert per_211 == 1114
    assert attention_systolic_ws_cycles([211], 1, 128, 128, 128, 8, 128) == 8 + per_211
    # L = 100: q.K 255 + 12 = 267, softmax 5, logits.V 8 + 2 x 271; two requests x 2 heads
    per_100 = 267 + 5 + 8 + 2 * 271
    assert attention_systolic_ws_cycles([100, 211], 2, 128, 128, 128, 8, 128) == 8 + 2 * (per_100 + per_211)
    assert attention_systolic_ws_cycles([], 2, 128, 128, 128, 8, 128) == 0


def test_npu_only_branch_core_runs_attention_when_selected():
    from llmaccel.sim.neupims.pipeline import LayerWork, npu_attention

    hw = load_preset("neupims-npu-only")
    default, _ = neupims_params(hw)
    # the NPU-only preset follows the npu-only branch's core; NeuPIMs keeps the main branch's
    assert default.npu.mha_core == "systolic_ws" and P.npu.mha_core == "neupims_ws"
    p_npu, _ = neupims_params(hw)
    assert p_npu.npu.mha_core == "systolic_ws" and p_npu.npu.vector_units == 8
    work = LayerWork((), (), (100, 211), 2, 128)
    a = npu_attention(work, np.ones(2, bool), p_npu, rate=896.0)
    assert a.compute == 8 + 2 * (267 + 5 + 8 + 2 * 271) + 2 * 1114


def test_op_overlap_two_op_stage_by_hand():
    """npu.op_overlap: across_ops hides the summed weight stream under the summed compute;
    within_op (the artifact, src/operations/Operation.cc:107-116) runs each op as max(compute, its stream)
    and the vector ops in series."""
    from llmaccel.sim.neupims.params import npu_machine
    from llmaccel.sim.neupims.pipeline import GroupOp, PimTime, npu_group, stage

    assert P.npu.op_overlap == "within_op"  # the neupims family follows the artifact
    across = dataclasses.replace(P, npu=dataclasses.replace(P.npu, op_overlap="across_ops"))
    within = P
    machine = npu_machine(P)
    rate = 100.0  # bytes/cycle, chosen so the first GEMM is stream bound and the second compute bound
    # GEMM 1: m 128, n 256, k 128: one L2 tile, 1 preload (2*128-1) + 1 reuse 16 later + last 270
    #   = 541 cycles; 256*128*2 = 65,536 B -> 656 cycles of stream (stream bound)
    # GEMM 2: m 128, n 128, k 128: 1 preload (255) + last 270 = 525 cycles; 32,768 B -> 328 (compute bound)
    # norm over 128 tokens x 1024: 4 passes x ceil(131,072 / 1024) = 512 cycles
    two_gemms = (GroupOp("gemm", 256, 128, 1), GroupOp("gemm", 128, 128, 1))
    gemm_norm = (GroupOp("gemm", 256, 128, 1), GroupOp("norm", 1024, 0, 1))
    a = npu_group(two_gemms, 128, across, rate, machine)
    w = npu_group(two_gemms, 128, within, rate, machine)
    assert (a.compute, a.stream, a.wall) == (541 + 525, 656 + 328, 0)
    assert stage(a, PimTime(), True) == max(541 + 525, 656 + 328) == 1066
    assert w.wall == max(541, 656) + max(525, 328) == 1181
    assert stage(w, PimTime(), True) == 1181
    a = npu_group(gemm_norm, 128, across, rate, machine)
    w = npu_group(gemm_norm, 128, within, rate, machine)
    assert stage(a, PimTime(), True) == max(541 + 512, 656) == 1053
    assert stage(w, PimTime(), True) == max(541, 656) + 512 == 1168
    # beside PIM the NPU's op chain is a lower bound, PIM's bus cycles still slow the stream
    pm = PimTime(cycles=900, bus=600)
    assert stage(w, pm, True) == max(1168, 656 + 600, 900) == 1256
    assert stage(a, pm, True) == max(1053, 656 + 600, 900) == 1256
