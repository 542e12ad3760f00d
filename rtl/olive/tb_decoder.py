"""cocotb testbench for :class:`rtl.olive.decoder.OvpDecoderLanes` (toplevels ``olive_dec4`` / ``olive_dec8``).

Vectors (``.npz`` named by ``LLMACCEL_VECTORS``, written by :mod:`rtl.olive.checks`):
per cycle a packed word of ``lanes`` code pairs (hex text), the ``flint``
select, and the expected packed ``<exp, int>`` word (from
``workloads.quant.ovp.decode_exp_int``), visible ``latency`` cycles later.
Streamed one word per cycle; read on the falling edge (outputs are registers).
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge


@cocotb.test()
async def stream(dut):
    """Every code pair bit-exact, at the model's latency."""
    with np.load(os.environ["LLMACCEL_VECTORS"]) as f:
        v = {k: f[k] for k in f.files}
    code = [int(x, 16) for x in v["code"].tolist()]
    want = [int(x, 16) for x in v["out"].tolist()]
    flint = v["flint"].tolist()
    lat = int(v["latency"])
    has_flint = bool(int(v["has_flint"]))
    dut.rst.value = 1
    dut.valid_in.value = 0
    dut.code.value = 0
    if has_flint:
        dut.flint.value = 0
    Clock(dut.clk, 10, unit="ns", impl="gpi").start()
    fall = FallingEdge(dut.clk)
    await fall
    await fall
    dut.rst.value = 0
    n = len(code)
    bad = []
    last_flint = -1
    for cyc in range(n + lat):
        await fall
        k = cyc - lat
        if 0 <= k < n:
            got = dut.out.value.to_unsigned()
            if not int(dut.valid_out.value) or got != want[k]:
                bad.append((k, hex(code[k]), flint[k], hex(got), hex(want[k])))
                if len(bad) > 10:
                    break
        if cyc < n:
            dut.code.value = code[cyc]
            dut.valid_in.value = 1
            if has_flint and flint[cyc] != last_flint:
                dut.flint.value = flint[cyc]
                last_flint = flint[cyc]
        else:
            dut.valid_in.value = 0
    assert not bad, f"{len(bad)} mismatching words, first: {bad[:3]}"
    dut._log.info(f"{n} words bit-exact at latency {lat}")
