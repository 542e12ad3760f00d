"""cocotb testbench for rtl/mixpe/pe_fp16.py (W4A16 group stage).

Vectors file (env ``MIXPE_FP16_VECTORS``)::

    {"latency": 2, "beats": [[a_packed, w_packed, valid, grp_end], ...],
     "outs": [[beat index of the group's last beat, P, S], ...]}

Beat ``t`` is driven after the falling edge of iteration ``t``; the group closing on beat
``t`` must show on ``P``/``S`` with ``out_valid`` at iteration ``t + latency`` exactly.
"""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.triggers import FallingEdge

from llmaccel.rtl.tb_util import start_in_reset


@cocotb.test()
async def group_sums_match_model(dut):
    vec = json.loads(open(os.environ["MIXPE_FP16_VECTORS"]).read())
    lat, beats = vec["latency"], vec["beats"]
    want = {t + lat: (p, s) for t, p, s in vec["outs"]}
    await start_in_reset(dut, ("a", "w", "valid", "grp_end"))
    got = {}
    for t in range(len(beats) + lat + 2):
        await FallingEdge(dut.clk)
        if int(dut.out_valid.value):
            got[t] = (dut.P.value.to_signed(), dut.S.value.to_signed())
        if t < len(beats):
            a, w, v, ge = beats[t]
            dut.a.value, dut.w.value, dut.valid.value, dut.grp_end.value = a, w, v, ge
        else:
            dut.valid.value = 0
    wrong = [(t, got.get(t), want[t]) for t in sorted(want) if got.get(t) != want[t]][:5]
    extra = sorted(set(got) - set(want))[:5]
    dut._log.info("checked %d group sums", len(want))
    assert not wrong and not extra, f"wrong (t, got, want): {wrong}; unexpected outputs at {extra}"
