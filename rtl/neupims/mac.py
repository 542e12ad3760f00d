"""Amaranth PIM bank MAC unit: ``lanes`` int8 multipliers, adder tree, wrapping accumulator.

Ports: ``comp`` / ``readres`` commands, ``a`` / ``b`` packed lane operands (lane i at bits
``[w*i, w*i + w)``), ``res`` / ``res_valid`` result.  Three register stages: products,
adder-tree sum, accumulator (READRES result after ``sim.neupims.pim_unit.LATENCY``
cycles).  Behaviour and latency equal :func:`sim.neupims.pim_unit.run_stream`.
"""

from __future__ import annotations

from functools import reduce

from amaranth import Module, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out


class PimBankMac(wiring.Component):
    def __init__(self, lanes: int = 16, width: int = 8, acc_bits: int = 32) -> None:
        self.lanes, self.width, self.acc_bits = lanes, width, acc_bits
        super().__init__(
            {
                "comp": In(1),
                "readres": In(1),
                "a": In(lanes * width),
                "b": In(lanes * width),
                "res": Out(signed(acc_bits)),
                "res_valid": Out(1),
            }
        )

    def elaborate(self, platform):  # noqa: ARG002
        m = Module()
        w = self.width
        prods = [Signal(signed(2 * w), name=f"prod{i}") for i in range(self.lanes)]
        v1, r1, v2, r2 = Signal(), Signal(), Signal(), Signal()
        for i, p in enumerate(prods):
            m.d.sync += p.eq(self.a[i * w : (i + 1) * w].as_signed() * self.b[i * w : (i + 1) * w].as_signed())
        total = reduce(lambda x, y: x + y, prods)
        tree = Signal(signed(len(total)), name="tree")
        acc = Signal(signed(self.acc_bits), name="acc")
        m.d.sync += [v1.eq(self.comp), r1.eq(self.readres), v2.eq(v1), r2.eq(r1), tree.eq(total), self.res_valid.eq(r2)]
        with m.If(v2):
            m.d.sync += acc.eq(acc + tree)
        with m.Elif(r2):
            m.d.sync += [self.res.eq(acc), acc.eq(0)]
        return m
