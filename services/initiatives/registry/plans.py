"""Plan years: which one a request means, which one is published, creating one.

Registry events are keyed by indicator id alone, so only one plan's definitions can be live on
the topic: the *published* plan is the latest decided plan whose year has begun (else the
latest decided one, else the latest draft). Drafts for next year can be edited freely without
changing what the indicators worker computes today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from services.initiatives.registry import audit
from services.initiatives.registry.errors import NotFound
from services.initiatives.registry.models import Contact, Indicator, Initiative, Milestone, Plan
from services.initiatives.registry.views import deleted_event, upserted_event
from services.initiatives.registry.wheel import default_wheel

T = TypeVar("T")


def now() -> datetime:
    return datetime.now(UTC)


def latest_plan_year(*, session: Session) -> int | None:
    return session.scalar(select(func.max(Plan.year)))


def current_plan_year(*, session: Session, today: date | None = None) -> int | None:
    """The year of the published plan (see the module docstring)."""
    today = today or date.today()
    decided = select(func.max(Plan.year)).where(Plan.status == "decided")
    year = session.scalar(decided.where(Plan.year <= today.year))
    if year is None:
        year = session.scalar(decided)
    if year is None:
        year = latest_plan_year(session=session)
    return year


def resolve_year(*, session: Session, year: int | None) -> int:
    """The requested plan year, or the latest one; NotFound if there is no such plan."""
    if year is None:
        latest = latest_plan_year(session=session)
        if latest is None:
            raise NotFound("there is no plan yet")
        return latest
    if session.get(Plan, year) is None:
        raise NotFound(f"no plan for {year}")
    return year


def initiatives_query(year: int) -> Select[Initiative]:
    return (select(Initiative).where(Initiative.plan_year == year)
            .options(selectinload(Initiative.indicators)).order_by(Initiative.number))


def plan_codes(session: Session, year: int | None) -> set[str]:
    if year is None:
        return set()
    return set(session.scalars(select(Indicator.code).where(Indicator.plan_year == year)))


def touch(session: Session, year: int, codes: Iterable[str]) -> None:
    """Queue indicators for publishing if they belong to the published plan."""
    if year == current_plan_year(session=session):
        audit.pending(session).dirty.update(codes)


def switching_plans(session: Session, change: Callable[[], T]) -> T:
    """Run a change to the set of plans; if it moves the published plan, queue every indicator
    of the old and the new published plan (upserts for the new, deletes for the rest)."""
    before = current_plan_year(session=session)
    before_codes = plan_codes(session, before)
    result = change()
    session.flush()
    after = current_plan_year(session=session)
    if after != before:
        audit.pending(session).dirty.update(before_codes | plan_codes(session, after))
    return result


def new_plan(session: Session, year: int, *, actor: str, status: str = "draft",
             decided_at: date | None = None, copied_from: int | None = None,
             association: str | None = None) -> Plan:
    """A plan with the default annual wheel; call inside :func:`switching_plans`."""
    plan = Plan(year=year, status=status, decided_at=decided_at, copied_from=copied_from,
                created_at=now(), association=association)
    session.add(plan)
    session.flush()
    for step in default_wheel(year):
        session.add(Milestone(plan_year=year, kind=step.kind, title_sv=step.title_sv,
                              title_en=step.title_en, starts_on=step.starts_on,
                              due_on=step.due_on))
    audit.record(session, actor=actor, entity="plan", entity_id=str(year),
                 action="copy" if copied_from else "create", before=None,
                 after=audit.snapshot(plan, exclude=("created_at",)), plan_year=year)
    return plan


def ensure_plan(*, session: Session, year: int, actor: str) -> Plan:
    """The plan for ``year``, created as a draft if there is none yet."""
    plan = session.get(Plan, year)
    if plan is None:
        plan = switching_plans(session, lambda: new_plan(session, year, actor=actor))
    return plan


def registry_events(*, session: Session,
                    codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Registry events for the published plan: an upsert per indicator (all of them, or only
    ``codes``), and a delete for each requested id the plan no longer has."""
    year = current_plan_year(session=session)
    if year is None:
        return []
    query = select(Indicator).where(Indicator.plan_year == year).order_by(Indicator.code)
    wanted: set[str] | None = None
    if codes is not None:
        wanted = set(codes)
        if not wanted:
            return []
        query = query.where(Indicator.code.in_(sorted(wanted)))
    rows = list(session.scalars(query))
    contacts = {c.agency: c for c in session.scalars(select(Contact))}
    events = [upserted_event(ind, contacts) for ind in rows]
    if wanted is not None:
        events += [deleted_event(year, c) for c in sorted(wanted - {i.code for i in rows})]
    return events
