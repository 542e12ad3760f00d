"""cocotb testbench for rtl/flightllm/dsp_chain.py (vectors: env ``FLIGHTLLM_CHAIN_VECTORS``,
see rtl/flightllm/vectors.py ``build_chain``).  Beat ``b`` is driven after falling edge
``b``; DG ``j``'s sums for it must show at falling edge ``b + latency * (j + 1)`` and its
emit bit must be set exactly then iff DG ``j`` ends a block of that beat."""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.triggers import FallingEdge

from llmaccel.rtl.tb_util import start_in_reset

PORTS = ("win_hi", "win_lo", "w", "idx", "seg", "valid")
LANE = 32


def _s(v: int) -> int:
    return v - (1 << LANE) if v >> (LANE - 1) else v


@cocotb.test()
async def chain_stream_matches_model(dut):
    vec = json.loads(open(os.environ["FLIGHTLLM_CHAIN_VECTORS"]).read())
    beats, expect, ends, lat, G = vec["beats"], vec["expect"], vec["ends"], vec["latency"], vec["groups"]
    await start_in_reset(dut, PORTS)
    errors: list[str] = []
    sums_checked = emits_checked = 0
    for t in range(len(beats) + lat * (G + 1) + 1):
        await FallingEdge(dut.clk)
        hi_all = dut.sum_hi.value.to_unsigned()
        lo_all = dut.sum_lo.value.to_unsigned()
        emit = dut.emit.value.to_unsigned()
        for j in range(G):
            b = t - lat * (j + 1)
            want_emit = 1 if 0 <= b < len(beats) and j in ends[b] else 0
            if (emit >> j) & 1 != want_emit and len(errors) < 10:
                errors.append(f"t={t} DG{j}: emit {(emit >> j) & 1} want {want_emit}")
            emits_checked += 1
            if 0 <= b < len(beats) and beats[b][5]:
                got = [_s((hi_all >> (LANE * j)) & 0xFFFFFFFF), _s((lo_all >> (LANE * j)) & 0xFFFFFFFF)]
                if got != expect[b][j] and len(errors) < 10:
                    errors.append(f"beat {b} DG{j}: got {got} want {expect[b][j]}")
                sums_checked += 1
        if t < len(beats):
            for p, val in zip(PORTS, beats[t]):
                getattr(dut, p).value = val
        else:
            dut.valid.value = 0
    dut._log.info("checked %d DG sums and %d emit bits", sums_checked, emits_checked)
    assert sums_checked == vec["valid_beats"] * G, f"{sums_checked} sums checked, want {vec['valid_beats'] * G}"
    assert not errors, "\n".join(errors)
