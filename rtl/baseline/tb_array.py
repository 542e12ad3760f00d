"""cocotb testbench for :class:`rtl.baseline.array.OsArray` (toplevel ``baseline_os_array``).

Vectors come from the ``.npz`` named by ``LLMACCEL_VECTORS`` (written by
:mod:`rtl.baseline.checks`): a flat schedule of input cycles per tile (``valid``,
``last``, packed ``a`` column, packed ``b`` row), the expected ``C`` of every
tile (numpy matmul) and its expected latency (the documented latency, held
equal to the sim/ reference by tests/rtl/test_baseline.py, plus any idle
cycles the schedule inserts).  Tiles are issued back to back: the
next tile's first beat is presented in the cycle after its predecessor's last
output row, which also checks the documented issue interval.

Per cycle, on the falling edge: read the outputs (they depend on registers
only), then drive the inputs for this cycle.  Cycle 0 of a tile is the cycle
whose rising edge takes its first beat.
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge


def _unpack_signed(word: int, n: int, width: int) -> list[int]:
    mask, sign = (1 << width) - 1, 1 << (width - 1)
    out = []
    for j in range(n):
        v = (word >> (j * width)) & mask
        out.append(v - (1 << width) if v & sign else v)
    return out


@cocotb.test()
async def tiles_back_to_back(dut):
    """Every tile's C bit-exact vs numpy and its latency equal to the model's."""
    with np.load(os.environ["LLMACCEL_VECTORS"]) as f:
        v = {k: f[k] for k in f.files}
    rows, cols, acc_w = int(v["rows"]), int(v["cols"]), int(v["acc_width"])
    valid, last = v["valid"].tolist(), v["last"].tolist()
    a_words, b_words = [int(x) for x in v["a_words"]], [int(x) for x in v["b_words"]]
    starts, lengths = v["tile_start"].tolist(), v["tile_len"].tolist()
    expected_c = v["expected_c"].reshape(-1, rows, cols)
    expected_lat = v["expected_latency"].tolist()

    dut.rst.value = 1
    dut.in_valid.value = 0
    dut.in_last.value = 0
    dut.a.value = 0
    dut.b.value = 0
    Clock(dut.clk, 10, unit="ns", impl="gpi").start()
    fall = FallingEdge(dut.clk)
    await fall
    await fall  # one full rising edge in reset
    dut.rst.value = 0

    # a port is written only when its value changes (writes dominate the cost per cycle)
    ports = (dut.in_valid, dut.in_last, dut.a, dut.b)
    driven = [0, 0, 0, 0]

    def drive(p: int, x: int) -> None:
        if driven[p] != x:
            ports[p].value = x
            driven[p] = x

    errors: list[str] = []
    for tile, (start, length) in enumerate(zip(starts, lengths)):
        got = np.zeros((rows, cols), dtype=np.int64)
        seen_rows: list[int] = []
        pos, cycle, t0, after_last = start, 0, None, False
        stop = start + length
        while True:
            # ---- outputs of this cycle ------------------------------------------------
            ready = int(dut.in_ready.value)
            if after_last and ready:
                errors.append(f"tile {tile}: in_ready high in cycle {cycle} before the last output row")
            if int(dut.out_valid.value):
                r = int(dut.out_row.value)
                seen_rows.append(r)
                got[r] = _unpack_signed(dut.c.value.to_unsigned(), cols, acc_w)
                if int(dut.out_last.value):
                    break
            # ---- inputs of this cycle -------------------------------------------------
            if pos < stop:
                if not ready:
                    errors.append(f"tile {tile}: in_ready low in input cycle {cycle}")
                    break
                vld = valid[pos]
                drive(0, vld)
                drive(1, last[pos])
                if vld:  # operands only matter on beats
                    drive(2, a_words[pos])
                    drive(3, b_words[pos])
                if vld and t0 is None:
                    t0 = cycle
                if vld and last[pos]:
                    after_last = True
                pos += 1
            else:
                drive(0, 0)
                drive(1, 0)
            await fall
            cycle += 1
            if cycle > 100_000:
                errors.append(f"tile {tile}: no out_last after {cycle} cycles")
                break
        latency = cycle - (t0 or 0) + 1
        # the cycle after out_last must accept the next tile
        await fall
        if not int(dut.in_ready.value):
            errors.append(f"tile {tile}: in_ready low in the cycle after out_last")
        if seen_rows != list(range(rows - 1, -1, -1)):
            errors.append(f"tile {tile}: output rows in order {seen_rows}, expected {rows - 1}..0")
        if not np.array_equal(got, expected_c[tile]):
            bad = np.argwhere(got != expected_c[tile])[0]
            errors.append(
                f"tile {tile}: C[{bad[0]},{bad[1]}]={got[tuple(bad)]}, expected {expected_c[tile][tuple(bad)]}"
            )
        if latency != expected_lat[tile]:
            errors.append(f"tile {tile}: latency {latency} cycles, model {expected_lat[tile]}")
        if len(errors) > 20:
            break
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors[:20])
