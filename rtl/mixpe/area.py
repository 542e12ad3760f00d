"""Product datapaths for the area/energy comparison (Yosys cell counts).

Each unit is purely combinational: ``p = a * w`` formed either by gated shifted adds
(MixPE) or by the HDL multiply operator (a conventional multiplier, which Yosys maps
to its own partial-product array).  The comparison covers:

* ``shift_add_8x4`` vs ``mult_8x4``: MixPE's INT8 x INT4 product vs a multiplier;
* ``mult_8x8``: the INT8 systolic baseline's product;
* ``mult_4x4`` and ``mult_2x2``: ANT's 4-bit PE and a BitFusion BitBrick;
* ``shift_add_11x4`` vs ``mult_11x4`` vs ``mult_11x11``: the W4A16 significand product (fp16
  activation significand x INT4) by shift-add or multiplier, vs an FP16 x FP16 significand product (exponent logic, alignment
  and the FP32 accumulator are common to both and not included).

Cell counts come from :func:`rtl.flow.cell_counts` (generic Yosys ``synth -flatten``).
"""

from __future__ import annotations

from amaranth.hdl import Module, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from llmaccel.rtl.mixpe.pe import _shift_add

#: name -> (a_bits, w_bits, a_signed, method)
UNITS: dict[str, tuple[int, int, bool, str]] = {
    "shift_add_8x4": (8, 4, True, "shift_add"),
    "mult_8x4": (8, 4, True, "mult"),
    "mult_8x8": (8, 8, True, "mult"),
    "mult_4x4": (4, 4, True, "mult"),
    "mult_2x2": (2, 2, True, "mult"),
    "shift_add_11x4": (11, 4, False, "shift_add"),
    "mult_11x4": (11, 4, False, "mult"),
    "mult_11x11": (11, 11, False, "mult"),
}


class ProductUnit(wiring.Component):
    """``p = a * w`` (``w`` signed two's complement; ``a`` signed or an unsigned significand)."""

    def __init__(self, a_bits: int, w_bits: int, a_signed: bool, method: str) -> None:
        self.a_bits, self.w_bits, self.a_signed, self.method = a_bits, w_bits, a_signed, method
        a_shape = signed(a_bits) if a_signed else unsigned(a_bits)
        p_bits = a_bits + w_bits + (0 if a_signed else 1)
        super().__init__({"a": In(a_shape), "w": In(w_bits), "p": Out(signed(p_bits))})

    def elaborate(self, platform) -> Module:
        m = Module()
        if self.method == "shift_add":
            m.d.comb += self.p.eq(_shift_add(self.a, self.w, self.w_bits))
        else:
            # An 11x11 significand product is unsigned x unsigned; smaller ones are signed.
            w = self.w if not self.a_signed and self.w_bits == self.a_bits else self.w.as_signed()
            m.d.comb += self.p.eq(self.a * w)
        return m


def unit(name: str) -> ProductUnit:
    a, w, s, meth = UNITS[name]
    return ProductUnit(a, w, s, meth)


def product_cell_counts() -> dict[str, int]:
    """Total generic cells of every unit in :data:`UNITS` (runs Yosys, ~2 s each, 4 at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    from llmaccel.rtl.flow import cell_counts

    def one(name: str) -> int:
        return cell_counts(unit(name), f"prod_{name}")["total"]

    with ThreadPoolExecutor(max_workers=4) as pool:  # each count is a Yosys subprocess
        return dict(zip(UNITS, pool.map(one, UNITS)))
