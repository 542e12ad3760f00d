"""Output-stationary R x C OVP systolic array with decoders on the edges (R + C decoders).

Computes one tile ``C[R, C] = dec(A)[R, K] @ dec(B)[K, C]`` (int32 out) where
``A`` / ``B`` arrive as OVP code pairs along K: beat ``t`` carries, for row
``i``, the byte (pair) ``A[i, 2t], A[i, 2t+1]`` and, for column ``j``, the pair
``B[2t, j], B[2t+1, j]`` (left code in the low half).  Each edge decoder turns
its pair into two ``<exp, int>`` operands; each PE consumes ``d = 2`` of them
per cycle (:class:`rtl.olive.pe.OvpPE`).

Protocol: as :mod:`rtl.baseline.array` (``in_valid``/``in_last``/``in_ready``
beats; readout one row per cycle, bottom row first, ``out_row``/``out_last``).
``a_flint``/``b_flint`` pick the 4-bit normal type of A and B for the tile.

Timing (cycle 0 = the cycle whose rising edge takes the first beat; ``T``
back-to-back beats; ``e`` = decoder latency 1, ``L`` = PE latency 2)::

    first out_valid cycle = T + R + C - 2 + e + (L - 1)
    latency               = T + 2R + C - 2 + e + (L - 1) cycles  (inclusive)

which is the shared OS fold formula ``2R + C + T - 2 + (L - 1) + e``
(``sim.systolic.dataflow.fold_cycles`` under the ``drain`` convention) with ``T = ceil(K / d)``;
tests/rtl/test_olive.py holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Array, Module, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from llmaccel.rtl.baseline.array import add_row_readout
from llmaccel.rtl.olive import decoder as dec
from llmaccel.rtl.olive import pe as pe_mod
from llmaccel.rtl.olive.decoder import DECODER4, DecoderConfig, OvpDecoder
from llmaccel.rtl.olive.pe import OvpPE, OvpPEConfig

PAIRS_PER_BEAT = 2  # one decoded code pair per edge per cycle


@dataclass(frozen=True)
class OvpArrayConfig:
    rows: int = 4
    cols: int = 4
    decoder: DecoderConfig = DECODER4
    acc_width: int = 32


def latency_cycles(rows: int, cols: int, t: int) -> int:
    """Cycles from the first beat to the last output row, inclusive (see module docstring)."""
    return t + 2 * rows + cols - 2 + dec.LATENCY + (pe_mod.LATENCY - 1)


def _index_width(n: int) -> int:
    return max(1, (n - 1).bit_length())


class OvpArray(wiring.Component):
    def __init__(self, cfg: OvpArrayConfig = OvpArrayConfig()) -> None:
        self.cfg = cfg
        b = cfg.decoder.bits
        super().__init__(
            {
                "in_valid": In(1),
                "in_last": In(1),
                "in_ready": Out(1, init=1),
                "a_flint": In(1),
                "b_flint": In(1),
                "a": In(data.ArrayLayout(unsigned(2 * b), cfg.rows)),
                "b": In(data.ArrayLayout(unsigned(2 * b), cfg.cols)),
                "out_valid": Out(1),
                "out_last": Out(1),
                "out_row": Out(unsigned(_index_width(cfg.rows))),
                "c": Out(data.ArrayLayout(signed(cfg.acc_width), cfg.cols)),
            }
        )

    def elaborate(self, platform) -> Module:
        m = Module()
        cfg = self.cfg
        R, C, dcfg = cfg.rows, cfg.cols, cfg.decoder
        pcfg = OvpPEConfig(PAIRS_PER_BEAT, dcfg.exp_width, dcfg.int_width, cfg.acc_width)

        in_tile = Signal()
        fire = Signal()
        first = Signal()
        m.d.comb += [fire.eq(self.in_valid & self.in_ready), first.eq(fire & ~in_tile)]
        with m.If(fire):
            m.d.sync += in_tile.eq(~self.in_last)

        # ---- edge decoders (one registered stage); flags delayed alongside ------------
        def edge(code, flint, name):
            d = OvpDecoder(dcfg)
            m.submodules[name] = d
            m.d.comb += [d.code.eq(code), d.valid_in.eq(fire)]
            if dcfg.has_flint:
                m.d.comb += d.flint.eq(flint)
            return [(d.exp0, d.int0), (d.exp1, d.int1)]

        row_ops = [edge(self.a[i], self.a_flint, f"dec_row{i}") for i in range(R)]
        col_ops = [edge(self.b[j], self.b_flint, f"dec_col{j}") for j in range(C)]
        v_dec, f_dec = Signal(), Signal()
        m.d.sync += [v_dec.eq(fire), f_dec.eq(first)]

        def delayed(sig, n: int, name: str):
            cur = sig
            for k in range(n):
                nxt = Signal.like(sig, name=f"{name}_d{k + 1}")
                m.d.sync += nxt.eq(cur)
                cur = nxt
            return cur

        def delayed_ops(ops, n, name):
            return [(delayed(e, n, f"{name}_e{l}"), delayed(i, n, f"{name}_i{l}")) for l, (e, i) in enumerate(ops)]

        west = [delayed_ops(row_ops[i], i, f"skew_a{i}") for i in range(R)]
        west_v = [delayed(v_dec, i, f"skew_v{i}") for i in range(R)]
        west_f = [delayed(f_dec, i, f"skew_f{i}") for i in range(R)]
        north = [delayed_ops(col_ops[j], j, f"skew_b{j}") for j in range(C)]

        accs = [[None] * C for _ in range(R)]
        b_in = list(north)
        for i in range(R):
            a_in, v_in, f_in = west[i], west_v[i], west_f[i]
            for j in range(C):
                pe = OvpPE(pcfg)
                m.submodules[f"pe_{i}_{j}"] = pe
                for l in range(PAIRS_PER_BEAT):
                    m.d.comb += [
                        pe.a_exp[l].eq(a_in[l][0]),
                        pe.a_int[l].eq(a_in[l][1]),
                        pe.b_exp[l].eq(b_in[j][l][0]),
                        pe.b_int[l].eq(b_in[j][l][1]),
                    ]
                m.d.comb += [pe.en.eq(v_in), pe.clear.eq(f_in)]
                accs[i][j] = pe.acc
                if j + 1 < C:
                    a_in = delayed_ops(a_in, 1, f"a_{i}_{j}")
                    v_in = delayed(v_in, 1, f"v_{i}_{j}")
                    f_in = delayed(f_in, 1, f"f_{i}_{j}")
                if i + 1 < R:
                    b_in[j] = delayed_ops(b_in[j], 1, f"b_{i}_{j}")

        wait_cycles = R + C - 2 + dec.LATENCY + (pe_mod.LATENCY - 1)
        add_row_readout(m, self, fire, R, wait_cycles)
        for j in range(C):
            column = Array(accs[i][j] for i in range(R))
            m.d.comb += self.c[j].eq(column[self.out_row])
        return m
