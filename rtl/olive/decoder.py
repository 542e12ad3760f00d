"""OVP decoder: one code pair -> two exponent-integer pairs ``<exp, int>`` (value = int << exp).

Functional model: :func:`workloads.quant.ovp.decode_exp_int` (bit-exact; the
cocotb checks compare against it on every vector).

Ports (one registered stage: outputs visible the cycle after the inputs are
sampled, i.e. ``LATENCY = 1`` cycle):

============  ====  ===================================================
``code``      in    ``2*bits``: left code in the LOW half, right in the HIGH half
``flint``     in    4-bit only: 1 = flint4 normals, 0 = int4 normals
``valid_in``  in    marks a code pair
``exp0/1``    out   exponents (unsigned) of the left / right element
``int0/1``    out   signed integers of the left / right element
``valid_out`` out   ``valid_in`` delayed by one cycle
============  ====  ===================================================

Per element with code ``c`` and partner code ``p`` (identifier ``ID = 10..0``):
``p == ID`` -> outlier ``<e + bias, +-(2^M + m)>``; ``c == ID`` -> victim ``<0, 0>``;
else normal: int -> ``<0, c>``; flint4 magnitude ``g`` -> ``<0, g>`` for
``g < 4`` else ``<1 + g[1], +-(2 + g[0])>``.  4-bit biases: int4 2, flint4 3.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Cat, Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

LATENCY = 1


@dataclass(frozen=True)
class DecoderConfig:
    """Code width and abfloat fields (``1 + exp_bits + man_bits == bits``)."""

    bits: int = 4
    exp_bits: int = 2
    man_bits: int = 1
    bias: int = 2  # int normals' abfloat bias
    flint_bias: int = 3  # flint4 normals' abfloat bias (4-bit only)

    def __post_init__(self) -> None:
        if self.bits not in (4, 8) or 1 + self.exp_bits + self.man_bits != self.bits:
            raise ValueError(f"need bits in (4, 8) and 1 + E + M == bits, got {self}")

    @property
    def has_flint(self) -> bool:
        return self.bits == 4

    @property
    def exp_width(self) -> int:
        top = (1 << self.exp_bits) - 1 + max(self.bias, self.flint_bias if self.has_flint else 0)
        return max(1, top.bit_length())

    @property
    def int_width(self) -> int:
        return max(self.bits, self.man_bits + 2)


DECODER4 = DecoderConfig(4, 2, 1, 2, 3)
DECODER8 = DecoderConfig(8, 2, 5, 2, 0)


class OvpDecoder(wiring.Component):
    """Decoder of one code pair (see module docstring)."""

    def __init__(self, cfg: DecoderConfig = DECODER4) -> None:
        self.cfg = cfg
        ports = {
            "code": In(2 * cfg.bits),
            "valid_in": In(1),
            "valid_out": Out(1),
            "exp0": Out(unsigned(cfg.exp_width)),
            "int0": Out(signed(cfg.int_width)),
            "exp1": Out(unsigned(cfg.exp_width)),
            "int1": Out(signed(cfg.int_width)),
        }
        if cfg.has_flint:
            ports["flint"] = In(1)
        super().__init__(ports)

    def decode_element(self, m: Module, c, p, flint, name: str):
        """Combinational ``(exp, int)`` of element code ``c`` with partner ``p``."""
        cfg = self.cfg
        b, M = cfg.bits, cfg.man_bits
        ident = 1 << (b - 1)
        e = Signal(unsigned(cfg.exp_width), name=f"{name}_exp")
        i = Signal(signed(cfg.int_width), name=f"{name}_int")
        sign = c[b - 1]
        mant = c[0:M] if M else 0
        expf = c[M : b - 1]
        out_mag = Signal(unsigned(M + 1), name=f"{name}_omag")
        m.d.comb += out_mag.eq((1 << M) + mant)
        bias = Mux(flint, cfg.flint_bias, cfg.bias) if cfg.has_flint else cfg.bias
        if cfg.has_flint:
            g = c[0:3]
            fmag = Signal(unsigned(3), name=f"{name}_fmag")
            m.d.comb += fmag.eq(Mux(g[2], 2 + g[0], g))
        with m.If(p == ident):
            m.d.comb += [e.eq(expf + bias), i.eq(Mux(sign, -out_mag, out_mag))]
        with m.Elif(c == ident):
            m.d.comb += [e.eq(0), i.eq(0)]
        if cfg.has_flint:
            with m.Elif(flint):
                m.d.comb += [e.eq(Mux(g[2], 1 + g[1], 0)), i.eq(Mux(sign, -fmag, fmag))]
        with m.Else():
            m.d.comb += [e.eq(0), i.eq(c.as_signed())]
        return e, i

    def elaborate(self, platform) -> Module:
        m = Module()
        b = self.cfg.bits
        left, right = self.code[0:b], self.code[b : 2 * b]
        flint = self.flint if self.cfg.has_flint else 0
        e0, i0 = self.decode_element(m, left, right, flint, "left")
        e1, i1 = self.decode_element(m, right, left, flint, "right")
        m.d.sync += [
            self.exp0.eq(e0),
            self.int0.eq(i0),
            self.exp1.eq(e1),
            self.int1.eq(i1),
            self.valid_out.eq(self.valid_in),
        ]
        return m


class OvpDecoderLanes(wiring.Component):
    """``lanes`` independent :class:`OvpDecoder` instances side by side (a wide edge port).

    ``code``: lane ``l`` at bits ``[2*bits*l, 2*bits*(l+1))``.  ``out``: lane ``l``
    holds ``exp0 | int0 | exp1 | int1`` (LSB first, widths ``exp_width`` /
    ``int_width``) at offset ``l * 2 * (exp_width + int_width)``.  Latency 1.
    """

    def __init__(self, cfg: DecoderConfig = DECODER4, lanes: int = 8) -> None:
        self.cfg, self.lanes = cfg, lanes
        w = 2 * (cfg.exp_width + cfg.int_width)
        ports = {"code": In(2 * cfg.bits * lanes), "valid_in": In(1), "valid_out": Out(1), "out": Out(w * lanes)}
        if cfg.has_flint:
            ports["flint"] = In(1)
        super().__init__(ports)

    def elaborate(self, platform) -> Module:
        m = Module()
        cfg = self.cfg
        cw, w = 2 * cfg.bits, 2 * (cfg.exp_width + cfg.int_width)
        for l in range(self.lanes):
            d = OvpDecoder(cfg)
            m.submodules[f"lane{l}"] = d
            m.d.comb += [d.code.eq(self.code[l * cw : (l + 1) * cw]), d.valid_in.eq(self.valid_in)]
            if cfg.has_flint:
                m.d.comb += d.flint.eq(self.flint)
            m.d.comb += self.out[l * w : (l + 1) * w].eq(Cat(d.exp0, d.int0, d.exp1, d.int1))
            if l == 0:
                m.d.comb += self.valid_out.eq(d.valid_out)
        return m
