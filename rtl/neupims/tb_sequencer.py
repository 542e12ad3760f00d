"""cocotb testbench for :class:`rtl.neupims.sequencer.PimSequencer`.

Vectors: the ``.npz`` named by ``LLMACCEL_VECTORS`` (written by :mod:`rtl.neupims.checks`
from :mod:`rtl.neupims.seq_vectors`): for every stream its PIM commands (``cmds``: code,
rank, bank group, first-G_ACT flag), their expected issue cycles (``times``), the
per-cycle inputs (``drive``, one column per port named in ``ports``), the expected ``want``
per cycle and the expected ``(pim_mode, tile_open)`` after each issue (``mode``).

The testbench is the command FIFO: it presents command ``k`` until the unit issues it,
then command ``k + 1`` (``cmd_valid`` low after the last).  Cycle ``t``'s inputs are
driven after falling edge ``t``; the unit's registered ``cmd_log`` read after the next
falling edge holds cycle ``t``'s ``{issue, want, cmd, rank, bg}``.  Per cycle: ``issue``
must be 1 exactly at the expected cycle of the head command, ``want`` must equal the
model's, and an issue must echo the head; after each issue ``pim_mode`` / ``tile_open``
must equal the model's.  The first mismatch of a stream is reported with its context and
ends that stream; the unit is reset between streams.
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

_PERIOD_NS = 10


def _load() -> dict[str, np.ndarray]:
    with np.load(os.environ["LLMACCEL_VECTORS"]) as f:
        return {k: f[k] for k in f.files}


class _Fifo:
    """The command FIFO head; writes only the ports whose value changes (writes are costly)."""

    def __init__(self, dut, cmds: list[list[int]]) -> None:
        self.ports = [dut.cmd_valid, dut.cmd, dut.cmd_rank, dut.cmd_bg, dut.cmd_first]
        self.cmds = cmds
        self.last: list[int | None] = [None] * 5

    def show(self, k: int) -> None:
        vals = [1] + self.cmds[k] if k < len(self.cmds) else [0] + self.last[1:]
        for i, v in enumerate(vals):
            if v != self.last[i]:
                self.ports[i].value = v
                self.last[i] = v


async def _stream(
    dut,
    name: str,
    cmds: list[list[int]],
    times: list[int],
    drive: list[list[int]],
    want: list[int],
    mode: list[list[int]],
    ports: list,
    rank_bits: int,
    bg_bits: int,
) -> str | None:
    """Run one stream from reset; return the first mismatch or None."""
    fall = FallingEdge(dut.clk)
    dut.rst.value = 1
    dut.cmd_valid.value = 0
    await fall
    dut.rst.value = 0
    handles = [getattr(dut, p) for p in ports]
    last = [-1] * len(ports)
    d_log = dut.cmd_log
    n = len(cmds)
    k = 0
    fifo = _Fifo(dut, cmds)
    fifo.show(0)
    cmd_shift, rank_shift = 2, 5
    bg_shift = rank_shift + rank_bits
    for t, row in enumerate(drive):
        for p, v in enumerate(row):
            if v != last[p]:
                handles[p].value = v
                last[p] = v
        await fall
        tr = int(d_log.value)
        issued = tr & 1
        expect = int(k < n and times[k] == t)
        if issued != expect:
            head = f"command {k} {cmds[k]} expected at cycle {times[k]}" if k < n else "FIFO empty"
            return f"{name}: cycle {t}: issue {issued}, expected {expect} ({head}; inputs {dict(zip(ports, row))})"
        if (tr >> 1) & 1 != want[t]:
            return (
                f"{name}: cycle {t}: want {(tr >> 1) & 1}, expected {want[t]} (head command {k} "
                f"{cmds[k] if k < n else None}; inputs {dict(zip(ports, row))})"
            )
        if issued:
            echo = [
                (tr >> cmd_shift) & 7,
                (tr >> rank_shift) & ((1 << rank_bits) - 1),
                (tr >> bg_shift) & ((1 << bg_bits) - 1),
            ]
            if echo != cmds[k][:3]:
                return f"{name}: cycle {t}: issued {echo}, head is {cmds[k][:3]}"
            got_mode = [int(dut.pim_mode.value), int(dut.tile_open.value)]
            if got_mode != mode[k]:
                return (
                    f"{name}: after command {k} {cmds[k]} at cycle {t}: (pim_mode, tile_open) {got_mode} != {mode[k]}"
                )
            k += 1
            fifo.show(k)
    if k != n:
        return f"{name}: only {k} of {n} commands issued"
    return None


@cocotb.test()
async def streams_match_models(dut):
    v = _load()
    ports = [str(p) for p in v["ports"]]
    names = [str(s) for s in v["names"]]
    t_off, c_off = v["t_off"].tolist(), v["c_off"].tolist()
    rank_bits, bg_bits = int(v["rank_bits"]), int(v["bg_bits"])
    Clock(dut.clk, _PERIOD_NS, unit="ns", impl="gpi").start()
    dut.rst.value = 1
    for p in ports + ["cmd_valid", "cmd", "cmd_rank", "cmd_bg", "cmd_first"]:
        getattr(dut, p).value = 0
    await FallingEdge(dut.clk)
    errors = []
    cycles = 0
    for s, name in enumerate(names):
        a, b = t_off[s], t_off[s + 1]
        c, d = c_off[s], c_off[s + 1]
        err = await _stream(
            dut,
            name,
            v["cmds"][c:d].tolist(),
            v["times"][c:d].tolist(),
            v["drive"][a:b].tolist(),
            v["want"][a:b].tolist(),
            v["mode"][c:d].tolist(),
            ports,
            rank_bits,
            bg_bits,
        )
        cycles += b - a
        if err:
            errors.append(err)
    assert not errors, f"{len(errors)} of {len(names)} streams failed:\n" + "\n".join(errors)
    dut._log.info(
        f"{len(names)} streams, {c_off[-1]} PIM commands, {cycles} cycles: issue cycles, want, echo "
        f"and mode equal to the models"
    )
