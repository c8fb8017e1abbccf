"""The convener's inbox: who has read which alert, used one-click links, mute windows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.notify.alerts.models import Base


class InboxRead(Base):
    """One reader has opened one alert (per person: a colleague's reading is not mine).

    ``reader`` is the person's id, or ``token:<agency>`` for a token reader."""

    __tablename__ = "notify_inbox_reads"

    alert_id: Mapped[str] = mapped_column(ForeignKey("notify_alerts.id"), primary_key=True)
    reader: Mapped[str] = mapped_column(String(254), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UsedLink(Base):
    """A one-click acknowledge link that has done its work: the same link never acts twice."""

    __tablename__ = "notify_used_links"

    link_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("notify_alerts.id"), index=True)
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(254))


class MuteWindow(Base):
    """A recurring quiet time of one convener, every year from (month, day) to (month, day)
    inclusive in Swedish time; it may run over New Year (23 December to 6 January)."""

    __tablename__ = "notify_mute_windows"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    convener: Mapped[str] = mapped_column(String(64), index=True)
    start_month: Mapped[int] = mapped_column(Integer)
    start_day: Mapped[int] = mapped_column(Integer)
    end_month: Mapped[int] = mapped_column(Integer)
    end_day: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
