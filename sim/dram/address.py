"""Address mapping: byte address <-> (channel, rank, bankgroup, bank, row, column).

The map is a comma-separated list of fields, most significant first, e.g.
``"ro,ra,bg,ba,ch,co"`` (NeuPIMs' row-rank-bankgroup-bank-channel-column).  The
lowest ``log2(access_bytes)`` bits are the offset inside one 64 B column access.
Every field size must be a power of two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmaccel.sim.dram.config import DramOrg
from llmaccel.workloads.errors import InputError


def _log2(where: str, n: int) -> int:
    if n <= 0 or n & (n - 1):
        raise InputError(where, f"must be a power of two for address mapping, got {n}")
    return n.bit_length() - 1


@dataclass(frozen=True)
class AddressMap:
    """Bit positions of each field.  ``shift[f]``/``bits[f]`` for f in ro,ra,bg,ba,ch,co."""

    shift: dict
    bits: dict
    offset_bits: int

    @classmethod
    def of(cls, org: DramOrg) -> AddressMap:
        sizes = {
            "ro": org.rows,
            "ra": org.ranks,
            "bg": org.bankgroups,
            "ba": org.banks_per_group,
            "ch": org.channels,
            "co": org.columns,
        }
        names = {
            "ro": "rows",
            "ra": "ranks",
            "bg": "bankgroups",
            "ba": "banks_per_group",
            "ch": "channels",
            "co": "row_bytes/access_bytes",
        }
        bits = {f: _log2(f"dram.org.{names[f]}", n) for f, n in sizes.items()}
        off = _log2("dram.org.access_bytes", org.access_bytes)
        shift = {}
        pos = off
        for f in reversed(org.address_map.split(",")):
            shift[f] = pos
            pos += bits[f]
        return cls(shift, bits, off)

    @property
    def capacity_bytes(self) -> int:
        return 1 << (self.offset_bits + sum(self.bits.values()))

    def decode(self, addr: np.ndarray) -> dict[str, np.ndarray]:
        """Vectorised decode of byte addresses -> dict of int64 arrays per field."""
        a = np.asarray(addr, dtype=np.int64)
        if a.size and (a.min() < 0 or a.max() >= self.capacity_bytes):
            raise InputError("dram address", f"must be in [0, {self.capacity_bytes})")
        return {f: (a >> self.shift[f]) & ((1 << self.bits[f]) - 1) for f in self.shift}

    def encode(self, **fields: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`decode` (missing fields are 0)."""
        out = np.zeros(np.broadcast(*[np.asarray(v) for v in fields.values()]).shape if fields else (), np.int64)
        for f, v in fields.items():
            out = out | (np.asarray(v, np.int64) << self.shift[f])
        return out
