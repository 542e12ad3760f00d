"""MixPE W4A16 group stage (Amaranth 0.5): fp16 activations x INT4 weights, exact.

Every finite fp16 value is an integer multiple of ``2**-24`` (the smallest subnormal):
``x = (-1)**s * sig * 2**(max(e,1) - 1) * 2**-24`` with ``sig`` the 11-bit significand
(hidden bit set for ``e > 0``).  The PE therefore forms each product by **shift-and-add on
the significand** (``sig * w`` as gated shifted adds of ``sig``, the sign bit of ``w``
subtracting) and then **shifts by the exponent** into a fixed-point word with LSB
``2**-24``; the group sums ``P = sum x q`` and ``S = sum x`` are accumulated exactly in
fixed point (a Kulisch-style accumulator over the fp16 range).  The Python model is
:func:`workloads.quant.group.fp16_group_sums_fixed`; dequantization of the W4A16 path
(``s_g (P - z S)`` with an fp16 scale) stays in Python (docs/mixpe.md).

Ports: ``a`` (lanes x 16-bit fp16 patterns, lane 0 in the LSBs; inf/NaN not allowed),
``w`` (lanes x 4-bit codes), ``valid``, ``grp_end``; outputs ``P``, ``S`` (signed fixed
point, LSB 2**-24) and ``out_valid`` for one cycle, ``LATENCY`` = 2 cycles after the rising
edge that samples the group's last beat (stage 1 products, stage 2 group accumulate).
"""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from llmaccel.rtl.mixpe.pe import _shift_add, _tree

LATENCY = 2
#: fp16: exponent shift 0..29 (e = 1..30), significand 11 bits
_MAX_SHIFT = 29


class MixPEFp16Group(wiring.Component):
    def __init__(self, lanes: int = 4, w_bits: int = 4, max_group: int = 128) -> None:
        self.lanes, self.w_bits = lanes, w_bits
        grow = (max_group - 1).bit_length()
        self.prod_bits = 11 + w_bits + 1 + _MAX_SHIFT  # signed product, shifted
        self.act_bits = 11 + 1 + _MAX_SHIFT
        self.p_bits = self.prod_bits + grow
        self.s_bits = self.act_bits + grow
        super().__init__(
            {
                "a": In(16 * lanes),
                "w": In(w_bits * lanes),
                "valid": In(1),
                "grp_end": In(1),
                "P": Out(signed(self.p_bits)),
                "S": Out(signed(self.s_bits)),
                "out_valid": Out(1),
            }
        )

    def elaborate(self, platform) -> Module:
        m = Module()
        prods, acts = [], []
        for i in range(self.lanes):
            x = self.a[16 * i : 16 * (i + 1)]
            w = self.w[self.w_bits * i : self.w_bits * (i + 1)]
            sign, e, frac = x[15], x[10:15], x[0:10]
            sig = Mux(e == 0, frac, frac | 0x400)
            sh = Mux(e == 0, 0, e - 1)[:5].as_unsigned()  # 0..29 (e = 31 not allowed)
            mag = _shift_add(sig, w, self.w_bits)  # signed sig * w, no multiplier
            p = Signal(signed(self.prod_bits), name=f"p1_{i}")
            x_fixed = Signal(signed(self.act_bits), name=f"x1_{i}")
            m.d.sync += [p.eq(Mux(sign, -mag, mag) << sh), x_fixed.eq(Mux(sign, -sig, sig) << sh)]
            prods.append(p)
            acts.append(x_fixed)
        v1, ge1 = Signal(), Signal()
        m.d.sync += [v1.eq(self.valid), ge1.eq(self.valid & self.grp_end)]

        P = Signal(signed(self.p_bits))
        S = Signal(signed(self.s_bits))
        fresh = Signal(init=1)
        p_next = Mux(fresh, 0, P) + _tree(prods)
        s_next = Mux(fresh, 0, S) + _tree(acts)
        with m.If(v1):
            m.d.sync += [P.eq(p_next), S.eq(s_next), fresh.eq(ge1)]
        m.d.sync += self.out_valid.eq(v1 & ge1)
        with m.If(v1 & ge1):
            m.d.sync += [self.P.eq(p_next), self.S.eq(s_next)]
        return m
