"""The naive NPU+PIM baseline's PIM command issue as the authors' artifact does it (issue 11).

Branch npu+pim of casys-kaist/NeuPIMs pops one PIM instruction per NPU core cycle for the whole
device (src/NeuPIMSystolicWS.cc:153 ``if``; main :165 ``while``) and, with newton.json's
``dram_type newton``, emits one PIM_COMP per dot product plus a PIM_READRES
(src/operations/NeuPIMSLogitSoftmax.cc:231-252, src/operations/NeuPIMSAttend.cc:204-225)."""

import numpy as np
import pytest

from llmaccel.sim.designs import run
from llmaccel.sim.neupims.params import neupims_params
from llmaccel.sim.neupims.pim import newton_instruction_count
from llmaccel.sim.neupims.pipeline import NpuTime, PimTime, stage
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import fixed

# newton.json: 1 KB rows of fp16 = 512 elements, 32 banks per channel, 16 elements per COMP
ROW, BANKS, LANES = 512, 32, 16


def test_instruction_count_by_hand():
    # GPT3-7B at TP4: 8 heads of 128 per device (E = 1024 = 2 rows), 200 tokens.
    # K.q: 2 GWRITE + 2 chunks x 7 key tiles (ceil(200/32)) P_HEADER + 7 tiles x 8 heads x (8 COMP + 1 READRES)
    #      = 2 + 14 + 504 = 520
    # L.V: 8 heads x 1 chunk x (1 GWRITE + 4 tiles (128/32) x (1 P_HEADER + 13 COMP (ceil(200/16)) + 1 READRES))
    #      = 8 x 61 = 488
    assert newton_instruction_count(np.array([200]), 8, 128, ROW, BANKS, LANES).tolist() == [520 + 488]
    # 600 tokens: 19 key tiles; L.V chunks of 512 (32 COMPs) and 88 (6 COMPs)
    # K.q = 2 + 38 + 19 x 72 = 1408; L.V = 8 x ((1 + 4 x 34) + (1 + 4 x 8)) = 8 x 170 = 1360
    assert newton_instruction_count(np.array([600]), 8, 128, ROW, BANKS, LANES).tolist() == [1408 + 1360]
    # GPT3-30B at TP4: 14 heads (E = 1792): chunks of 4, 4, 4, 2 heads; 32 tokens = 1 key tile, 2 COMPs per V tile
    # K.q = 4 + 4 + 1 x 14 x 9 = 134; L.V = 14 x (1 + 4 x (2 + 2)) = 238
    assert newton_instruction_count(np.array([32]), 14, 128, ROW, BANKS, LANES).tolist() == [134 + 238]
    # per request, vectorised
    assert newton_instruction_count(np.array([200, 600]), 8, 128, ROW, BANKS, LANES).tolist() == [1008, 2768]


def test_presets_pick_the_artifact_branch():
    """Only the naive baseline (npu+pim branch) issues serially; NeuPIMs and its ablation presets run the
    main branch's composite commands."""
    for name, issue in (
        ("neupims-naive", "serial_fine_grained"),
        ("neupims", "composite_parallel"),
        ("neupims-no-dual", "composite_parallel"),
        ("neupims-no-interleave", "composite_parallel"),
        ("neupims-round-robin", "composite_parallel"),
        ("neupims-npu-only", "composite_parallel"),
    ):
        p, _ = neupims_params(load_preset(name))
        assert p.pim.issue == issue, name


def test_stage_takes_the_slower_of_channel_and_issue_port():
    pm = PimTime(cycles=70, bus=5, issue=90)
    assert pm.phase == 90
    assert stage(NpuTime(compute=30), pm, dual=False, softmax=30) == 120  # issue, then the serial softmax
    assert stage(NpuTime(compute=30), pm, dual=True, softmax=30) == 90
    assert stage(NpuTime(compute=100, stream=20), pm, dual=False, softmax=30) == 120
    # a channel slower than the port binds as before
    assert stage(NpuTime(compute=30), PimTime(cycles=70, issue=50), dual=False, softmax=30) == 100


@pytest.mark.parametrize("kv", [200, 600])
def test_stage_rule_and_command_level_agree_on_the_issue_bound(kv):
    """The closed-form stage rule and the command-level channel (composition: command) apply the same
    bound: naive MHA = issue port + softmax when the port binds."""
    naive = load_preset("neupims-naive")
    tr = build_trace("gpt3-7b", "decode", fixed(16, kv, 10, kv_len=kv, phase="decode"), tp=4, layers=1)
    st = run(tr, naive).meta["stages"]["MHA"]
    cm = run(tr, naive.with_overrides({"composition": "command"}, "test")).meta["stages"]["MHA"]
    per_req = newton_instruction_count(np.array([kv]), 8, 128, ROW, BANKS, LANES)[0]
    assert st == cm
    assert st > 16 * per_req and st - 16 * per_req < 0.1 * st  # the port, plus the softmax in series
