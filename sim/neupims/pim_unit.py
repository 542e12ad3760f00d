"""Functional + cycle model of one PIM bank MAC unit (what rtl/neupims is checked against).

The unit has ``lanes`` int8 multipliers (Newton-style: one per 16-bit column element
of the open row; the RTL uses int8 lanes, see docs/neupims.md for why not fp16), an
adder tree and a wrapping two's-complement accumulator of ``acc_bits``.

Commands, at most one per cycle:

* ``COMP(a, b)`` — ``acc += sum_i a_i * b_i`` (a: bank row data, b: global buffer);
* ``READRES``    — the accumulator value is returned and the accumulator cleared.

Pipeline: multiply (1) -> adder tree (1) -> accumulate/read-out (1): a READRES issued
in cycle t presents its result in cycle ``t + LATENCY``; COMPs issued before it are
included.
"""
from __future__ import annotations

import numpy as np

#: cycles from READRES to the result (multiply, adder-tree and accumulate registers)
LATENCY = 3


def wrap(v: int, bits: int) -> int:
    """Two's-complement wrap of ``v`` to ``bits``."""
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def run_stream(comp: np.ndarray, readres: np.ndarray, a: np.ndarray, b: np.ndarray,
               acc_bits: int = 32) -> list[tuple[int, int]]:
    """Results ``[(cycle, value)]`` of a command stream.

    Args:
        comp, readres: per-cycle 0/1 (never both 1 in one cycle).
        a, b: ``(cycles, lanes)`` int8 operands (used where comp = 1).
    """
    comp = np.asarray(comp, np.int64)
    readres = np.asarray(readres, np.int64)
    if np.any(comp & readres):
        raise ValueError("COMP and READRES in the same cycle")
    dots = (np.asarray(a, np.int64) * np.asarray(b, np.int64)).sum(axis=1)
    acc = 0
    out = []
    for t in range(len(comp)):
        if comp[t]:
            acc = wrap(acc + int(dots[t]), acc_bits)
        elif readres[t]:
            out.append((t + LATENCY, acc))
            acc = 0
    return out
