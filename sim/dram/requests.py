"""A stream of memory requests for one channel, as parallel integer arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmaccel.workloads.errors import InputError


@dataclass(frozen=True)
class ChannelRequests:
    """Requests of one channel in arrival order.

    Attributes (int64 arrays of equal length):
        arrival: cycle the request reaches the controller (non-decreasing).
        is_write: 1 for writes, 0 for reads.
        rank, bg, bank: target bank (bank = index inside its bank group).
        row: target row.
    """

    arrival: np.ndarray
    is_write: np.ndarray
    rank: np.ndarray
    bg: np.ndarray
    bank: np.ndarray
    row: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.arrival)
        for f in ("is_write", "rank", "bg", "bank", "row"):
            if len(getattr(self, f)) != n:
                raise InputError(f"requests.{f}", f"length {n} like arrival")
        if n and np.any(np.diff(self.arrival) < 0):
            raise InputError("requests.arrival", "must be non-decreasing")
        if n and self.arrival[0] < 0:
            raise InputError("requests.arrival", "must be >= 0")

    def __len__(self) -> int:
        return len(self.arrival)

    @classmethod
    def build(cls, arrival, is_write, rank, bg, bank, row) -> ChannelRequests:
        a = lambda x: np.ascontiguousarray(np.asarray(x, dtype=np.int64))  # noqa: E731
        n = len(np.asarray(arrival))
        bc = lambda x: a(np.broadcast_to(np.asarray(x, dtype=np.int64), (n,)))  # noqa: E731
        return cls(a(arrival), bc(is_write), bc(rank), bc(bg), bc(bank), bc(row))


@dataclass
class ChannelSchedule:
    """What a controller did.

    Attributes:
        commands: int64 array (n_cmds, 6): cycle, cmd code, rank, bg, bank, row.
        done: int64 array per request: cycle its data transfer completes.
        issue: int64 array per request: cycle of its column command.
        end_cycle: cycle after the last data transfer.
    """

    commands: np.ndarray
    done: np.ndarray
    issue: np.ndarray
    end_cycle: int
