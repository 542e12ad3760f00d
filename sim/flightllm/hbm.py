"""HBM traffic per pseudo-channel (PC): an analytical, burst-granular model.

Not a command-level DRAM simulator (``sim/dram`` had not landed when this was written);
a documented per-PC request model with sourced HBM2 timing, so that bandwidth
utilisation is an *output*.  Time unit: HBM clock cycles (tCK = 2000 / data_rate_mtps ns).

Per PC, requests are served in FIFO order; a request of ``bytes`` is ``ceil(bytes/32)``
bursts of ``burst_beats`` beats (BL4 x 64 bit = 32 B):

* ``tB = max(burst_beats/2, fabric)`` cycles per burst, where ``fabric`` is the AXI
  port limit (``axi_bits`` at ``axi_mhz``);
* an *idle* PC (request arrives after the bus went free) exposes the row activation
  ``tRCD`` and, for reads, the controller/AXI ``access_latency``;
* back-to-back requests pipeline (no latency), but a read<->write switch costs
  ``tWTR`` / ``tRTW``;
* row changes inside a stream are hidden by bank interleaving (the next row's bank is
  activated while the current row streams) when ``(banks-1) * row_bursts * tB >=
  tRP + tRCD`` — checked, else each row change pays the shortfall;
* refresh: every ``R = floor((tREFI - tRFC) / tB)`` bursts of bus time the PC stalls
  ``tRFC + tRCD`` (all banks refreshed, first row re-opened).

A transfer of many bytes is striped over the PCs the design drives (``pcs``: all
``pseudo_channels`` unless given; the FlightLLM design passes
:meth:`FlightParams.hbm_pcs` = ``min(pseudo_channels, cores x pcs_per_core)``, 24 of 32 on
the U280) in ``request_bytes`` chunks (round robin from a rotating start PC); it completes
when its slowest PC does.  One stripe over the 24 PCs stands for each core streaming its
column slice from its own 8 PCs: a tile's columns are split evenly over the cores, so
every PC gets the same bytes either way (up to where the last partial chunk lands).

Two speeds: :meth:`HbmModel.reference_request` walks bursts one by one;
:meth:`HbmModel.transfer` (default) is the closed form per request, looped over PCs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from llmaccel.sim.flightllm.params import HbmParams


@dataclass(frozen=True)
class HbmTiming:
    """Integer timing in HBM clock cycles, derived from :class:`HbmParams`."""

    tck_ns: float
    t_burst: int
    burst_bytes: int
    t_rcd: int
    t_rp: int
    t_rfc: int
    t_wtr: int
    t_rtw: int
    latency: int
    refresh_every: int
    row_penalty: int

    @staticmethod
    def of(p: HbmParams) -> HbmTiming:
        tck = 2000.0 / p.data_rate_mtps
        cyc = lambda ns: int(math.ceil(ns / tck - 1e-9))  # noqa: E731
        burst_bytes = p.pc_bytes_per_beat * p.burst_beats
        fabric_bytes_per_tck = (p.axi_bits / 8) * p.axi_mhz / (p.data_rate_mtps / 2)
        t_burst = max(int(math.ceil(p.burst_beats / 2)), int(math.ceil(burst_bytes / fabric_bytes_per_tck - 1e-9)))
        row_bursts = max(1, p.row_bytes // burst_bytes)
        hidden = (p.banks - 1) * row_bursts * t_burst
        row_pen = max(0, cyc(p.tRP_ns) + cyc(p.tRCD_ns) - hidden)
        t_rfc = cyc(p.tRFC_ns)
        refresh_every = max(1, (cyc(p.tREFI_ns) - t_rfc) // t_burst)
        return HbmTiming(
            tck,
            t_burst,
            burst_bytes,
            cyc(p.tRCD_ns),
            cyc(p.tRP_ns),
            t_rfc,
            cyc(p.tWTR_ns),
            cyc(p.tRTW_ns),
            cyc(p.access_latency_ns),
            refresh_every,
            row_pen,
        )


class HbmModel:
    """State of all pseudo-channels: bus-free time, last direction, bursts served."""

    def __init__(self, p: HbmParams, pcs: int | None = None) -> None:
        """``pcs``: pseudo-channels transfers are striped over (default: all ``pseudo_channels``)."""
        self.p = p
        self.t = HbmTiming.of(p)
        n = p.pseudo_channels if pcs is None else pcs
        if not 1 <= n <= p.pseudo_channels:
            raise ValueError(f"pcs={n} outside 1..{p.pseudo_channels} pseudo-channels")
        self.pcs = n
        self._bus = np.zeros(n, np.int64)  # bus-free cycle per PC
        self._lw = np.zeros(n, np.int64)  # 1: last request was a write
        self._served = np.zeros(n, np.int64)  # bursts served (refresh counter)
        self._busy = np.zeros(n, np.int64)  # cycles with the PC bus occupied
        self._next = np.zeros(1, np.int64)  # round-robin start PC of the next transfer
        self.bytes_read = 0.0
        self.bytes_written = 0.0
        self.row_bursts = max(1, p.row_bytes // self.t.burst_bytes)
        self.tv = self.timing_vector()  # the closed form's constants, built once

    # ---- one PC, per-burst reference -----------------------------------------------------
    def reference_request(self, pc: int, arrival: int, nbytes: int, write: bool) -> int:
        """Same rules as the closed form, walked one burst at a time."""
        t = self.t
        bursts = -(-nbytes // t.burst_bytes)
        if bursts == 0:
            return arrival
        if arrival >= self.bus_free[pc]:
            now = arrival + t.t_rcd + (0 if write else t.latency)
        else:
            now = int(self.bus_free[pc])
            if self.last_write[pc] and not write:
                now += t.t_wtr
            elif not self.last_write[pc] and write and self.served[pc] > 0:
                now += t.t_rtw
        start = now
        for b in range(bursts):
            if b > 0 and b % self.row_bursts == 0:
                now += t.row_penalty  # new row, ACT not fully hidden
            now += t.t_burst  # data beats of this burst
            self.served[pc] += 1
            if self.served[pc] % t.refresh_every == 0:
                now += t.t_rfc + t.t_rcd  # all-bank refresh, then re-open the row
        self.bus_free[pc] = now
        self.last_write[pc] = write
        self._busy[pc] += now - start
        return now

    # ---- striped transfer over the driven PCs -----------------------------------------------
    def split(self, nbytes: float) -> list[int]:
        """Bytes per driven PC for a transfer striped in ``request_bytes`` chunks (round robin)."""
        n = self.pcs
        chunk = self.p.request_bytes
        total = int(math.ceil(nbytes))
        full, rest = divmod(total, chunk)
        per = [(full // n) * chunk] * n
        extra = full % n
        start = int(self._next[0])
        for j in range(extra):
            per[(start + j) % n] += chunk
        if rest:
            per[(start + extra) % n] += rest
        self._next[0] = (start + extra + (1 if rest else 0)) % n
        return per

    def transfer(self, arrival: int, nbytes: float, write: bool, reference: bool = False) -> int:
        """Issue a striped transfer at ``arrival`` (HBM cycles); returns completion cycle."""
        if nbytes <= 0:
            return arrival
        total = int(math.ceil(nbytes))
        if reference:
            per = self.split(nbytes)
            end = arrival
            for pc, nb in enumerate(per):
                if nb:
                    end = max(end, self.reference_request(pc, arrival, nb, write))
        else:
            end = int(
                striped_closed_form(
                    self._bus, self._lw, self._served, self._busy, self._next, total, int(arrival), int(write), self.tv
                )
            )
        if write:
            self.bytes_written += float(total)
        else:
            self.bytes_read += float(total)
        return end

    @property
    def bus_free(self) -> np.ndarray:
        return self._bus

    @property
    def last_write(self) -> np.ndarray:
        return self._lw

    def timing_vector(self) -> np.ndarray:
        """The closed form's constants as one int64 array (indices :data:`CHUNK` ... :data:`T_RTW`):
        request chunk and burst bytes, bursts between refreshes, bursts per row, refresh cost,
        row penalty, burst time, tRCD, read latency, tWTR, tRTW (HBM cycles)."""
        t = self.t
        return np.array(
            [
                self.p.request_bytes,
                t.burst_bytes,
                t.refresh_every,
                self.row_bursts,
                t.t_rfc + t.t_rcd,
                t.row_penalty,
                t.t_burst,
                t.t_rcd,
                t.latency,
                t.t_wtr,
                t.t_rtw,
            ],
            np.int64,
        )

    @property
    def next_pc(self) -> np.ndarray:
        """One-element array: the round-robin start PC of the next striped transfer."""
        return self._next

    @property
    def served(self) -> np.ndarray:
        return self._served

    @property
    def busy_cycles(self) -> np.ndarray:
        return self._busy

    def peak_bytes_per_cycle(self) -> float:
        """Device peak (from ``peak_gbps``) in bytes per HBM cycle."""
        return self.p.peak_gbps * self.t.tck_ns

    def driven_peak_gbps(self) -> float:
        """Peak of the driven PCs only: ``peak_gbps x pcs / pseudo_channels`` (GB/s)."""
        return self.p.peak_gbps * self.pcs / self.p.pseudo_channels


#: positions in the closed form's timing vector (:meth:`HbmModel.timing_vector`)
CHUNK, BURST_BYTES, REFRESH_EVERY, ROW_BURSTS, REFRESH_COST, ROW_PENALTY, T_BURST, T_RCD, LATENCY, T_WTR, T_RTW = range(
    11
)


@njit(cache=True)
def striped_closed_form(bus, lw, served, busy, nxt, total, arrival, write, tv):  # pragma: no cover - numba
    """Closed form of one striped transfer (split round robin, then every PC's request).

    State arrays per PC (bus-free cycle, last write, bursts served, busy cycles) and the
    round-robin start ``nxt`` are updated in place; ``tv`` is :meth:`HbmModel.timing_vector`."""
    chunk, bb, ev, rb = tv[CHUNK], tv[BURST_BYTES], tv[REFRESH_EVERY], tv[ROW_BURSTS]
    rcost, rowp, t_burst, t_rcd = tv[REFRESH_COST], tv[ROW_PENALTY], tv[T_BURST], tv[T_RCD]
    latency, t_wtr, t_rtw = tv[LATENCY], tv[T_WTR], tv[T_RTW]
    n = bus.shape[0]
    full = total // chunk
    rest = total - full * chunk
    base = (full // n) * chunk
    extra = full % n
    start_pc = nxt[0]
    end = arrival
    first = t_rcd + (0 if write else latency)
    for pc in range(n):
        off = (pc - start_pc) % n
        nb = base + (chunk if off < extra else 0) + (rest if (rest > 0 and off == extra) else 0)
        if nb == 0:
            continue
        bursts = (nb + bb - 1) // bb
        b = bus[pc]
        if arrival >= b:
            st = arrival + first
        elif write:
            st = b + (t_rtw if (lw[pc] == 0 and served[pc] > 0) else 0)
        else:
            st = b + (t_wtr if lw[pc] == 1 else 0)
        s0 = served[pc]
        e = st + bursts * t_burst + ((s0 + bursts) // ev - s0 // ev) * rcost + ((bursts + rb - 1) // rb - 1) * rowp
        bus[pc] = e
        lw[pc] = write
        served[pc] = s0 + bursts
        busy[pc] += e - st
        if e > end:
            end = e
    nxt[0] = (start_pc + extra + (1 if rest > 0 else 0)) % n
    return end
