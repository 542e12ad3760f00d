"""FlightLLM DSP-group (DG) slice in Amaranth 0.5: two DSP48-like stages, packed INT8 x2.

One DG = 2 DSP48s cascaded (PCOUT -> PCIN), each holding two INT8 MACs that share one
weight (two tokens' activations packed 18 bits apart in the 27-bit pre-adder input),
a sparse MUX per DSP choosing its activation pair from the M = 16 window by a 4-bit
index, the Overflow Adjust Unit that splits the packed cascade sum into the upper (MSP)
and lower (LSP) token's partial sums, the Z-MUX that starts a new sum and the Reduction
Node flag that marks an emitted partial sum.  N:M is configured by which DGs of a chain
raise ``emit`` / ``zero``: a block with N non-zeros spans N/2 DGs.

Ports (sampled on the rising edge of ``clk``):

==========  ====  ==================================================================
``win_hi``  in    16 x INT8 activations of the upper token (element i in bits 8i..8i+7)
``win_lo``  in    16 x INT8 activations of the lower token
``w0, w1``  in    signed INT8 weights of DSP 0 / DSP 1 (0 for an unused DSP)
``idx0/1``  in    4-bit sparse indices into the window
``cin_hi``  in    signed 32-bit cascade lane of the upper token (from the previous DG)
``cin_lo``  in    signed 32-bit cascade lane of the lower token
``zero``    in    Z-MUX: ignore the cascade input (first DG of a block)
``emit``    in    Reduction Node: this DG ends a block; ``out_emit`` flags the sum
``valid``   in    the beat carries data
``sum_hi``  out   upper lane after this DG (PCOUT to the next DG, or the RN output)
``sum_lo``  out   lower lane
``out_valid``/``out_emit``  out   the beat's valid / emit, aligned with the sums
==========  ====  ==================================================================

Pipeline: ``LATENCY`` = 2.  Stage 1: sparse MUX, pre-adder pack
``a_hi * 2**18 + a_lo`` (27 bit), multiply by the weight (DSP M register).  Stage 2:
cascade add of the two DSP products, overflow adjust ``lo = sext(d[17:0])``,
``hi = (d >>> 18) + d[17]`` (the lower product's sign borrow corrected into the upper
one), accumulate onto the cascade input (P register).  The functional model is
``workloads.quant.dsp_packing.dg_step``; ``compute.dg_pipeline_stages`` in the FlightLLM
presets equals ``LATENCY``.
"""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from llmaccel.workloads.quant.dsp_packing import LANE_BITS, LO_BITS, WINDOW

LATENCY = 2
ACT_BITS = 8


class DspGroup(wiring.Component):
    """Two packed-INT8 DSP48 stages with sparse MUX, overflow adjust, Z-MUX and RN flag."""

    def __init__(self) -> None:
        super().__init__(
            {
                "win_hi": In(unsigned(WINDOW * ACT_BITS)),
                "win_lo": In(unsigned(WINDOW * ACT_BITS)),
                "w0": In(signed(ACT_BITS)),
                "w1": In(signed(ACT_BITS)),
                "idx0": In(unsigned(4)),
                "idx1": In(unsigned(4)),
                "cin_hi": In(signed(LANE_BITS)),
                "cin_lo": In(signed(LANE_BITS)),
                "zero": In(1),
                "emit": In(1),
                "valid": In(1),
                "sum_hi": Out(signed(LANE_BITS)),
                "sum_lo": Out(signed(LANE_BITS)),
                "out_valid": Out(1),
                "out_emit": Out(1),
            }
        )

    def elaborate(self, platform) -> Module:
        m = Module()
        # ---- stage 1: sparse MUX, pre-adder pack (27 bit), multiply (M register) ----
        pack_w = 2 * ACT_BITS + LO_BITS + 1 - ACT_BITS  # 27
        prods = []
        for i, (w, idx) in enumerate(((self.w0, self.idx0), (self.w1, self.idx1))):
            a_hi = self.win_hi.word_select(idx, ACT_BITS).as_signed()
            a_lo = self.win_lo.word_select(idx, ACT_BITS).as_signed()
            pack = Signal(signed(pack_w), name=f"pack{i}")
            m.d.comb += pack.eq((a_hi << LO_BITS) + a_lo)
            p = Signal(signed(pack_w + ACT_BITS), name=f"p{i}")
            m.d.sync += p.eq(pack * w)
            prods.append(p)
        cin_hi = Signal(signed(LANE_BITS))
        cin_lo = Signal(signed(LANE_BITS))
        zero = Signal()
        emit = Signal()
        valid = Signal()
        m.d.sync += [
            cin_hi.eq(self.cin_hi),
            cin_lo.eq(self.cin_lo),
            zero.eq(self.zero),
            emit.eq(self.emit),
            valid.eq(self.valid),
        ]
        # ---- stage 2: cascade add, overflow adjust, accumulate (P register) ----
        d = Signal(signed(pack_w + ACT_BITS + 1))
        m.d.comb += d.eq(prods[0] + prods[1])
        lsp = Signal(signed(LO_BITS))
        msp = Signal(signed(pack_w + ACT_BITS + 1 - LO_BITS + 1))
        m.d.comb += [lsp.eq(d[:LO_BITS].as_signed()), msp.eq((d >> LO_BITS) + d[LO_BITS - 1])]
        base_hi = Mux(zero, 0, cin_hi)
        base_lo = Mux(zero, 0, cin_lo)
        m.d.sync += [
            self.sum_hi.eq(base_hi + msp),
            self.sum_lo.eq(base_lo + lsp),
            self.out_valid.eq(valid),
            self.out_emit.eq(valid & emit),
        ]
        return m
