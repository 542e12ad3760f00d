"""Command encoding and the command-to-command gaps derived from DRAM timing.

Commands: ``ACT PRE RD WR REF`` (codes 0..4).  Gaps are minimum cycles from an
earlier command to a later one (DRAMsim3's derivation, tCK units):

=================  ==========================  ==========================================
earlier -> later    scope                       gap
=================  ==========================  ==========================================
ACT -> ACT          same bank                   tRC
ACT -> ACT          same rank, same bank group  tRRD_L   (plus tFAW: <= 4 ACTs per window)
ACT -> ACT          same rank, other group      tRRD_S
ACT -> RD/WR        same bank                   tRCD
ACT -> PRE          same bank                   tRAS
PRE -> ACT          same bank                   tRP
PRE -> REF          same rank                   tRP
RD -> PRE           same bank                   tRTP
WR -> PRE           same bank                   CWL + burst + tWR
RD -> RD, WR -> WR  same rank, same group       max(tCCD_L, burst)
RD -> RD, WR -> WR  same rank, other group      max(tCCD_S, burst)
RD -> RD, WR -> WR  other rank                  burst + tRTRS
RD -> WR            any rank                    CL + burst - CWL + tRTRS
WR -> RD            same rank, same group       CWL + burst + tWTR_L
WR -> RD            same rank, other group      CWL + burst + tWTR_S
WR -> RD            other rank                  CWL + burst + tRTRS - CL
REF -> ACT, REF     same rank                   tRFC
=================  ==========================  ==========================================

``burst`` = burst_length / 2 cycles (DDR).  A REF needs every bank of its rank closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmaccel.sim.dram.config import DramConfig

ACT, PRE, RD, WR, REF = 0, 1, 2, 3, 4
CMD_NAMES = ("ACT", "PRE", "RD", "WR", "REF")


@dataclass(frozen=True)
class Gaps:
    """Derived gaps (cycles).  See module table."""

    rc: int
    rcd: int
    ras: int
    rp: int
    rtp: int
    wr2pre: int
    rrd_s: int
    rrd_l: int
    faw: int
    rfc: int
    refi: int
    rd2rd_l: int
    rd2rd_s: int
    rd2rd_r: int
    rd2wr: int
    wr2rd_l: int
    wr2rd_s: int
    wr2rd_r: int
    read_latency: int
    write_latency: int

    @classmethod
    def of(cls, cfg: DramConfig) -> Gaps:
        t = cfg.timing
        b = cfg.burst_cycles
        return cls(
            rc=t.tRC,
            rcd=t.tRCD,
            ras=t.tRAS,
            rp=t.tRP,
            rtp=t.tRTP,
            wr2pre=t.CWL + b + t.tWR,
            rrd_s=t.tRRD_S,
            rrd_l=t.tRRD_L,
            faw=t.tFAW,
            rfc=t.tRFC,
            refi=t.tREFI,
            rd2rd_l=max(t.tCCD_L, b),
            rd2rd_s=max(t.tCCD_S, b),
            rd2rd_r=b + t.tRTRS,
            rd2wr=t.CL + b - t.CWL + t.tRTRS,
            wr2rd_l=t.CWL + b + t.tWTR_L,
            wr2rd_s=t.CWL + b + t.tWTR_S,
            wr2rd_r=t.CWL + b + t.tRTRS - t.CL,
            read_latency=t.CL + b,
            write_latency=t.CWL + b,
        )

    def as_array(self) -> np.ndarray:
        """Gaps as an int64 vector in field order (what the numba kernel takes)."""
        return np.array([getattr(self, f) for f in self.__dataclass_fields__], dtype=np.int64)


#: index of each gap in :meth:`Gaps.as_array`
GAP_INDEX = {f: i for i, f in enumerate(Gaps.__dataclass_fields__)}


def pair_gap(g: Gaps, prev: int, cur: int, same_rank: bool, same_bg: bool, same_bank: bool) -> int | None:
    """Minimum cycles from an earlier ``prev`` command to a later ``cur`` one, or None if unconstrained.

    Used by the reference controller against its whole history.
    """
    col = (RD, WR)
    if prev == ACT:
        if cur == ACT:
            if same_bank:
                return g.rc
            if same_rank:
                return g.rrd_l if same_bg else g.rrd_s
            return None
        if cur in col and same_bank:
            return g.rcd
        if cur == PRE and same_bank:
            return g.ras
        return None
    if prev == PRE:
        if cur == ACT and same_bank:
            return g.rp
        if cur == REF and same_rank:
            return g.rp
        return None
    if prev == REF:
        if cur in (ACT, REF) and same_rank:
            return g.rfc
        return None
    if prev in col:
        if cur == PRE and same_bank:
            return g.rtp if prev == RD else g.wr2pre
        if cur in col:
            if prev == cur:
                if not same_rank:
                    return g.rd2rd_r
                return g.rd2rd_l if same_bg else g.rd2rd_s
            if prev == RD:  # RD -> WR
                return g.rd2wr
            if not same_rank:  # WR -> RD
                return g.wr2rd_r
            return g.wr2rd_l if same_bg else g.wr2rd_s
        return None
    return None
