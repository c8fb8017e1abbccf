"""The one retry state machine of deliveries and digests (property-tested)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.notify.delivery.retry import RetryPolicy, settle

T0 = datetime(2026, 12, 4, tzinfo=UTC)


@dataclass
class Row:
    attempts: int = 0
    status: str = "pending"
    last_error: str | None = None
    next_attempt_at: datetime = T0
    sent_at: datetime | None = None


@given(st.lists(st.booleans(), min_size=1, max_size=20), st.integers(1, 10),
       st.floats(0.01, 100), st.floats(0.01, 10_000))
def test_attempts_end_sent_or_dead(outcomes: list[bool], max_attempts: int, base: float,
                                   cap: float) -> None:
    policy, row, now = RetryPolicy(max_attempts, base, cap), Row(), T0
    for n, ok in enumerate(outcomes, start=1):
        if row.status in ("sent", "dead"):
            break
        now = row.next_attempt_at
        status = settle(row, error=None if ok else "x" * 3000, now=now, policy=policy)
        assert row.attempts == n and status == row.status
        if ok:
            assert (row.status, row.sent_at, row.last_error) == ("sent", now, None)
        elif n >= max_attempts:
            assert row.status == "dead" and row.last_error == "x" * 2000
        else:
            wait = row.next_attempt_at - now
            assert row.status == "failed"
            assert wait == timedelta(seconds=min(cap, base * 2 ** (n - 1)))
    assert row.attempts <= max_attempts


def test_backoff_doubles_up_to_the_cap() -> None:
    p = RetryPolicy(8, 30, 100)
    assert [p.delay(n).total_seconds() for n in range(1, 5)] == [30, 60, 100, 100]
