"""OliVe PE: exponent-integer MAC over ``d`` element pairs per cycle, int32 accumulate.

``<ea, ia> x <eb, ib> = (ia * ib) << (ea + eb)``; the ``d`` shifted products of
one cycle are summed and added into the accumulator.  Two pipeline stages
(``LATENCY = 2``): stage 1 registers the shifted sum with ``en`` and ``clear``;
stage 2 updates ``acc``::

    acc' = (clear1 ? 0 : acc) + (en1 ? sum1 : 0)

so ``clear`` and ``en`` in the same cycle start a new dot product without a
bubble.  Arithmetic wraps modulo ``2^acc_width``.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

LATENCY = 2


@dataclass(frozen=True)
class OvpPEConfig:
    """``d`` pairs per cycle; exponent / integer widths of the decoded operands; accumulator bits."""

    d: int = 2
    exp_width: int = 3
    int_width: int = 4
    acc_width: int = 32


class OvpPE(wiring.Component):
    def __init__(self, cfg: OvpPEConfig = OvpPEConfig()) -> None:
        self.cfg = cfg
        E, I, d = unsigned(cfg.exp_width), signed(cfg.int_width), cfg.d
        super().__init__(
            {
                "en": In(1),
                "clear": In(1),
                "a_exp": In(data.ArrayLayout(E, d)),
                "a_int": In(data.ArrayLayout(I, d)),
                "b_exp": In(data.ArrayLayout(E, d)),
                "b_int": In(data.ArrayLayout(I, d)),
                "acc": Out(signed(cfg.acc_width)),
            }
        )

    def elaborate(self, platform) -> Module:
        m = Module()
        cfg = self.cfg
        total = 0
        for l in range(cfg.d):
            prod = Signal(signed(2 * cfg.int_width), name=f"prod{l}")
            m.d.comb += prod.eq(self.a_int[l] * self.b_int[l])
            total = total + (prod << (self.a_exp[l] + self.b_exp[l]))
        sum1 = Signal(signed(cfg.acc_width), name="sum1")
        en1 = Signal(name="en1")
        clear1 = Signal(name="clear1")
        m.d.sync += [sum1.eq(total), en1.eq(self.en), clear1.eq(self.clear)]
        base = Signal(signed(cfg.acc_width), name="base")
        m.d.comb += base.eq(Mux(clear1, 0, self.acc))
        with m.If(en1):
            m.d.sync += self.acc.eq(base + sum1)
        with m.Else():
            m.d.sync += self.acc.eq(base)
        return m
