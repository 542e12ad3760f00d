"""A tiny deterministic discrete-event engine and a unit-occupancy timeline (test helper).

No simulator needs callbacks (every design's timing is closed form or a dedicated
command-level loop), so this lives with the tests: it is the independent event-by-event
reference that tests/sim/test_systolic_model.py holds the double-buffering closed form to.

Times are integer clock cycles of the design's main clock.

* :class:`Engine` — a heap of ``(time, seq, callback)``; ``seq`` is a running
  counter so events scheduled for the same cycle fire in the order they were
  scheduled (deterministic, no dependence on callback identity).
* :class:`Resource` — ``n`` identical units (a DMA engine, a PIM channel, an
  array).  ``acquire(t, d)`` books the earliest-free unit from ``max(t, free)``
  for ``d`` cycles and returns ``(start, end)``; the unit is busy in
  ``[start, end)``.  Used by instruction schedulers and stage pipelines that
  need occupancy, not callbacks.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from llmaccel.workloads.errors import InputError

Callback = Callable[["Engine"], None]


class Engine:
    """Discrete-event loop.

    Example::

        eng = Engine()
        eng.at(5, lambda e: e.after(3, lambda e: print(e.now)))  # prints 8
        eng.run()
    """

    def __init__(self) -> None:
        self.now: int = 0
        self._queue: list[tuple[int, int, Callback]] = []
        self._seq = 0
        self.fired = 0

    def at(self, time: int, callback: Callback) -> None:
        """Schedule ``callback(engine)`` at absolute cycle ``time`` (>= now)."""
        if time < self.now:
            raise InputError("engine.at", f"cannot schedule in the past: {time} < now {self.now}")
        heapq.heappush(self._queue, (int(time), self._seq, callback))
        self._seq += 1

    def after(self, delay: int, callback: Callback) -> None:
        """Schedule ``callback`` ``delay`` (>= 0) cycles from now."""
        if delay < 0:
            raise InputError("engine.after", f"delay must be >= 0, got {delay}")
        self.at(self.now + delay, callback)

    def run(self, until: int | None = None) -> int:
        """Fire events in (time, seq) order; return the time of the last event fired.

        Stops when the queue is empty or the next event lies beyond ``until``.
        """
        while self._queue:
            t, _, cb = self._queue[0]
            if until is not None and t > until:
                break
            heapq.heappop(self._queue)
            self.now = t
            self.fired += 1
            cb(self)
        return self.now

    @property
    def pending(self) -> int:
        return len(self._queue)


class Resource:
    """``units`` identical servers with first-free booking (no preemption).

    Attributes:
        name: for error messages and timelines.
        units: number of identical units.
        busy_cycles: total booked cycles over all units.
        bookings: ``(unit, start, end, tag)`` in booking order (for Gantt plots).
    """

    def __init__(self, name: str, units: int = 1, record: bool = False) -> None:
        if not isinstance(units, int) or units <= 0:
            raise InputError(f"resource {name}.units", f"must be a positive integer, got {units!r}")
        self.name = name
        self.units = units
        self._free = [0] * units
        self.busy_cycles = 0
        self.record = record
        self.bookings: list[tuple[int, int, int, str]] = []

    def acquire(self, t: int, duration: int, tag: str = "") -> tuple[int, int]:
        """Book the earliest-available unit from cycle ``t`` for ``duration`` cycles.

        Ties between units go to the lowest unit index.  Returns ``(start, end)``
        with ``start = max(t, unit free time)`` and ``end = start + duration``.
        """
        if duration < 0:
            raise InputError(f"resource {self.name}.duration", f"must be >= 0, got {duration}")
        unit = min(range(self.units), key=lambda u: (max(t, self._free[u]), u))
        start = max(t, self._free[unit])
        end = start + duration
        self._free[unit] = end
        self.busy_cycles += duration
        if self.record:
            self.bookings.append((unit, start, end, tag))
        return start, end

    def free_at(self) -> int:
        """Earliest cycle at which some unit is free."""
        return min(self._free)

    def all_free_at(self) -> int:
        """Cycle at which every unit is free (makespan of the bookings)."""
        return max(self._free)


Timeline = Resource  # the name used in the design docs

__all__ = ["Engine", "Resource", "Timeline"]
