"""Disclosure control's own tables. ``disclosure_cells`` holds the true value of every
person-count cell (hidden ones too: the protection range is measured around it) and is never
served by any endpoint; ``disclosure_audit`` records why a value was held back, never a value."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.ingest.observations.models import Base, BigId


class DisclosureCell(Base):
    __tablename__ = "disclosure_cells"
    __table_args__ = (Index("ix_disclosure_cells_table", "agency", "measure", "year"),)

    cell_key: Mapped[str] = mapped_column(String(400), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    measure: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    area: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(8))
    dimensions: Mapped[dict[str, Any]] = mapped_column(JSON)
    truth: Mapped[float | None] = mapped_column(Float, nullable=True)
    shown: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: hidden
    protected: Mapped[bool] = mapped_column(Boolean)
    revision: Mapped[int] = mapped_column(Integer)
    # The revisions before this one, as the public read them: [truth, shown, protected,
    # superseded at (ns)] each; and when the first was stored (see disclosure/history.py).
    past: Mapped[list[list[Any]] | None] = mapped_column(JSON, nullable=True)
    since: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class DisclosureExtent(Base):
    """Where a linked table has anything published: each area and period once."""

    __tablename__ = "disclosure_extent"

    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    measure: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    axis: Mapped[str] = mapped_column(String(8), primary_key=True)  # area | period
    code: Mapped[str] = mapped_column(String(32), primary_key=True)


class DisclosureAudit(Base):
    __tablename__ = "disclosure_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    batch_id: Mapped[str] = mapped_column(String(36), index=True)
    cell_key: Mapped[str] = mapped_column(String(400))
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # primary|secondary|held|agency|exposed
    reason: Mapped[str] = mapped_column(String(400))
