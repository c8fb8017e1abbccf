"""API shapes of the weekly digests."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.notify.schemas_common import UtcDatetime


class DigestRead(BaseModel):
    id: int
    convener: str
    subscription_id: str
    channel: str
    lang: str
    iso_week: str
    period_start: UtcDatetime
    period_end: UtcDatetime
    status: str
    attempts: int
    last_error: str | None
    created_at: UtcDatetime
    sent_at: UtcDatetime | None
    subject: str
    text: str
    summary: dict[str, Any]


class DigestRun(BaseModel):
    week: str
    created: list[DigestRead]
