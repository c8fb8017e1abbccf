"""The registry's tables: yearly plans with their annual-wheel milestones, the collaboration
initiatives (samverkansinitiativ) of each plan, their indicators, the conveners' contacts and
the audit log.

Every plan year is kept: next year's plan starts as a copy of this year's, so last year's
initiatives and indicator definitions remain available for the annual follow-up.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from samstat_kit.db import new_metadata

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit sequence.
BigId = BigInteger().with_variant(Integer(), "sqlite")

AREAS = ("ill_health", "unemployment", "prevention")
STATUSES = ("not_started", "starting", "ongoing", "paused", "completed")
DIFFICULTIES = ("easy", "medium", "hard")
DURATIONS = ("short", "long")
PLAN_STATUSES = ("draft", "decided")
MILESTONE_KINDS = ("spring_analysis", "workshop", "planning_day", "board_decision")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = new_metadata()


class Plan(Base):
    """One year's plan (verksamhetsplan/överenskommelse); the board decides it by 30 November
    of the year before."""

    __tablename__ = "initiatives_plans"
    __table_args__ = (CheckConstraint(_one_of("status", PLAN_STATUSES), name="status"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    copied_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The association (agency code) whose plan it is; null = the registry's own association
    # (plans made before plan files named one). Plan years are unique across associations.
    association: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Milestone(Base):
    """A dated step of the annual wheel (årshjul) that produces a plan."""

    __tablename__ = "initiatives_milestones"
    __table_args__ = (
        UniqueConstraint("plan_year", "kind"),
        CheckConstraint(_one_of("kind", MILESTONE_KINDS), name="kind"),
    )

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_year: Mapped[int] = mapped_column(ForeignKey("initiatives_plans.year"))
    kind: Mapped[str] = mapped_column(String(32))
    title_sv: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_on: Mapped[date] = mapped_column(Date)


class Initiative(Base):
    """A collaboration initiative of one plan year, identified by (plan year, number)."""

    __tablename__ = "initiatives_initiatives"
    __table_args__ = (
        UniqueConstraint("plan_year", "number"),
        CheckConstraint(_one_of("area", AREAS), name="area"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint("impact IS NULL OR (impact >= 1 AND impact <= 5)", name="impact"),
        CheckConstraint(
            f"difficulty IS NULL OR {_one_of('difficulty', DIFFICULTIES)}", name="difficulty"
        ),
        CheckConstraint(f"duration IS NULL OR {_one_of('duration', DURATIONS)}", name="duration"),
    )

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_year: Mapped[int] = mapped_column(ForeignKey("initiatives_plans.year"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    area: Mapped[str] = mapped_column(String(16))
    # Agency codes of the parties, plus the document's own wording ("Regionen/FK/AF och
    # kommunerna"), which names units the code list cannot.
    parties: Mapped[list[str]] = mapped_column(JSON)
    parties_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    convener: Mapped[str] = mapped_column(String(64), index=True)
    convener_unit: Mapped[str | None] = mapped_column(String(300), nullable=True)
    responsible: Mapped[str | None] = mapped_column(Text, nullable=True)
    follow_up_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    follow_up_owner_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Feasibility (genomförbarhet): lätt/medel/svår × kort/lång tid; null = not assessed.
    difficulty: Mapped[str | None] = mapped_column(String(8), nullable=True)
    duration: Mapped[str | None] = mapped_column(String(8), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    # The analysis group's estimate of the effect on full-year equivalents; null = "x".
    impact: Mapped[int | None] = mapped_column(Integer, nullable=True)
    activities: Mapped[list[str]] = mapped_column(JSON)
    goals: Mapped[list[str]] = mapped_column(JSON)
    current_state: Mapped[str | None] = mapped_column(Text, nullable=True)
    current_state_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    board_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    assessment: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="initiative", order_by="Indicator.code"
    )

    # SQLAlchemy adds "AND version = :old" to every UPDATE and bumps it: a concurrent writer
    # that slipped in between the If-Match check and the flush gets StaleDataError, not a win.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Indicator(Base):
    """What is measured for an initiative (or, like ``fye_share``, for the whole association).

    ``convener``/``follow_up_owner`` null means "inherit from the initiative", so changing an
    initiative's convener moves its alerts too.
    """

    __tablename__ = "initiatives_indicators"
    __table_args__ = (UniqueConstraint("plan_year", "code"),)

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_year: Mapped[int] = mapped_column(ForeignKey("initiatives_plans.year"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    initiative_pk: Mapped[int | None] = mapped_column(
        ForeignKey("initiatives_initiatives.pk"), nullable=True, index=True
    )
    title_sv: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(32))
    formula: Mapped[dict[str, Any]] = mapped_column(JSON)
    target: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    baseline: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    areas: Mapped[list[str]] = mapped_column(JSON)
    convener: Mapped[str | None] = mapped_column(String(64), nullable=True)
    follow_up_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Area code -> agency code: where each municipality's own unit carries the initiative
    # (e.g. every member's social services), its alerts go to it; other areas to the convener.
    area_conveners: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    initiative: Mapped[Initiative | None] = relationship(
        back_populates="indicators", lazy="joined"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def effective_convener(self) -> str:
        if self.convener:
            return self.convener
        return self.initiative.convener if self.initiative else "samordningsforbundet"

    @property
    def effective_follow_up_owner(self) -> str:
        if self.follow_up_owner:
            return self.follow_up_owner
        if self.initiative and self.initiative.follow_up_owner:
            return self.initiative.follow_up_owner
        return self.effective_convener


class Contact(Base):
    """How to reach a convener organisation: a role mailbox, never a person's address."""

    __tablename__ = "initiatives_contacts"

    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuditEntry(Base):
    """Who changed what when: the fields that changed, before and after."""

    __tablename__ = "initiatives_audit"
    __table_args__ = (
        Index("ix_initiatives_audit_entity", "entity", "entity_id"),
        Index("ix_initiatives_audit_initiative", "plan_year", "initiative_number"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))  # token id, or "seed"
    entity: Mapped[str] = mapped_column(String(16))  # plan | initiative | indicator | contact
    entity_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))  # create | update | delete | copy | decide
    plan_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    initiative_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
