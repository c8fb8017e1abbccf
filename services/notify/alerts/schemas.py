"""API shapes of alerts (the list item follows ``schemas/alert.v1.schema.json`` plus reason)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.notify.inbox.bulk import MAX_BULK, MAX_ID
from services.notify.schemas_common import UtcDatetime


class AlertLinks(BaseModel):
    page: str = Field(description="The alert's page in the inbox")
    acknowledge: str | None = Field(
        None, exclude_if=lambda v: v is None,
        description="Signed, expiring one-click link: GET shows a confirmation page, its POST "
                    "acknowledges once. Only for the convener's agency and admins, and only "
                    "while the alert fires (left out otherwise: the link acts without a "
                    "sign-in, and an alert no longer firing cannot be acknowledged)")


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
    links: AlertLinks | None = None


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
    comment: str | None = None


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
    snoozed_until: UtcDatetime | None = None
    assignee: str | None = None
    history: list[AlertEventRead] = []
    deliveries: list[DeliveryRead] = []


Comment = Annotated[str, Field(max_length=2000)]


class AckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Comment = ""


class BulkAckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=MAX_ID)]], Field(
        min_length=1, max_length=MAX_BULK,
        description=f"The alerts to acknowledge, at most {MAX_BULK} (an id given twice "
                    "counts once)")]
    comment: Comment = Field("", description="Recorded with each acknowledgement")


class BulkAckItem(BaseModel):
    id: str
    outcome: Literal["acknowledged", "already", "resolved", "forbidden", "missing"] = Field(
        description="acknowledged now; already (acknowledged before: a comment is kept as a "
                    "comment); or why not: resolved, forbidden (not the convener's agency or "
                    "an admin), missing")
    status: int = Field(description="What POST /v1/alerts/{id}/ack answers for this alert: "
                                    "200, 403, 404 or 409")
    detail: str | None = Field(None, description="Why not, as that call's error says it")


class BulkAckRead(BaseModel):
    acknowledged: int = Field(description="Acknowledged by this request")
    already: int = Field(description="Acknowledged before")
    refused: int = Field(description="Not acknowledged (each says why in results)")
    results: list[BulkAckItem] = Field(description="One per id asked for, in their order")


class SnoozeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: date = Field(description="No reminders or escalation before this day (Swedish "
                        "time): a day after today, at most 366 days ahead (else 422)")
    comment: Comment = ""


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: Annotated[str, Field(max_length=254, description="E-mail of an active person of "
                                   "the convener's agency; empty: nobody")]
    comment: Comment = ""


class CommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=2000)]
