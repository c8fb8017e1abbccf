"""Notify's alert tables: indicator definitions and values as last seen, alerts, their history.

All notify tables share this module's :class:`Base` so one migration tree covers them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from samstat_kit.db import new_metadata

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit sequence.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# Who acted: a person's e-mail address (up to 254 characters). SQLite keeps the column as it
# was created (it does not enforce a VARCHAR's length, and widening it would copy the table).
Actor = String(254).with_variant(String(64), "sqlite")
# An alert's indicator: a data-quality alert's id names the reporting agency as well as the
# measure and breakdown (alerts/quality.py), longer than a registry id (migration 0006 widens
# the columns, on SQLite only in name, as above). The dedup key is the id and 75 more.
INDICATOR_LENGTH = 160
AlertIndicator = String(INDICATOR_LENGTH).with_variant(String(64), "sqlite")
DedupKey = String(255).with_variant(String(200), "sqlite")

FIRING, ACKNOWLEDGED, RESOLVED = "firing", "acknowledged", "resolved"
OPEN_STATUSES = (FIRING, ACKNOWLEDGED)
# The indicator id of a data-quality alert starts with this (alerts/quality.py): it names an
# agency, a measure and a breakdown, not an indicator, so it has no indicator page.
QUALITY_PREFIX = "dq:"


def aware(ts: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = new_metadata()


class Definition(Base):
    """The latest registry event per indicator, so a restart needs no broker to evaluate."""

    __tablename__ = "notify_definitions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    initiative: Mapped[int | None] = mapped_column(Integer, nullable=True)
    convener: Mapped[str] = mapped_column(String(64))
    follow_up_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # the registry's "indicator" object
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IndicatorValue(Base):
    """The latest indicator-value event per cell, for re-evaluation, history and trends."""

    __tablename__ = "notify_indicator_values"

    indicator: Mapped[str] = mapped_column(String(64), primary_key=True)
    area: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    previous_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    year_ago_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(32))
    complete: Mapped[bool] = mapped_column(Boolean)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Taken back (indicator-value withdrawn): the period no longer counts as arrived.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Alert(Base):
    """One alert per condition (indicator|area|period|rule), reopened if it fires again.

    ``episode`` counts the times it fired; notifications are per episode, so a condition that
    resolves and fires again is announced again, while redelivered events announce nothing.
    """

    __tablename__ = "notify_alerts"
    # The inbox reads an agency's alerts as convener or follow-up owner, open ones first,
    # newest first: each side of that OR finds its rows by index, in the list's order.
    __table_args__ = (
        Index("ix_notify_alerts_convener_order", "convener", "status", "fired_at", "id"),
        Index("ix_notify_alerts_owner_order", "follow_up_owner", "status", "fired_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dedup_key: Mapped[str] = mapped_column(DedupKey, unique=True)
    initiative: Mapped[int | None] = mapped_column(Integer, nullable=True)
    indicator: Mapped[str] = mapped_column(AlertIndicator, index=True)
    area: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    convener: Mapped[str] = mapped_column(String(64), index=True)
    follow_up_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    episode: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # this episode
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                             nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(Actor, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Reminders of this episode: the number of repeat intervals it had been firing,
    # unacknowledged, at the last reminder (the sequence number of its "reminder" deliveries).
    reminders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The inbox: a person may put the alert aside until a date (reminders and escalation wait)
    # and give it to a colleague of the agency (the person's e-mail).
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(254), nullable=True)


class AlertEvent(Base):
    """Every transition of an alert, in order: the audit trail shown with the alert."""

    __tablename__ = "notify_alert_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("notify_alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # opened | updated | acknowledged | escalated | reminded | resolved | reopened, and from
    # the inbox: commented | snoozed | assigned
    transition: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    episode: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    # "rules", "sweep", or who acted: a person's e-mail, or "token:<agency>"
    actor: Mapped[str] = mapped_column(Actor)
    source_event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
