"""Types shared by notify's API schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer


def _utc(ts: datetime) -> str:
    # SQLite hands back naive datetimes (stored as UTC); the API always says so (RFC 3339).
    aware = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return aware.isoformat().replace("+00:00", "Z")


UtcDatetime = Annotated[datetime, PlainSerializer(_utc, return_type=str, when_used="json")]
