"""cocotb testbench for rtl/flightllm/dsp_group.py: one beat per cycle from a JSON file
(path in env ``FLIGHTLLM_DG_VECTORS``, see rtl/flightllm/vectors.py); beat ``t`` is driven
after falling edge ``t``; its sums, valid and emit must show at falling edge
``t + latency`` (latency from the file = the model's DG pipeline depth)."""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.triggers import FallingEdge

from llmaccel.rtl.tb_util import start_in_reset

PORTS = ("win_hi", "win_lo", "w0", "w1", "idx0", "idx1", "cin_hi", "cin_lo", "zero", "emit", "valid")


@cocotb.test()
async def dg_stream_matches_model(dut):
    vec = json.loads(open(os.environ["FLIGHTLLM_DG_VECTORS"]).read())
    beats, expect, lat = vec["beats"], vec["expect"], vec["latency"]
    await start_in_reset(dut, PORTS)
    errors: list[str] = []
    checked = 0
    for t in range(len(beats) + lat + 1):
        await FallingEdge(dut.clk)
        b = t - lat
        if 0 <= b < len(beats):
            hi, lo, v, e = expect[b]
            got_v, got_e = int(dut.out_valid.value), int(dut.out_emit.value)
            got = [dut.sum_hi.value.to_signed(), dut.sum_lo.value.to_signed(), got_v, got_e]
            if got != [hi, lo, v, e] and len(errors) < 10:
                errors.append(f"beat {b}: got {got} want {[hi, lo, v, e]} (inputs {beats[b]})")
            checked += 1
        if t < len(beats):
            for p, val in zip(PORTS, beats[t]):
                getattr(dut, p).value = val
        else:
            dut.valid.value = 0
    dut._log.info("checked %d beats", checked)
    assert checked == len(beats)
    assert not errors, "\n".join(errors)
