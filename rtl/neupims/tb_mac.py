"""cocotb testbench for rtl/neupims/mac.py.

Vectors (JSON path in env ``NEUPIMS_MAC_VECTORS``): ``beats`` = per cycle
``[comp, readres, a_packed, b_packed]``; ``outs`` = ``[[cycle, value], ...]``; optional
``special`` = ``[[cycle, flag], ...]`` (fp16 unit's sticky Inf/NaN output).  Beat t is
driven after falling edge t; ``res_valid`` must be 1 exactly at the listed cycles with
``res`` equal to the value, and 0 at every other cycle.
"""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.triggers import FallingEdge

from llmaccel.rtl.tb_util import start_in_reset


@cocotb.test()
async def stream_matches_model(dut):
    vec = json.loads(open(os.environ["NEUPIMS_MAC_VECTORS"]).read())
    beats = vec["beats"]
    want = {int(t): int(v) for t, v in vec["outs"]}
    want_sp = {int(t): int(v) for t, v in vec.get("special", [])}
    await start_in_reset(dut, ("comp", "readres", "a", "b"))
    errors: list[str] = []
    got: dict[int, int] = {}
    n = len(beats) + vec["latency"] + 2
    for t in range(n):
        await FallingEdge(dut.clk)
        # values observed after falling edge t belong to cycle t (beat t-1 was clocked at rising edge t)
        if int(dut.res_valid.value):
            got[t] = dut.res.value.to_signed()
            if want_sp and int(dut.special.value) != want_sp.get(t, -1) and len(errors) < 10:
                errors.append(f"cycle {t}: special {int(dut.special.value)} != {want_sp.get(t)}")
        if t < len(beats):
            c, r, a, b = beats[t]
            dut.comp.value = c
            dut.readres.value = r
            dut.a.value = a
            dut.b.value = b
        else:
            dut.comp.value = 0
            dut.readres.value = 0
    # beat t is sampled at rising edge t+1; the model's cycle t + LATENCY appears at falling edge t + LATENCY
    for t, v in want.items():
        if got.get(t) != v and len(errors) < 10:
            errors.append(f"cycle {t}: res {got.get(t)} != {v}")
    extra = sorted(set(got) - set(want))
    if extra:
        errors.append(f"unexpected res_valid at cycles {extra[:10]}")
    assert not errors, "\n".join(errors)
    dut._log.info(f"{len(want)} results bit-exact at model latency over {len(beats)} cycles")
