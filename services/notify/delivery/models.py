"""The delivery outbox and log: one row per (alert, subscription, transition, episode,
sequence)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.notify.alerts.models import Base, BigId

PENDING, SENT, FAILED, DEAD, SILENCED = "pending", "sent", "failed", "dead", "silenced"
# A reminder not yet on its way when a later one of the same alert was queued.
SUPERSEDED = "superseded"
DUE_STATUSES = (PENDING, FAILED)
# Who the receiver is to the alert: the convener (or, for escalations, the association it is
# escalated to), or the follow-up owner, who gets a copy.
CONVENER, COPY = "convener", "copy"
# Transitions that are grouped into one message per receiver and convener.
GROUPED = ("firing", "reminder")


class Delivery(Base):
    """Written in the transaction that changed the alert; the dispatcher sends and records.

    The unique constraint makes enqueueing idempotent: reprocessing the same Kafka events, or
    restarting, can never create a second row, hence never a second send of a sent row.
    ``sequence`` numbers the reminders of an episode (0 for every other transition).

    Grouped transitions (firing, reminder) are sent as one message per receiver: the rows of
    one message share ``batch_id`` (the id of its first row, also the message's
    ``X-Samstat-Delivery``), are retried together and are marked sent together.
    """

    __tablename__ = "notify_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "subscription_id", "transition", "episode", "sequence",
                         name="uq_notify_deliveries_once"),
        # The dispatcher's query: due rows by status and time.
        Index("ix_notify_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("notify_alerts.id"), index=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("notify_subscriptions.id"))
    # firing | reminder | resolved | escalated
    transition: Mapped[str] = mapped_column(String(16))
    episode: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    role: Mapped[str] = mapped_column(String(16), default=CONVENER, server_default=CONVENER)
    batch_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
