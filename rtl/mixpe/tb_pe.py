"""cocotb testbench for rtl/mixpe/pe.py: streams beats from a JSON file, checks every
lane product one cycle later and every finished output at its expected cycle.

The vectors file (path in env ``MIXPE_VECTORS``) holds::

    {"lanes": L, "prod_bits": 12, "latency": 4,
     "beats": [[a_packed, w_packed, valid, grp_end, out_end, scale, zero], ...],
     "prods": {"<beat index>": [p_0, ..., p_{L-1}], ...},     # valid beats only
     "outs": [[beat index of out_end, value], ...]}

Beat ``t`` is driven after the falling edge of iteration ``t``; its products must show on
``prods`` at iteration ``t+1`` and an output closing on beat ``t`` must show on ``out``
with ``out_valid`` at iteration ``t + latency`` exactly.
"""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.triggers import FallingEdge

from llmaccel.rtl.tb_util import start_in_reset


def _signed(v: int, bits: int) -> int:
    return v - (1 << bits) if v >> (bits - 1) else v


@cocotb.test()
async def stream_matches_model(dut):
    vec = json.loads(open(os.environ["MIXPE_VECTORS"]).read())
    lanes, pb, lat = vec["lanes"], vec["prod_bits"], vec["latency"]
    beats = vec["beats"]
    want_prods = {int(k): v for k, v in vec["prods"].items()}
    want_outs = {t + lat: v for t, v in vec["outs"]}
    await start_in_reset(dut, ("a", "w", "valid", "grp_end", "out_end", "scale", "zero"))
    errors: list[str] = []
    got_outs: dict[int, int] = {}
    mask = (1 << pb) - 1
    for t in range(len(beats) + lat + 2):
        await FallingEdge(dut.clk)
        if t - 1 in want_prods:
            packed = dut.prods.value.to_unsigned()
            got = [_signed((packed >> (i * pb)) & mask, pb) for i in range(lanes)]
            if got != want_prods[t - 1] and len(errors) < 10:
                errors.append(f"beat {t - 1}: prods {got} != {want_prods[t - 1]}")
        if int(dut.out_valid.value):
            got_outs[t] = dut.out.value.to_signed()
        if t < len(beats):
            a, w, v, ge, oe, sc, z = beats[t]
            dut.a.value, dut.w.value, dut.valid.value = a, w, v
            dut.grp_end.value, dut.out_end.value, dut.scale.value = ge, oe, sc
            dut.zero.value = z
        else:
            dut.valid.value = 0
    if got_outs != want_outs:
        missing = sorted(set(want_outs) - set(got_outs))[:5]
        extra = sorted(set(got_outs) - set(want_outs))[:5]
        wrong = [
            (t, got_outs[t], want_outs[t])
            for t in sorted(set(got_outs) & set(want_outs))
            if got_outs[t] != want_outs[t]
        ][:5]
        errors.append(f"outputs: missing at {missing}, unexpected at {extra}, wrong (t, got, want) {wrong}")
    dut._log.info("checked %d product beats and %d outputs", len(want_prods), len(want_outs))
    assert not errors, "\n".join(errors)
