"""Amaranth fp16 PIM bank MAC: exact fp16 products, exact fixed-point accumulation.

Per lane: decode both fp16 operands (hidden bit, subnormal exponent 1), multiply the
11-bit significands (exact 22-bit product), shift it left by ``ea + eb - 2`` so that all
products share the LSB 2^-48, apply the sign; an adder tree sums the lanes and a wrapping
96-bit accumulator adds the sum (no rounding anywhere).  READRES returns the accumulator
and a sticky Inf/NaN flag.  Register stages: lane products (significand product, shift,
sign) -> shifted signed tree sum -> accumulator; READRES result after 3 cycles, like
:mod:`rtl.neupims.mac`.  Model: :func:`sim.neupims.pim_unit.run_stream_fp16`.
"""

from __future__ import annotations

from functools import reduce

from amaranth import Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from llmaccel.sim.neupims.pim_unit import FP16_ACC_BITS


class PimBankMacFp16(wiring.Component):
    def __init__(self, lanes: int = 16, acc_bits: int = FP16_ACC_BITS) -> None:
        self.lanes, self.acc_bits = lanes, acc_bits
        super().__init__(
            {
                "comp": In(1),
                "readres": In(1),
                "a": In(lanes * 16),
                "b": In(lanes * 16),
                "res": Out(signed(acc_bits)),
                "res_valid": Out(1),
                "special": Out(1),
            }
        )

    def elaborate(self, platform):  # noqa: ARG002
        m = Module()
        v1, r1, v2, r2 = Signal(), Signal(), Signal(), Signal()
        sp1, sp2, sticky = Signal(), Signal(), Signal()
        sigs, shs, sgns = [], [], []
        specials = []
        for i in range(self.lanes):
            a = self.a[16 * i : 16 * (i + 1)]
            b = self.b[16 * i : 16 * (i + 1)]
            ea, eb = a[10:15], b[10:15]
            ma = Mux(ea == 0, a[0:10], a[0:10] | (1 << 10))
            mb = Mux(eb == 0, b[0:10], b[0:10] | (1 << 10))
            xa = Mux(ea == 0, 1, ea)
            xb = Mux(eb == 0, 1, eb)
            sig = Signal(unsigned(22), name=f"sig{i}")
            sh = Signal(unsigned(6), name=f"sh{i}")
            sgn = Signal(name=f"sgn{i}")
            m.d.sync += [sig.eq(ma * mb), sh.eq(xa + xb - 2), sgn.eq(a[15] ^ b[15])]
            sigs.append(sig)
            shs.append(sh)
            sgns.append(sgn)
            specials.append((ea == 0x1F) | (eb == 0x1F))
        terms = []
        for i in range(self.lanes):
            mag = Signal(unsigned(22 + 63), name=f"mag{i}")
            m.d.comb += mag.eq(sigs[i] << shs[i])
            term = Signal(signed(22 + 64), name=f"term{i}")
            m.d.comb += term.eq(Mux(sgns[i], -mag, mag))
            terms.append(term)
        total = reduce(lambda x, y: x + y, terms)
        tree = Signal(signed(len(total)), name="tree")
        acc = Signal(signed(self.acc_bits), name="acc")
        any_special = reduce(lambda x, y: x | y, specials)
        m.d.sync += [
            v1.eq(self.comp),
            r1.eq(self.readres),
            v2.eq(v1),
            r2.eq(r1),
            sp1.eq(self.comp & any_special),
            sp2.eq(sp1),
            tree.eq(total),
            self.res_valid.eq(r2),
        ]
        with m.If(v2):
            m.d.sync += [acc.eq(acc + tree), sticky.eq(sticky | sp2)]
        with m.Elif(r2):
            m.d.sync += [self.res.eq(acc), self.special.eq(sticky), acc.eq(0), sticky.eq(0)]
        return m
