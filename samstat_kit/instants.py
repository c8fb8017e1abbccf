"""``as_of`` and ``updated_after`` as people and programs write them, one reading for every
service: an ISO 8601 / RFC 3339 instant, or a date meaning the end of that day in Sweden
("what the board saw on 2024-06-10"). An instant without a zone is Swedish time too.

One reading, because the same words meant different moments: ``/v1/cells?as_of=2024-06-10``
was the start of that day in UTC, the indicators' the end of it in Sweden, and the indicators'
``20240610`` (the same date in ISO's basic format) the start of it (a review)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SWEDEN = "Europe/Stockholm"


def day_of(text: str) -> date | None:
    """The date ``text`` is, in any ISO 8601 date form (2024-06-10, 20240610, 2024-W24-1),
    or None if it is something else (an instant, or not a date)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_instant(raw: str | None, zone: str = SWEDEN) -> datetime | None:
    """The instant (aware, UTC) that ``raw`` names, or None if it is empty. ValueError for
    anything else, also for an instant at the calendar's edge that a time-zone shift would
    carry past it (9999-12-31, 0001-01-01T00:00: OverflowError, a review's 500)."""
    if raw is None or not raw.strip():
        return None
    try:
        return _instant(raw.strip(), zone)
    except OverflowError:
        raise ValueError(f"{raw[:40]!r} is at the edge of the calendar") from None


def _instant(text: str, zone: str) -> datetime:
    day = day_of(text)
    if day is not None:
        end = datetime.combine(day + timedelta(days=1), time(), ZoneInfo(zone))
        return (end - timedelta(microseconds=1)).astimezone(UTC)
    ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return ts.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) if ts.tzinfo is None else \
        ts.astimezone(UTC)
