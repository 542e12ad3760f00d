"""FlightLLM CSD-chain in Amaranth 0.5: ``groups`` DSP groups cascaded, N:M configurable.

The chain takes one *beat* per cycle: for every DG its 16-activation window pair and for
every DSP its weight and 4-bit index.  DG ``j`` sees the beat ``LATENCY * j`` cycles later
than DG 0 (input skew registers), exactly when DG ``j-1``'s sums for that beat reach its
cascade input (PCOUT -> PCIN).  ``seg`` configures N:M: a block of N = 2 << seg
non-zeros spans ``1 << seg`` DGs; the first DG of each block selects zero on its cascade
input (Z-MUX) and the last one raises its Reduction-Node ``emit``.  With 8 DGs (16 DSPs =
pK) seg = 0..3 gives N = 2, 4, 8, 16; the registered check (rtl/flightllm/checks.py)
uses those 8 DGs.

Outputs: ``sum_hi``/``sum_lo`` of every DG (packed, DG 0 in the LSBs, 32 bits each) and
``emit`` (one bit per DG).  The sums of beat ``b``'s block ending at DG ``j`` show at
cycle ``b + LATENCY * (j + 1)`` — the timing ``sim.flightllm.dsp_chain`` uses.
"""

from __future__ import annotations

from amaranth.hdl import Const, Module, Signal, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from llmaccel.rtl.flightllm.dsp_group import ACT_BITS, LATENCY, DspGroup
from llmaccel.workloads.quant.dsp_packing import LANE_BITS, WINDOW

WIN_BITS = WINDOW * ACT_BITS


class DspChain(wiring.Component):
    """``groups`` DSP groups (2 DSPs each) with cascade skew and configurable block length."""

    def __init__(self, groups: int = 8) -> None:
        self.groups = groups
        super().__init__(
            {
                "win_hi": In(unsigned(groups * WIN_BITS)),
                "win_lo": In(unsigned(groups * WIN_BITS)),
                "w": In(unsigned(2 * groups * ACT_BITS)),
                "idx": In(unsigned(2 * groups * 4)),
                "seg": In(unsigned(2)),
                "valid": In(1),
                "sum_hi": Out(unsigned(groups * LANE_BITS)),
                "sum_lo": Out(unsigned(groups * LANE_BITS)),
                "emit": Out(unsigned(groups)),
            }
        )

    def elaborate(self, platform) -> Module:
        m = Module()
        prev = None
        for j in range(self.groups):
            dg = DspGroup()
            m.submodules[f"dg{j}"] = dg
            bundle = [
                (self.win_hi.word_select(j, WIN_BITS), dg.win_hi),
                (self.win_lo.word_select(j, WIN_BITS), dg.win_lo),
                (self.w.word_select(2 * j, ACT_BITS).as_signed(), dg.w0),
                (self.w.word_select(2 * j + 1, ACT_BITS).as_signed(), dg.w1),
                (self.idx.word_select(2 * j, 4), dg.idx0),
                (self.idx.word_select(2 * j + 1, 4), dg.idx1),
                (self.seg, None),
                (self.valid, dg.valid),
            ]
            delayed = {}
            for k, (src, dst) in enumerate(bundle):
                cur = src
                for d in range(LATENCY * j):  # input skew: DG j works LATENCY*j cycles after DG 0
                    r = Signal(src.shape(), name=f"skew{j}_{k}_{d}")
                    m.d.sync += r.eq(cur)
                    cur = r
                delayed[k] = cur
                if dst is not None:
                    m.d.comb += dst.eq(cur)
            seg = delayed[6]
            # block length in DGs = 1 << seg; first DG of a block: zero; last: emit
            # (a constant bit-select, not a Switch: Icarus never evaluates an always @* block
            # whose inputs keep their initial value, which left these X)
            first_mask = sum(1 << s for s in range(4) if j % (1 << s) == 0)
            last_mask = sum(1 << s for s in range(4) if j % (1 << s) == (1 << s) - 1)
            m.d.comb += [
                dg.zero.eq(Const(first_mask, 4).bit_select(seg, 1)),
                dg.emit.eq(Const(last_mask, 4).bit_select(seg, 1)),
            ]
            if prev is not None:
                m.d.comb += [dg.cin_hi.eq(prev.sum_hi), dg.cin_lo.eq(prev.sum_lo)]
            else:  # head of the chain: PCIN tied to zero (an undriven input would be X in Verilog)
                m.d.comb += [dg.cin_hi.eq(0), dg.cin_lo.eq(0)]
            m.d.comb += [
                self.sum_hi.word_select(j, LANE_BITS).eq(dg.sum_hi),
                self.sum_lo.word_select(j, LANE_BITS).eq(dg.sum_lo),
                self.emit[j].eq(dg.out_emit),
            ]
            prev = dg
        return m
