"""NeuPIMs NPU SRAM traffic, its energy and NPU static power, against hand counts.

Byte counts are worked out by hand from the tile structure (docs/neupims.md, NPU and
Energy); energies from the source figures (Horowitz 1 MB cache 100 pJ per 64-bit access,
CACTI 296.2 mW per MiB, MixPE 192.9 uW leakage beside 840.0 uW dynamic at 500 MHz) and the
shared node rule, not from the code's table.
"""

import dataclasses

import numpy as np
import pytest

from llmaccel.sim.neupims.design import iteration_energy
from llmaccel.sim.neupims.params import neupims_params
from llmaccel.sim.neupims.pipeline import GroupOp, IterationResult, LayerWork, simulate_iteration
from llmaccel.sim.neupims.sram_energy import attention_sram_bytes, gemm_sram_bytes
from llmaccel.sim.preset import load_preset

P, DRAM = neupims_params(load_preset("neupims"))  # artifact schedule, 1 MiB scratchpad
NPU_ONLY, _ = neupims_params(load_preset("neupims-npu-only"))
F22 = (22 / 45) * (0.8 / 1.0) ** 2  # shared C V^2 rule, 45 -> 22 nm
SRAM_PJ_PER_BYTE_22 = 100.0 / 8 * F22  # Horowitz 1 MB, 64-bit access
MIXPE_MW_PER_PJ_CYCLE = 0.1929 / (0.840 / 0.5)  # leakage mW per pJ of dynamic energy per cycle


def _npu(p, **kw):
    return dataclasses.replace(p, npu=dataclasses.replace(p.npu, **kw))


def bytes_of(spad_write, spad_read, acc):
    return {"spad_write": spad_write, "spad_read": spad_read, "acc_write": acc, "acc_read": acc}


# ---- GEMM byte counts -------------------------------------------------------------------


def test_pipelined_gemm_bytes_by_hand():
    p = _npu(P, gemm_schedule="pipelined").npu
    # m=3 tokens, n=200, k=300: weight tiles ceil(300/128)=3 x ceil(200/128)=2
    # spad writes: weights 200*300 + activations 3*300, 2 B each
    # spad reads: weights once, activations once per output-column tile (2)
    # accumulator: 3*200 partial sums per K tile (3), written and read back
    assert gemm_sram_bytes(3, 200, 300, p) == bytes_of((60_000 + 900) * 2, (60_000 + 1_800) * 2, 3 * 200 * 3 * 2)


def test_artifact_gemm_bytes_one_l2_tile():
    p = P.npu
    # (tokens 128, k 384, n 256 padded) * 2 B = 360,448 B <= half the scratchpad: one L2 tile;
    # one token L1 tile, 3 K L1 tiles
    assert gemm_sram_bytes(3, 200, 300, p) == bytes_of((60_000 + 900) * 2, (900 + 60_000) * 2, 3 * 200 * 3 * 2)
    # 300 tokens: 3 token L1 tiles in one L2 tile -> the weights stream 3 times, are loaded once
    # (padded 384 x 128 x 128: 229,376 B fits)
    assert gemm_sram_bytes(300, 128, 128, p) == bytes_of(
        (128 * 128 + 300 * 128) * 2, (300 * 128 + 128 * 128 * 3) * 2, 300 * 128 * 2
    )


def test_artifact_gemm_bytes_many_l2_tiles():
    p = _npu(P, tile_spad_kib=192).npu
    # half of 192 KiB = 98,304 B = three 128x128 fp16 tiles.  (m, k, n) = (200, 300, 260) halves
    # k -> 150, n -> 130, m -> 100, k -> 75, n -> 65: L2 tiles m 2 x 100, k 4 x 75, n 4 x 65.
    # token L2 = 2, output L2 = 4, token L1 = 2 (one per 100-token L2 tile), K L1 = 4
    spad_write = (260 * 300 * 2 + 200 * 300 * 4) * 2
    spad_read = (200 * 300 * 4 + 260 * 300 * 2) * 2
    assert gemm_sram_bytes(200, 260, 300, p) == bytes_of(spad_write, spad_read, 200 * 260 * 4 * 2)
    # the scratchpad receives every HBM weight byte once: weights x weight_passes
    assert 260 * 300 * 2 * p.timing().weight_passes(200, 260, 300) == 260 * 300 * 2 * 2


def test_no_tokens_no_bytes():
    assert set(gemm_sram_bytes(0, 64, 64, P.npu).values()) == {0}


def test_npu_only_attention_bytes():
    # 2 requests of 10 and 20 tokens, 2 heads of 128: K+V 2*30*2*128, q 2*2*128, logits 30*2
    kv, q, logits = 2 * 30 * 2 * 128, 2 * 2 * 128, 60
    # artifact: one output partial sum per 128-token V tile (1 per request here)
    assert attention_sram_bytes([10, 20], 2, 128, P.npu) == bytes_of(
        (kv + q) * 2, (kv + q + logits) * 2, (logits + 2 * 2 * 128) * 2
    )
    # a 300-token request has 3 V tiles
    assert attention_sram_bytes([300], 1, 128, P.npu)["acc_write"] == (300 + 3 * 128) * 2
    pl = _npu(P, gemm_schedule="pipelined").npu
    assert attention_sram_bytes([300], 1, 128, pl)["acc_write"] == (300 + 128) * 2


