"""The weekly digest log: one row per (convener, subscription, ISO week), sent like a delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.notify.alerts.models import Base, BigId


class Digest(Base):
    """Written when the week's digest is due (or asked for); the dispatcher sends it.

    The unique constraint is the exactly-once guarantee: however often the sweep runs, on
    however many replicas, and across restarts, a subscription gets one digest a week.
    """

    __tablename__ = "notify_digests"
    __table_args__ = (
        UniqueConstraint("convener", "subscription_id", "iso_week"),
        Index("ix_notify_digests_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    convener: Mapped[str] = mapped_column(String(64), index=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("notify_subscriptions.id"))
    iso_week: Mapped[str] = mapped_column(String(8))  # 2024-W09
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # What the digest says, language-neutral; rendered per subscription language.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending | failed | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
