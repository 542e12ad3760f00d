"""cocotb testbench for :class:`rtl.baseline.pe.MacPE` (toplevel ``baseline_pe``).

The vectors and the expected accumulator values come from the file named by the
``LLMACCEL_VECTORS`` environment variable (an ``.npz`` written by
:mod:`rtl.baseline.checks`); this module only drives and compares.

Timing convention: inputs are driven on the falling edge of cycle ``n`` and are
sampled on the rising edge that ends it; ``acc`` read on the falling edge of
cycle ``n + 1`` must equal ``expected[n]`` (one-cycle latency).
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge, Timer

_PERIOD_NS = 10


def _vectors() -> dict[str, np.ndarray]:
    with np.load(os.environ["LLMACCEL_VECTORS"]) as f:
        return {k: f[k] for k in f.files}


async def _start(dut) -> None:
    """Start the clock and reset: every test starts from ``acc = 0`` on a falling edge."""
    dut.rst.value = 1
    dut.en.value = 0
    dut.clear.value = 0
    dut.a.value = 0
    dut.b.value = 0
    Clock(dut.clk, _PERIOD_NS, unit="ns", impl="gpi").start()
    await FallingEdge(dut.clk)
    await FallingEdge(dut.clk)  # a full rising edge with rst = 1 in between
    dut.rst.value = 0


async def _stream(dut, a, b, en, clear) -> list[int]:
    """Drive one vector per cycle; return ``acc`` seen one cycle after each.

    A port is written only when its value changes (writes dominate the cost
    per cycle of a cocotb testbench).
    """
    fall = FallingEdge(dut.clk)
    got: list[int] = []
    ports = (dut.a, dut.b, dut.en, dut.clear)
    columns = ([x & 0xFF for x in a], [x & 0xFF for x in b], list(en), list(clear))
    last = [None, None, None, None]
    d_acc = dut.acc
    for k in range(len(a)):
        for p in range(4):
            x = columns[p][k]
            if x != last[p]:
                ports[p].value = x
                last[p] = x
        await fall
        got.append(d_acc.value.to_signed())
    return got


def _first_mismatch(name: str, got, want, inputs) -> str | None:
    got_a, want_a = np.asarray(got, dtype=np.int64), np.asarray(want, dtype=np.int64)
    bad = np.flatnonzero(got_a != want_a)
    if bad.size == 0:
        return None
    k = int(bad[0])
    ins = ", ".join(f"{n}={int(v[k])}" for n, v in inputs.items())
    return f"{name}: {bad.size} mismatches; first at vector {k} ({ins}): acc={got_a[k]}, expected {want_a[k]}"


@cocotb.test()
async def exhaustive_products(dut):
    """All 65,536 signed INT8 x INT8 products, clear+en each cycle (acc' = a*b)."""
    v = _vectors()
    await _start(dut)
    a, b = v["prod_a"].tolist(), v["prod_b"].tolist()
    ones = [1] * len(a)
    got = await _stream(dut, a, b, ones, ones)
    msg = _first_mismatch("exhaustive", got, v["prod_expected"], {"a": v["prod_a"], "b": v["prod_b"]})
    assert msg is None, msg


@cocotb.test()
async def random_stream(dut):
    """Random a, b, en, clear (with corner runs) against the cycle model."""
    v = _vectors()
    await _start(dut)
    got = await _stream(dut, v["rnd_a"].tolist(), v["rnd_b"].tolist(), v["rnd_en"].tolist(), v["rnd_clear"].tolist())
    msg = _first_mismatch("random", got, v["rnd_expected"], {k: v[f"rnd_{k}"] for k in ("a", "b", "en", "clear")})
    assert msg is None, msg


@cocotb.test()
async def accumulation_bound(dut):
    """(-128)*(-128) accumulated the documented safe number of times, then once more (wrap).

    Inputs are held constant, so the simulator runs the long stretch without
    per-cycle Python (one Timer).
    """
    v = _vectors()
    safe = int(v["bound_safe"])
    await _start(dut)
    dut.a.value = int(v["bound_a"]) & 0xFF
    dut.b.value = int(v["bound_b"]) & 0xFF
    dut.en.value = 1
    dut.clear.value = 1  # first beat: clear and accumulate
    await FallingEdge(dut.clk)
    dut.clear.value = 0
    # safe-1 more rising edges; land 2 ns before a falling edge, then resynchronise
    # on that falling edge (no rising edge in between), so the count is unambiguous.
    await Timer((safe - 1) * _PERIOD_NS - 2, unit="ns")
    await FallingEdge(dut.clk)
    got_safe = dut.acc.value.to_signed()
    assert got_safe == int(v["bound_at_safe"]), f"after {safe} MACs acc={got_safe}, expected {int(v['bound_at_safe'])}"
    await FallingEdge(dut.clk)  # one more: wraps
    got_wrap = dut.acc.value.to_signed()
    assert got_wrap == int(v["bound_after_wrap"]), (
        f"after {safe + 1} MACs acc={got_wrap}, expected {int(v['bound_after_wrap'])}"
    )
    dut.en.value = 0  # en low holds
    await FallingEdge(dut.clk)
    assert dut.acc.value.to_signed() == got_wrap


@cocotb.test()
async def reset_clears(dut):
    """Synchronous reset zeroes the accumulator even while en is high."""
    await _start(dut)
    dut.a.value, dut.b.value, dut.en.value, dut.clear.value = 100, 100, 1, 1
    await FallingEdge(dut.clk)
    assert dut.acc.value.to_signed() == 10_000
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert dut.acc.value.to_signed() == 0
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    dut.en.value = 0
    await FallingEdge(dut.clk)
    assert dut.acc.value.to_signed() == 0
