"""The in-process rate limit (one replica): a moving window of one minute per agency, and no
thread started per batch (the event loop waited for each such start: ratelimit.py)."""

from __future__ import annotations

import threading

import pytest

from services.ingest import ratelimit
from services.ingest.ratelimit import AgencyLimiter


def test_a_minute_of_batches_per_agency(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    limiter = AgencyLimiter(3)
    assert [limiter.hit("fk") for _ in range(3)] == [None, None, None]
    assert limiter.hit("fk") == 60  # the first of the three leaves the window in a minute
    assert limiter.hit("af") is None  # each agency its own window
    clock[0] += 59.5
    assert limiter.hit("fk") == 1  # Retry-After: at least a second
    clock[0] += 0.5  # the first three are exactly a minute old: still in the window
    assert limiter.hit("fk") == 1
    clock[0] += 0.1
    assert [limiter.hit("fk") for _ in range(4)] == [None, None, None, 60]


def test_no_thread_per_batch() -> None:
    limiter = AgencyLimiter(1_000_000)
    before = threading.active_count()
    for _ in range(50):
        assert limiter.hit("fk") is None
    assert threading.active_count() == before
