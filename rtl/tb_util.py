"""Testbench steps every cocotb module in ``rtl/<unit>/tb_*.py`` can share."""

from __future__ import annotations

from collections.abc import Iterable

from cocotb.clock import Clock
from cocotb.triggers import FallingEdge


async def start_in_reset(dut, ports: Iterable[str], cycles: int = 2, period_ns: int = 10) -> None:
    """Start a ``period_ns`` clock on ``dut.clk`` and hold ``dut.rst`` high with every input in
    ``ports`` at 0 for ``cycles`` falling edges; reset is released after the last one, so the
    first beat can be driven right away (it is sampled at the next rising edge)."""
    Clock(dut.clk, period_ns, unit="ns").start()  # cocotb 2: start() schedules the clock itself
    dut.rst.value = 1
    for p in ports:
        getattr(dut, p).value = 0
    for _ in range(cycles):
        await FallingEdge(dut.clk)
    dut.rst.value = 0
