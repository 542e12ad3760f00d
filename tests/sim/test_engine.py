"""The event-engine test helper (tests/sim/event_engine.py): deterministic event order and unit booking."""

import pytest
from event_engine import Engine, Resource

from llmaccel.workloads.errors import InputError


def test_events_fire_in_time_then_schedule_order():
    eng = Engine()
    log = []
    eng.at(5, lambda e: log.append(("a", e.now)))
    eng.at(2, lambda e: log.append(("b", e.now)))
    eng.at(5, lambda e: log.append(("c", e.now)))  # same time as "a": fires after it
    eng.at(2, lambda e: e.after(0, lambda e2: log.append(("d", e2.now))))  # scheduled during t=2
    last = eng.run()
    assert log == [("b", 2), ("d", 2), ("a", 5), ("c", 5)]
    assert last == 5 and eng.fired == 5 and eng.pending == 0


def test_after_chains_and_until():
    eng = Engine()
    seen = []

    def tick(e):
        seen.append(e.now)
        if e.now < 30:
            e.after(7, tick)

    eng.at(3, tick)
    eng.run(until=20)
    assert seen == [3, 10, 17]  # 24 lies beyond `until`
    eng.run()
    assert seen == [3, 10, 17, 24, 31]


def test_past_and_negative_rejected():
    eng = Engine()
    eng.at(10, lambda e: None)
    eng.run()
    with pytest.raises(InputError):
        eng.at(9, lambda e: None)
    with pytest.raises(InputError):
        eng.after(-1, lambda e: None)


def test_resource_books_earliest_free_unit():
    r = Resource("dma", units=2, record=True)
    assert r.acquire(0, 10) == (0, 10)  # unit 0
    assert r.acquire(0, 4) == (0, 4)  # unit 1
    assert r.acquire(2, 3) == (4, 7)  # unit 1 frees at 4 first
    assert r.acquire(20, 1) == (20, 21)  # both free; lowest index (unit 0)
    assert r.bookings[-1][0] == 0
    assert r.busy_cycles == 10 + 4 + 3 + 1
    assert r.free_at() == 7 and r.all_free_at() == 21


def test_resource_bad_input():
    with pytest.raises(InputError):
        Resource("x", units=0)
    with pytest.raises(InputError):
        Resource("x").acquire(0, -1)
