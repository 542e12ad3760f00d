"""cocotb testbench for :class:`rtl.olive.pe.OvpPE` (toplevel ``olive_pe``).

Vectors: per cycle the packed operand words, ``en``, ``clear`` and the expected
accumulator (per-cycle model in :func:`rtl.olive.checks.pe_model`), visible
``latency`` cycles after the inputs.
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge


@cocotb.test()
async def stream(dut):
    with np.load(os.environ["LLMACCEL_VECTORS"]) as f:
        v = {k: f[k] for k in f.files}
    words = {p: [int(x) for x in v[p]] for p in ("a_exp", "a_int", "b_exp", "b_int")}
    en, clear, want = v["en"].tolist(), v["clear"].tolist(), v["acc"].tolist()
    lat = int(v["latency"])
    dut.rst.value = 1
    for p in (*words, "en", "clear"):
        getattr(dut, p).value = 0
    Clock(dut.clk, 10, unit="ns", impl="gpi").start()
    fall = FallingEdge(dut.clk)
    await fall
    await fall
    dut.rst.value = 0
    n = len(en)
    bad = []
    for cyc in range(n + lat):
        await fall
        k = cyc - lat
        if 0 <= k < n:
            got = dut.acc.value.to_signed()
            if got != want[k]:
                bad.append((k, got, want[k]))
                if len(bad) > 10:
                    break
        if cyc < n:
            for p, w in words.items():
                getattr(dut, p).value = w[cyc]
            dut.en.value = en[cyc]
            dut.clear.value = clear[cyc]
        else:
            dut.en.value = 0
            dut.clear.value = 0
    assert not bad, f"{len(bad)} mismatches, first: {bad[:5]}"
