"""MixPE processing element (Amaranth 0.5): INT4 weights x INT8 activations by shift-and-add.

One PE computes one output ``O = sum_g mant_g * (sum_{k in g} a_k q_k - z_g * sum_{k in g} a_k)``
(the fixed-point form of workloads/quant/group.py, ``mpgemm_group_int``) from a stream of
*beats*; each beat carries ``lanes`` (activation, weight) pairs of consecutive k.

Ports (sampled on the rising edge of ``clk``):

===========  =====  ================================================================
port         dir    meaning
===========  =====  ================================================================
``a``        in     ``lanes`` packed signed ``a_bits`` activations (lane 0 in the LSBs)
``w``        in     ``lanes`` packed signed ``w_bits`` weight codes (two's complement)
``valid``    in     1: this beat carries data
``grp_end``  in     1: this beat is the last one of a quantization group
``out_end``  in     1: this beat is the last one of the output's reduction (needs grp_end)
``scale``    in     unsigned ``scale_bits`` mantissa of the group that ends on this beat
``zero``     in     signed ``w_bits`` zero point of the group that ends on this beat
``prods``    out    ``lanes`` packed signed products ``a*w`` of the previous beat (stage 1)
``out``      out    signed ``out_bits`` output (fixed point, times ``2**scale_exp``)
``out_valid`` out   1 for one cycle when ``out`` holds a finished output
===========  =====  ================================================================

Pipeline (``LATENCY`` = 4 cycles from the ``out_end`` beat's rising edge to ``out_valid``):

1. **shift-add**: per lane ``p = sum_{i<3} w_i (a << i) - w_3 (a << 3)`` (gated shifted copies
   of the activation, no multiplier); lane products and activations summed by adder trees.
2. **group accumulate**: ``P += sum p``, ``S += sum a`` (restart after a ``grp_end`` beat);
   the finished pair ``(P, S)`` is latched with the group's scale and zero point.
3. **zero-point correction**: ``D = P - z * S``, with ``z * S`` again by shift-and-add
   (``z`` is a ``w_bits`` code).
4. **scale and output accumulate**: ``O += mant * D`` (one multiplier, used once per group:
   ``group_size / lanes`` beats apart), ``out_valid`` after the ``out_end`` group.

The ``mult`` variant (``multiplier="mult"``) replaces stage 1 by ``a * w`` for the area
comparison; the ``with_dequant=False`` variant stops after stage 2 (``out`` = group sum) and
is used only for cell counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Cat, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

#: Cycles from the rising edge that samples the ``out_end`` beat to the one after which
#: ``out_valid`` is high (stages 1-4 above).  sim/mixpe/pe.py states the same depth.
LATENCY = 4


@dataclass(frozen=True)
class MixPEConfig:
    """Widths (bits) and organisation of the PE.

    Attributes:
        lanes: (activation, weight) pairs per beat (MACs per cycle).
        a_bits: signed activation width.
        w_bits: signed weight-code width.
        scale_bits: unsigned scale-mantissa width.
        max_group: largest group (elements) the group accumulators must hold.
        max_groups: largest number of groups per output the output accumulator must hold.
        multiplier: ``"shift_add"`` (MixPE) or ``"mult"`` (comparison PE).
        with_dequant: include stages 3-4.
    """

    lanes: int = 4
    a_bits: int = 8
    w_bits: int = 4
    scale_bits: int = 16
    max_group: int = 128
    max_groups: int = 256
    multiplier: str = "shift_add"
    with_dequant: bool = True

    @property
    def prod_bits(self) -> int:
        return self.a_bits + self.w_bits

    @property
    def p_bits(self) -> int:
        """Group product-sum width: max_group products of prod_bits each."""
        return self.prod_bits + (self.max_group - 1).bit_length()

    @property
    def s_bits(self) -> int:
        return self.a_bits + (self.max_group - 1).bit_length()

    @property
    def d_bits(self) -> int:
        """``P - z S``: magnitude < max_group * 2**(a-1) * 2**w, plus sign."""
        return max(self.p_bits, self.s_bits + self.w_bits) + 1

    @property
    def out_bits(self) -> int:
        return self.d_bits + self.scale_bits + 1 + (self.max_groups - 1).bit_length()


def _shift_add(a, w, w_bits: int):
    """Signed ``a * w`` for a ``w_bits`` two's-complement ``w`` as gated shifted adds."""
    terms = [Mux(w[i], a << i, 0) for i in range(w_bits - 1)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total - Mux(w[w_bits - 1], a << (w_bits - 1), 0)


def _tree(xs):
    xs = list(xs)
    while len(xs) > 1:
        xs = [xs[i] + xs[i + 1] if i + 1 < len(xs) else xs[i] for i in range(0, len(xs), 2)]
    return xs[0]


class MixPE(wiring.Component):
    """The MixPE PE (see module docstring)."""

    def __init__(self, cfg: MixPEConfig = MixPEConfig()) -> None:
        if cfg.multiplier not in ("shift_add", "mult"):
            raise ValueError(f"multiplier must be 'shift_add' or 'mult', got {cfg.multiplier!r}")
        self.cfg = cfg
        out_bits = cfg.out_bits if cfg.with_dequant else cfg.p_bits
        super().__init__(
            {
                "a": In(cfg.lanes * cfg.a_bits),
                "w": In(cfg.lanes * cfg.w_bits),
                "valid": In(1),
                "grp_end": In(1),
                "out_end": In(1),
                "scale": In(cfg.scale_bits),
                "zero": In(signed(cfg.w_bits)),
                "prods": Out(cfg.lanes * cfg.prod_bits),
                "out": Out(signed(out_bits)),
                "out_valid": Out(1),
            }
        )

    def elaborate(self, platform) -> Module:
        c = self.cfg
        m = Module()
        a_l = [self.a[i * c.a_bits : (i + 1) * c.a_bits].as_signed() for i in range(c.lanes)]
        w_l = [self.w[i * c.w_bits : (i + 1) * c.w_bits] for i in range(c.lanes)]

        # ---- stage 1: products (shift-add or multiplier), lane sums
        p1 = [Signal(signed(c.prod_bits), name=f"p1_{i}") for i in range(c.lanes)]
        asum1 = Signal(signed(c.a_bits + c.lanes.bit_length()))
        v1, ge1, oe1 = Signal(), Signal(), Signal()
        sc1 = Signal(c.scale_bits)
        z1 = Signal(signed(c.w_bits))
        for i in range(c.lanes):
            prod = _shift_add(a_l[i], w_l[i], c.w_bits) if c.multiplier == "shift_add" else a_l[i] * w_l[i].as_signed()
            m.d.sync += p1[i].eq(prod)
        m.d.sync += [
            asum1.eq(_tree(a_l)),
            v1.eq(self.valid),
            ge1.eq(self.valid & self.grp_end),
            oe1.eq(self.valid & self.out_end),
            sc1.eq(self.scale),
            z1.eq(self.zero),
        ]
        m.d.comb += self.prods.eq(Cat(*p1))

        # ---- stage 2: group accumulators
        P = Signal(signed(c.p_bits))
        S = Signal(signed(c.s_bits))
        fresh = Signal(init=1)  # next valid beat starts a new group
        p_next = Mux(fresh, 0, P) + _tree(p1)
        s_next = Mux(fresh, 0, S) + asum1
        gP = Signal(signed(c.p_bits))
        gS = Signal(signed(c.s_bits))
        v2, oe2 = Signal(), Signal()
        sc2 = Signal(c.scale_bits)
        z2 = Signal(signed(c.w_bits))
        with m.If(v1):
            m.d.sync += [P.eq(p_next), S.eq(s_next), fresh.eq(ge1)]
        m.d.sync += [v2.eq(ge1), oe2.eq(oe1)]
        with m.If(ge1):
            m.d.sync += [gP.eq(p_next), gS.eq(s_next), sc2.eq(sc1), z2.eq(z1)]

        if not c.with_dequant:
            m.d.comb += [self.out.eq(gP), self.out_valid.eq(v2)]
            return m

        # ---- stage 3: zero-point correction D = P - z*S (z*S by shift-and-add)
        D = Signal(signed(c.d_bits))
        v3, oe3 = Signal(), Signal()
        sc3 = Signal(c.scale_bits)
        m.d.sync += [D.eq(gP - _shift_add(gS, z2, c.w_bits)), v3.eq(v2), oe3.eq(oe2), sc3.eq(sc2)]

        # ---- stage 4: scale multiply, output accumulate
        O = Signal(signed(c.out_bits))
        ofresh = Signal(init=1)
        o_next = Mux(ofresh, 0, O) + sc3 * D
        with m.If(v3):
            m.d.sync += [O.eq(o_next), ofresh.eq(oe3)]
        m.d.sync += self.out_valid.eq(v3 & oe3)
        with m.If(v3 & oe3):
            m.d.sync += self.out.eq(o_next)
        return m
