"""The one retry state machine of everything notify sends (alert deliveries and weekly
digests): ``pending``/``failed`` → ``sent`` on success; on failure ``failed`` with the next
attempt after an exponential backoff (base, 2·base, 4·base … capped), or ``dead`` once
``max_attempts`` attempts failed. Pure: it changes the row it is given, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from services.notify.delivery.models import DEAD, FAILED, SENT

MAX_ERROR = 2000


class Attempted(Protocol):
    """A row that is sent and retried (``Delivery``, ``Digest``)."""

    attempts: int
    status: str
    last_error: str | None
    next_attempt_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base: float  # seconds before the second attempt
    cap: float  # longest wait

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        return timedelta(seconds=min(self.cap, self.base * 2 ** max(0, attempts - 1)))


def settle(row: Attempted, *, error: str | None, now: datetime, policy: RetryPolicy) -> str:
    """Record one attempt on ``row``; returns its new status (sent, failed or dead)."""
    row.attempts += 1
    if error is None:
        row.status, row.sent_at, row.last_error = SENT, now, None
    elif row.attempts >= policy.max_attempts:
        row.status, row.last_error = DEAD, error[:MAX_ERROR]
    else:
        row.status, row.last_error = FAILED, error[:MAX_ERROR]
        row.next_attempt_at = now + policy.delay(row.attempts)
    return row.status
