"""ISA encoding, compiler structure, buckets, scheduler vs closed form."""

from __future__ import annotations

import numpy as np
import pytest

from llmaccel.mapping.flightllm.compiler import CompilerParams, block_n_for, bucket_of, compile_trace, weight_bytes
from llmaccel.mapping.flightllm.isa import Instr, decode, encode
from llmaccel.sim.flightllm.scheduler import double_buffer_closed_form, schedule
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import fixed

WORDS = {"LD": 7, "ST": 3, "MM": 4, "MV": 4, "MISC": 3, "SYS": 1}


def test_encode_decode_round_trip_and_widths():
    cases = [
        Instr(
            "LD", 5, ["mpe", "st", "st"], ["mpe"], {"bytes": 7045018, "addr": (3 << 32) + 17, "sram": 9, "kind": "kv"}
        ),
        Instr("ST", 9, ["mpe"], ["ld"], {"bytes": 4096, "addr": 123}),
        Instr("MV", 2, ["ld"], ["ld", "sfu"], {"m": 1, "n": 1632, "k": 4096, "nnz16": 11, "col0": 3264}),
        Instr("MM", 2, [], [], {"m": 512, "n": 2, "k": 11008, "nnz16": 16, "col0": 0}),
        Instr("MISC", 7, ["mpe"], ["mpe"], {"func": "rmsnorm", "rows": 1, "cols": 4096, "passes": 2}),
        Instr("SYS", 0, [], [], {}),
    ]
    for ins in cases:
        ws = encode(ins, WORDS)
        assert len(ws) == WORDS[ins.opcode] and all(0 <= w < 2**32 for w in ws)
        back = decode(ws)
        assert back.opcode == ins.opcode and back.op == ins.op
        assert sorted(back.release) == sorted(ins.release)
        assert sorted(back.wait) == sorted(ins.wait)
        for k, v in ins.args.items():
            assert back.args[k] == v
    assert encode(cases[0], WORDS)[0] & 0xF == 1  # LD opcode
    with pytest.raises(InputError):
        encode(Instr("MV", 0, [], [], {"m": 1 << 16, "n": 1, "k": 1}), WORDS)


def test_buckets_by_hand():
    cp = CompilerParams.of(load_preset("u280"))
    assert [bucket_of(x, "prefill", cp) for x in (1, 128, 129, 2048)] == [128, 128, 256, 2048]
    assert [bucket_of(x, "decode", cp) for x in (1, 16, 17, 1000, 2047)] == [16, 16, 32, 1008, 2048]
    with pytest.raises(InputError):
        bucket_of(2049, "decode", cp)
    with pytest.raises(InputError):
        bucket_of(0, "prefill", cp)


def test_block_map_mean_density_is_exact():
    rng = np.random.default_rng(0)
    for d in (0.7, 0.5, 0.3, 1.0, 0.125):
        bn = block_n_for(d, 40, 25, rng)
        assert set(np.unique(bn)) <= {0, 2, 4, 8, 16}
        assert abs(bn.mean() / 16 - d) <= 1 / (16 * 1000) + 1e-12 or abs(bn.mean() / 16 - d) < 0.001


def test_compiler_tiles_fit_buffers_and_modes_differ(tiny_model):
    hw = load_preset("u280")
    cp = CompilerParams.of(hw)
    tr = build_trace(tiny_model, "decode", fixed(1, 100, 1, kv_len=100), quant="flightllm-paper", include_lm_head=True)
    prog = compile_trace(tr, cp)
    half = cp.buffers.weight_kib * 1024 * cp.compute.cores / 2
    lds = [i for i in prog.instrs if i.opcode == "LD"]
    assert lds and all(i.args["bytes"] <= half for i in lds if i.args["kind"] == "weight")
    assert not any(i.args["kind"] == "act" for i in lds)  # always-on-chip decode
    fused_roles = {prog.ops[j].role for i in prog.instrs for j in i.args.get("fused_sfu", [])}
    assert {"rope", "softmax", "act", "gate_mul", "residual_attn", "residual_ffn"} <= fused_roles
    misc = {prog.ops[i.op].role for i in prog.instrs if i.opcode == "MISC"}
    assert "softmax" not in misc and "norm_attn" in misc
    # INT8 first/last block (mixed precision per layer), INT4 in between
    bits = {o.layer: o.b_spec.bits for o in prog.ops if o.role == "ffn_up"}
    assert bits[0] == 8 and bits[tiny_model.num_hidden_layers - 1] == 8 and bits[1] == 4
    off = compile_trace(tr, CompilerParams.of(load_preset("u280-offchip")))
    assert sum(1 for i in off.instrs if i.opcode == "LD" and i.args["kind"] == "act") >= len(tr.ops) - 1
    assert off.storage_bytes() > prog.storage_bytes()


def test_sparse_weight_bytes_include_indices_and_block_headers(tiny_model):
    cp = CompilerParams.of(load_preset("u280"))
    tr = build_trace(tiny_model, "decode", fixed(1, 10, 1, kv_len=10), quant="flightllm-paper", layers=1)
    q = next(o for o in tr.ops if o.role == "q_proj")
    # 256x256 INT4 at density 0.7: codes 0.7*4 bits + 4-bit index per non-zero, 1 byte per 16x16 block
    assert weight_bytes(q, cp) == pytest.approx(256 * 256 * 0.7 * (4 + 4) / 8 + 16 * 16)


def test_scheduler_equals_double_buffer_closed_form():
    rng = np.random.default_rng(1)
    for _ in range(300):
        n, l, c, cr = (
            int(rng.integers(1, 30)),
            int(rng.integers(1, 60)),
            int(rng.integers(1, 60)),
            int(rng.integers(1, 4)),
        )
        ins = []
        for i in range(n):
            ins += [Instr("LD", i, ["mpe"], ["mpe"]), Instr("MV", i, ["ld"], ["ld"])]
        s = schedule(ins, {("mpe", "ld"): cr}, lambda x, t, l=l, c=c: l if x.opcode == "LD" else c)
        assert s.makespan == double_buffer_closed_form(l, c, n, cr)


def test_scheduler_detects_deadlock():
    with pytest.raises(InputError):
        schedule([Instr("MV", 0, ["ld"], [])], {}, lambda x, t: 1)