# ---- energy = bytes x pJ/byte, leakage = power x time ---------------------------------


def _it(cycles=1000, sram=None, velems=0):
    return IterationResult(
        cycles=cycles,
        stages={},
        npu_busy=0,
        npu_macs=0,
        npu_vector_elems=velems,
        pim_busy=0,
        pim_macs=0,
        weight_bytes=0,
        layers=1,
        sram_bytes=sram or {},
    )


def test_sram_energy_is_bytes_times_pj_per_byte():
    sram = {"spad_read": 1000, "spad_write": 2000, "acc_read": 300, "acc_write": 400}
    e = iteration_energy(_it(sram=sram, velems=50), P, DRAM)
    # vector lane-ops: one 2 B operand read and one 2 B result written each
    assert e["npu_sram"] == pytest.approx((3700 + 50 * 2 * 2) * SRAM_PJ_PER_BYTE_22)
    assert SRAM_PJ_PER_BYTE_22 == pytest.approx(3.911, abs=1e-3)


def test_leakage_is_power_times_time():
    e = iteration_energy(_it(cycles=2000), P, DRAM)
    macs, lanes = 8 * 128 * 128, 1024
    logic_mw = (macs * 1.5 + lanes * 0.4) * F22 * MIXPE_MW_PER_PJ_CYCLE  # fp16 mult+add per MAC, add per lane
    sram_mw = 296.2 * 2  # 1 MiB scratchpad + 1 MiB accumulator
    ns = 2000 / 1000 * 1000  # 2,000 cycles at 1 GHz
    assert e["npu_leakage"] == pytest.approx((logic_mw + sram_mw) * ns, rel=1e-3)
    assert logic_mw == pytest.approx(7078, abs=1)  # 197,017.6 pJ x 0.3129 x 0.1148: ~7.1 W
    # twice the time, twice the leakage; no traffic, no SRAM energy
    assert iteration_energy(_it(cycles=4000), P, DRAM)["npu_leakage"] == pytest.approx(2 * e["npu_leakage"])
    assert e["npu_sram"] == 0


# ---- the iteration carries the counts and its totals include the new components -------

WORK = LayerWork(
    qkv=(GroupOp("gemm", 200, 300, 1),), pf=(GroupOp("eltwise", 200, 0, 1),), kv_len=(10, 20), heads=2, head_dim=128
)
LAYERS = 3
COMPONENTS = {"npu_array", "npu_vector", "hbm", "pim", "hbm_refresh", "hbm_background", "npu_sram", "npu_leakage"}


def gemm_bytes(m):
    """Hand counts of the 200 x 300 weight GEMM for m <= 128 tokens (one L2 tile, 3 K L1 tiles)."""
    if m == 0:
        return bytes_of(0, 0, 0)
    return bytes_of((60_000 + 300 * m) * 2, (300 * m + 60_000) * 2, m * 200 * 3 * 2)


def add(*ds):
    return {k: sum(d[k] for d in ds) for k in ds[0]}


def test_npu_only_iteration_bytes_and_components():
    it = simulate_iteration(WORK, LAYERS, NPU_ONLY, DRAM)
    attn = bytes_of((15_360 + 512) * 2, (15_360 + 512 + 60) * 2, (60 + 512) * 2)
    assert it.sram_bytes == {k: LAYERS * v for k, v in add(gemm_bytes(2), attn).items()}
    e = iteration_energy(it, NPU_ONLY, DRAM)
    assert COMPONENTS - {"pim"} <= set(e) and e["npu_sram"] > 0 and e["npu_leakage"] > 0


def test_pim_iteration_bytes_not_interleaved():
    it = simulate_iteration(WORK, LAYERS, P, DRAM)  # batch 2 < 256: no sub-batches
    logits = bytes_of(60 * 2, 60 * 2, 0)  # READRES in, GWRITE out
    assert it.sram_bytes == {k: LAYERS * v for k, v in add(gemm_bytes(2), logits).items()}
    e = iteration_energy(it, P, DRAM)
    assert set(e) == COMPONENTS
    vec = it.npu_vector_elems * 2 * 2
    assert e["npu_sram"] == pytest.approx((sum(it.sram_bytes.values()) + vec) * SRAM_PJ_PER_BYTE_22)


def test_pim_iteration_bytes_interleaved():
    p = dataclasses.replace(P, features=dataclasses.replace(P.features, sub_batch_min_batch=0))
    it = simulate_iteration(WORK, LAYERS, p, DRAM)
    m = np.bincount(it.placement.sub_batch, minlength=2)
    # each sub-batch runs QKV and PF once per block (weights re-streamed), softmax of all logits
    per_layer = add(gemm_bytes(int(m[0])), gemm_bytes(int(m[1])), bytes_of(120, 120, 0))
    assert it.sram_bytes == {k: LAYERS * v for k, v in per_layer.items()}


def test_repro_energy_includes_sram_and_leakage():
    from llmaccel.reproduce.neupims import run_system

    for preset in ("neupims", "neupims-npu-only"):
        _tps, it, energy, p = run_system("gpt3-7b", 64, "alpaca", preset)
        assert {"npu_sram", "npu_leakage"} <= set(energy)
        # weights and partial sums pass through the SRAMs: at least the HBM weight bytes are written
        assert it.sram_bytes["spad_write"] >= it.weight_bytes
