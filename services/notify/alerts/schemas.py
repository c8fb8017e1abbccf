"""API shapes of alerts (the list item follows ``schemas/alert.v1.schema.json`` plus reason)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.notify.schemas_common import UtcDatetime


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    initiative: int | None
    indicator: str
    area: str
    period: str
    rule: str
    value: float | None
    expected: float | None
    status: str
    convener: str
    reason: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class AlertEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: UtcDatetime
    transition: str
    status: str
    episode: int
    value: float | None
    expected: float | None
    reason: str
    actor: str


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: str
    transition: str
    episode: int
    sequence: int = 0
    role: str = "convener"
    batch_id: int | None = None
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: UtcDatetime
    sent_at: UtcDatetime | None


class AlertDetail(AlertRead):
    follow_up_owner: str | None
    episode: int
    fired_at: UtcDatetime
    acknowledged_at: UtcDatetime | None
    acknowledged_by: str | None
    escalated_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    reminders: int = 0
    reminded_at: UtcDatetime | None = None
    history: list[AlertEventRead] = []
    deliveries: list[DeliveryRead] = []
