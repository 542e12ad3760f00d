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


def run_stream(
    comp: np.ndarray, readres: np.ndarray, a: np.ndarray, b: np.ndarray, acc_bits: int = 32
) -> list[tuple[int, int]]:
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


# ---------------------------------------------------------------------------------------
# fp16 lanes with an exact fixed-point accumulator
# ---------------------------------------------------------------------------------------
#: fixed-point LSB of the fp16 accumulator: 2^-FP16_FRAC_BITS (smallest product 2^-24 x 2^-24)
FP16_FRAC_BITS = 48
FP16_ACC_BITS = 96


def fp16_fields(bits: int) -> tuple[int, int, int]:
    """(sign, significand with hidden bit, effective exponent) of an fp16 bit pattern.

    value = (-1)^sign x significand x 2^(exponent - 25); subnormals use exponent 1.  The
    all-ones exponent (Inf/NaN) is decoded like a normal number with exponent 31 and flagged
    by :func:`fp16_special` — the unit does not implement IEEE specials.
    """
    s, e, f = (bits >> 15) & 1, (bits >> 10) & 0x1F, bits & 0x3FF
    return (s, f, 1) if e == 0 else (s, f | 0x400, e)


def fp16_special(bits: int) -> bool:
    return ((bits >> 10) & 0x1F) == 0x1F


def fp16_product_fixed(a: int, b: int) -> int:
    """Exact product of two fp16 patterns in units of 2^-48 (an integer)."""
    sa, ma, ea = fp16_fields(a)
    sb, mb, eb = fp16_fields(b)
    v = (ma * mb) << (ea + eb - 2)  # 2^(ea+eb-50) = 2^-48 x 2^(ea+eb-2)
    return -v if sa ^ sb else v


def run_stream_fp16(comp, readres, a_bits, b_bits, acc_bits: int = FP16_ACC_BITS) -> list[tuple[int, int, int]]:
    """Results ``[(cycle, value in 2^-48 units, special)]`` of an fp16 COMP/READRES stream.

    Products are exact (11 x 11-bit significands) and summed exactly in a wrapping
    ``acc_bits`` two's-complement fixed-point accumulator, so the unit never rounds; the
    NPU converts the read-out value.  ``special`` is 1 if any COMP since the last READRES
    had an Inf/NaN input.  Latency as :data:`LATENCY`.
    """
    acc = 0
    flag = 0
    out = []
    for t in range(len(comp)):
        if comp[t] and readres[t]:
            raise ValueError("COMP and READRES in the same cycle")
        if comp[t]:
            acc = wrap(acc + sum(fp16_product_fixed(int(x), int(y)) for x, y in zip(a_bits[t], b_bits[t])), acc_bits)
            flag |= int(any(fp16_special(int(x)) or fp16_special(int(y)) for x, y in zip(a_bits[t], b_bits[t])))
        elif readres[t]:
            out.append((t + LATENCY, acc, flag))
            acc = 0
            flag = 0
    return out
