"""cocotb testbench for :class:`rtl.olive.array.OvpArray` (toplevel ``olive_array``).

Vectors: tiles of packed code beats (``a_words``/``b_words`` per beat, ``tile_len``
beats per tile, ``a_flint``/``b_flint`` per tile), expected ``C`` per tile
(numpy matmul of the decoded values, equal to the exponent-integer model) and
expected latency (:func:`rtl.olive.array.latency_cycles`).  Tiles are issued
as soon as ``in_ready`` allows; the first beat's cycle is cycle 0 of the tile.
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge


def _unpack(word: int, n: int, width: int) -> list[int]:
    mask, sign = (1 << width) - 1, 1 << (width - 1)
    return [((word >> (j * width)) & mask) - ((1 << width) if (word >> (j * width)) & sign else 0) for j in range(n)]


@cocotb.test()
async def tiles(dut):
    with np.load(os.environ["LLMACCEL_VECTORS"]) as f:
        v = {k: f[k] for k in f.files}
    R, C, acc_w = int(v["rows"]), int(v["cols"]), int(v["acc_width"])
    a_words, b_words = [int(x) for x in v["a_words"]], [int(x) for x in v["b_words"]]
    lens = v["tile_len"].tolist()
    a_fl, b_fl = v["a_flint"].tolist(), v["b_flint"].tolist()
    exp_c = v["expected_c"].reshape(-1, R, C).tolist()
    exp_lat = v["expected_latency"].tolist()
    offs = np.concatenate([[0], np.cumsum(lens)]).tolist()

    dut.rst.value = 1
    for p in ("in_valid", "in_last", "a", "b", "a_flint", "b_flint"):
        getattr(dut, p).value = 0
    Clock(dut.clk, 10, unit="ns", impl="gpi").start()
    fall = FallingEdge(dut.clk)
    await fall
    await fall
    dut.rst.value = 0

    n_tiles = len(lens)
    tile, beat, start, cyc = 0, -1, 0, 0
    rows_seen: dict[int, list[int]] = {}
    done = 0
    bad = []
    limit = sum(exp_lat) + 10 * n_tiles + 100
    while done < n_tiles and cyc < limit:
        await fall
        if int(dut.out_valid.value):
            r = dut.out_row.value.to_unsigned()
            rows_seen[r] = _unpack(dut.c.value.to_unsigned(), C, acc_w)
            if int(dut.out_last.value):
                got = [rows_seen[i] for i in range(R)]
                lat = cyc - start + 1
                if got != exp_c[done] or lat != exp_lat[done]:
                    bad.append((done, lat, exp_lat[done], got, exp_c[done]))
                done += 1
                rows_seen = {}
        # drive this cycle's beat
        if beat < 0 and tile < n_tiles and int(dut.in_ready.value):
            beat, start = 0, cyc
            dut.a_flint.value = a_fl[tile]
            dut.b_flint.value = b_fl[tile]
        if beat >= 0:
            k = offs[tile] + beat
            dut.a.value = a_words[k]
            dut.b.value = b_words[k]
            dut.in_valid.value = 1
            dut.in_last.value = int(beat == lens[tile] - 1)
            beat += 1
            if beat == lens[tile]:
                beat, tile = -1, tile + 1
        else:
            dut.in_valid.value = 0
            dut.in_last.value = 0
        cyc += 1
    assert done == n_tiles, f"only {done} of {n_tiles} tiles completed"
    assert not bad, f"{len(bad)} tile mismatches, first: {bad[:2]}"
    dut._log.info(f"{n_tiles} tiles bit-exact at the model latency")
