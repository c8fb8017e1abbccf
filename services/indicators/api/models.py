"""The persisted read model: the latest value of every indicator, area and period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from samstat_kit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class IndicatorValue(Base):
    __tablename__ = "indicators_values"

    indicator: Mapped[str] = mapped_column(String(64), primary_key=True)
    area: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    granularity: Mapped[str] = mapped_column(String(8))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    previous_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    year_ago_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(16))
    complete: Mapped[bool] = mapped_column(Boolean)
    components: Mapped[dict[str, Any]] = mapped_column(JSON)
    input_revisions: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Taken back (indicator-value ``withdrawn``): every input cell was withdrawn. Kept, so
    # that a late older event cannot bring the value back, but left out of every answer.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class IndicatorVersion(Base):
    """Every value the read model was told, kept by transaction time (``computed_at``: when
    samstat computed it from what it had received), so that any earlier state can be shown
    again (``as_of``). ``indicators_values`` stays the fast table of the latest values."""

    __tablename__ = "indicators_value_versions"
    __table_args__ = (
        Index("ix_indicators_value_versions_lookup", "indicator", "period", "area",
              "computed_at", unique=True),
        Index("ix_indicators_value_versions_series", "indicator", "area", "granularity"),
        Index("ix_indicators_value_versions_computed_at", "computed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    granularity: Mapped[str] = mapped_column(String(8))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    year_ago_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(16))
    complete: Mapped[bool] = mapped_column(Boolean)
    components: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A retraction: ``as_of`` from here on shows no value, before it what was said then.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class IndicatorTitle(Base):
    """The plan's titles of an indicator, from the registry topic (the values carry only its
    id): the pages head an indicator with what its convener calls it."""
    __tablename__ = "indicators_titles"

    indicator: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    title_sv: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    # What a reader needs to read the values: the plan (year, initiative number) the indicator
    # belongs to and the way the plan wants it to go ("rise"/"fall"; null: none said).
    plan_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    initiative: Mapped[int | None] = mapped_column(Integer, nullable=True)
    direction: Mapped[str | None] = mapped_column(String(4), nullable=True)
