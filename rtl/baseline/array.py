"""Output-stationary R x C systolic array of :class:`~rtl.baseline.pe.MacPE`.

Computes one tile ``C[R, C] = A[R, T] @ B[T, C]`` (signed INT8 in, INT32 out).

Streaming protocol (all on the rising edge of ``clk``)
------------------------------------------------------
* Input: in each of ``T`` consecutive cycles ``t = 0 .. T-1`` the driver
  presents column ``t`` of ``A`` on ``a`` (element ``i`` = ``A[i, t]``) and row
  ``t`` of ``B`` on ``b`` (element ``j`` = ``B[t, j]``) with ``in_valid = 1``;
  ``in_last = 1`` marks ``t = T-1``.  A beat is taken when ``in_valid`` and
  ``in_ready`` are both high.  The first beat after idle starts a new tile.
  Gaps (``in_valid = 0``) inside a tile are allowed; they only delay it.
* Skew: the array skews internally — row ``i`` of ``a`` passes ``i`` skew
  registers, column ``j`` of ``b`` passes ``j``; then ``a`` moves one PE right
  and ``b`` one PE down per cycle.  ``A[i, t]`` and ``B[t, j]`` therefore meet in
  PE(i, j) in cycle ``t + i + j``.  A valid flag and a first-beat flag travel
  with ``a``; they drive the PE's ``en`` and ``clear`` (clear-and-accumulate on
  the first beat, so no separate clear cycle is needed).
* Readout: parallel, one output row per cycle, bottom row first.  Once the
  last MAC (PE(R-1, C-1), cycle ``T + R + C - 3``) has happened, ``out_valid``
  is high for ``R`` cycles; in the ``k``-th of them ``out_row = R-1-k`` and
  ``c`` holds ``C[out_row, :]`` (element ``j`` = ``C[out_row, j]``);
  ``out_last`` marks row 0.  This is the order (and timing) of a shift-down
  drain out of the bottom edge, as in the sim/ reference
  (``sim.systolic.reference.simulate_os_tile`` with ``fold_convention="drain"``); the RTL reads the
  accumulators through an R:1 multiplexer per column instead of shifting them
  (same cycles, no extra registers, accumulators left intact).  ``in_ready`` is low from the cycle after the last input beat
  until the last output row has been shown (tiles do not overlap).

Latency (cycles; cycle 0 = the cycle in which the first beat is taken, the
count includes the cycle in which the last output row is valid), for ``T``
back-to-back beats::

    last MAC cycle        = T + R + C - 3
    first out_valid cycle = T + R + C - 2     (row R-1)
    last  out_valid cycle = T + 2R + C - 3    (row 0)
    latency               = T + 2R + C - 2    cycles

The next tile's first beat can be taken in cycle ``T + 2R + C - 2``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from amaranth.hdl import Array, Module, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from llmaccel.rtl.baseline.pe import MacPE, PEConfig


@dataclass(frozen=True)
class ArrayConfig:
    """Array shape (PEs) and PE bit widths."""

    rows: int = 4
    cols: int = 4
    pe: PEConfig = field(default_factory=PEConfig)

    def __post_init__(self) -> None:
        if self.rows < 1 or self.cols < 1:
            raise ValueError(f"array must be at least 1x1, got {self.rows}x{self.cols}")


def latency_cycles(rows: int, cols: int, t: int) -> int:
    """Cycles from the first input beat to the last valid output row (inclusive).

    This is the RTL's own statement of its timing (the protocol above).  The
    cocotb checks hold the measured latency equal to it, and
    ``tests/rtl/test_baseline.py`` holds it equal to the sim/ reference
    (``sim.systolic.reference.simulate_os_tile``, ``drain`` convention) on every tile the checks
    use -- rtl/ may not import sim/ (tests/test_layering.py), so the tests
    join the two.
    """
    return t + 2 * rows + cols - 2


def _index_width(n: int) -> int:
    return max(1, (n - 1).bit_length())


class OsArray(wiring.Component):
    """Output-stationary systolic array (see module docstring for the protocol)."""

    def __init__(self, cfg: ArrayConfig = ArrayConfig(), pe_factory: Callable[[PEConfig], MacPE] = MacPE) -> None:
        """``pe_factory`` builds each PE (a PE type is a parameter of the array)."""
        self.cfg = cfg
        self.pe_factory = pe_factory
        pe = cfg.pe
        super().__init__(
            {
                "in_valid": In(1),
                "in_last": In(1),
                "in_ready": Out(1, init=1),  # high after reset: idle
                "a": In(data.ArrayLayout(signed(pe.a_width), cfg.rows)),
                "b": In(data.ArrayLayout(signed(pe.b_width), cfg.cols)),
                "out_valid": Out(1),
                "out_last": Out(1),
                "out_row": Out(unsigned(_index_width(cfg.rows))),
                "c": Out(data.ArrayLayout(signed(pe.acc_width), cfg.cols)),
            }
        )

    def elaborate(self, platform) -> Module:
        m = Module()
        R, C, pe_cfg = self.cfg.rows, self.cfg.cols, self.cfg.pe

        # ---- input beat bookkeeping ------------------------------------------------
        in_tile = Signal()  # a tile has started, last beat not yet taken
        fire = Signal()
        first = Signal()
        m.d.comb += [fire.eq(self.in_valid & self.in_ready), first.eq(fire & ~in_tile)]
        with m.If(fire):
            m.d.sync += in_tile.eq(~self.in_last)

        # ---- skew registers: row i delayed by i, column j delayed by j -------------
        def delayed(sig, n: int, name: str):
            cur = sig
            for k in range(n):
                nxt = Signal.like(sig, name=f"{name}_d{k + 1}")
                m.d.sync += nxt.eq(cur)
                cur = nxt
            return cur

        west_a = [delayed(self.a[i], i, f"skew_a{i}") for i in range(R)]
        west_v = [delayed(fire, i, f"skew_v{i}") for i in range(R)]
        west_f = [delayed(first, i, f"skew_f{i}") for i in range(R)]
        north_b = [delayed(self.b[j], j, f"skew_b{j}") for j in range(C)]

        # ---- PE grid with one-cycle forwarding registers ---------------------------
        accs = [[None] * C for _ in range(R)]
        b_in = list(north_b)
        for i in range(R):
            a_in, v_in, f_in = west_a[i], west_v[i], west_f[i]
            for j in range(C):
                pe = self.pe_factory(pe_cfg)
                m.submodules[f"pe_{i}_{j}"] = pe
                m.d.comb += [pe.a.eq(a_in), pe.b.eq(b_in[j]), pe.en.eq(v_in), pe.clear.eq(f_in)]
                accs[i][j] = pe.acc
                if j + 1 < C:  # pass a, valid, first to the right
                    a_r = Signal.like(a_in, name=f"a_{i}_{j}")
                    v_r = Signal(name=f"v_{i}_{j}")
                    f_r = Signal(name=f"f_{i}_{j}")
                    m.d.sync += [a_r.eq(a_in), v_r.eq(v_in), f_r.eq(f_in)]
                    a_in, v_in, f_in = a_r, v_r, f_r
                if i + 1 < R:  # pass b down
                    b_r = Signal.like(b_in[j], name=f"b_{i}_{j}")
                    m.d.sync += b_r.eq(b_in[j])
                    b_in[j] = b_r

        # ---- control: wait for the last MAC, then show R output rows ---------------
        # All control outputs are registers (reset/init values below), so no output
        # is a combinational function of state alone (see docs/rtl.md, Icarus note).
        wait_cycles = R + C - 2  # cycles between the last beat and the first output row
        add_row_readout(m, self, fire, R, wait_cycles)

        # ---- readout multiplexer: row `out_row` of the accumulators ----------------
        for j in range(C):
            column = Array(accs[i][j] for i in range(R))
            m.d.comb += self.c[j].eq(column[self.out_row])
        return m


def add_row_readout(m: Module, port: Any, fire: Any, rows: int, wait_cycles: int) -> None:
    """The arrays' output controller, shared by the baseline and OliVe arrays.

    After the beat with ``in_last`` is accepted (``fire``), wait ``wait_cycles`` cycles
    (until the last MAC has reached the last PE), then raise ``out_valid`` for ``rows``
    cycles with ``out_row`` counting down from ``rows - 1`` (bottom row first) and
    ``out_last`` on the final row; ``in_ready`` drops with the last beat and returns
    after the last row. ``port`` needs ``in_last``, ``in_ready``, ``out_valid``,
    ``out_row`` and ``out_last``; all are driven synchronously (registers).
    """
    waiting = Signal()
    count = Signal(range(max(wait_cycles, 1)))
    start_output = [port.out_valid.eq(1), port.out_row.eq(rows - 1), port.out_last.eq(rows == 1)]
    with m.If(fire & port.in_last):
        m.d.sync += port.in_ready.eq(0)
        if wait_cycles == 0:
            m.d.sync += start_output
        else:
            m.d.sync += [waiting.eq(1), count.eq(wait_cycles - 1)]
    with m.If(waiting):
        with m.If(count == 0):
            m.d.sync += [waiting.eq(0), *start_output]
        with m.Else():
            m.d.sync += count.eq(count - 1)
    with m.If(port.out_valid):
        with m.If(port.out_last):
            m.d.sync += [port.out_valid.eq(0), port.out_last.eq(0), port.in_ready.eq(1)]
        with m.Else():
            m.d.sync += [port.out_row.eq(port.out_row - 1), port.out_last.eq(port.out_row == 1)]
