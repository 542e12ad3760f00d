"""Baseline processing element: signed INT8 x INT8 multiply, INT32 accumulate.

Ports (all sampled on the rising edge of ``clk``; one-cycle latency):

========  =====  ==========================================================
port      dir    meaning
========  =====  ==========================================================
``a``     in     signed ``a_width``-bit operand (activation)
``b``     in     signed ``b_width``-bit operand (weight)
``en``    in     1: add ``a*b`` this cycle
``clear`` in     1: discard the accumulated sum this cycle (synchronous)
``acc``   out    signed ``acc_width``-bit accumulator register
========  =====  ==========================================================

Next-state function (``acc'`` is the value visible one cycle later)::

    clear en | acc'
    -----------------------------
      0    0 | acc               (hold)
      0    1 | acc + a*b         (accumulate)
      1    0 | 0                 (clear only)
      1    1 | a*b               (clear, then accumulate: starts a new dot
                                  product without a bubble cycle)

``clear`` therefore has precedence over the *old* accumulator, never over the
MAC of the same cycle.  Arithmetic wraps modulo ``2**acc_width`` (two's
complement), like any fixed-width adder; with the default widths the worst
product magnitude is ``(-128)*(-128) = 2**14``, so ``(2**31 - 1) // 2**14 =
131071`` worst-case accumulations never overflow (see :func:`safe_accumulations`).
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Module, Mux, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out


@dataclass(frozen=True)
class PEConfig:
    """Bit widths of the PE (bits)."""

    a_width: int = 8
    b_width: int = 8
    acc_width: int = 32

    def __post_init__(self) -> None:
        for name in ("a_width", "b_width", "acc_width"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.acc_width < self.a_width + self.b_width:
            raise ValueError("acc_width must hold one full product (>= a_width + b_width)")


def worst_product(cfg: PEConfig) -> int:
    """Largest product magnitude: ``(-2**(a-1)) * (-2**(b-1))``."""
    return 2 ** (cfg.a_width - 1) * 2 ** (cfg.b_width - 1)


def safe_accumulations(cfg: PEConfig) -> int:
    """How many worst-case products fit in the accumulator without wrapping."""
    return (2 ** (cfg.acc_width - 1) - 1) // worst_product(cfg)


class MacPE(wiring.Component):
    """INT8 MAC PE with synchronous ``clear`` and ``en`` (see module docstring)."""

    def __init__(self, cfg: PEConfig = PEConfig()) -> None:
        self.cfg = cfg
        super().__init__(
            {
                "a": In(signed(cfg.a_width)),
                "b": In(signed(cfg.b_width)),
                "en": In(1),
                "clear": In(1),
                "acc": Out(signed(cfg.acc_width)),
            }
        )

    def elaborate(self, platform) -> Module:
        m = Module()
        product = self.a * self.b  # signed(a_width + b_width)
        base = Mux(self.clear, 0, self.acc)  # 0 when clearing
        with m.If(self.en):
            m.d.sync += self.acc.eq(base + product)  # wraps mod 2**acc_width
        with m.Elif(self.clear):
            m.d.sync += self.acc.eq(0)
        return m
