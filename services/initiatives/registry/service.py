"""The registry's use cases: plans, initiatives and contacts, the 2024 seed, audit history.

Plain functions with a keyword-only ``session``; they flush but never commit (the request
handler's ``session_scope`` does). Every change is audited, and changes to the published plan
queue their indicator ids for the registry publisher (see :mod:`.audit`). Indicators live in
:mod:`.indicators`; the names are re-exported here so callers need only this module.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, func, inspect, select
from sqlalchemy.orm import Session

from services.initiatives.registry import audit
from services.initiatives.registry.errors import Conflict, Invalid, NotFound
from services.initiatives.registry.indicators import (
    check_version,
    create_indicator,
    delete_indicator,
    delete_indicator_row,
    get_indicator,
    list_indicators,
    update_indicator,
)
from services.initiatives.registry.models import (
    AuditEntry,
    Contact,
    Indicator,
    Initiative,
    Milestone,
    Plan,
)
from services.initiatives.registry.plan_file import PlanFile, load_plan
from services.initiatives.registry.plans import (
    current_plan_year,
    ensure_plan,
    initiatives_query,
    latest_plan_year,
    new_plan,
    now,
    registry_events,
    resolve_year,
    switching_plans,
    touch,
)
from services.initiatives.registry.schemas import (
    ContactCreate,
    ContactUpdate,
    IndicatorCreate,
    InitiativeCreate,
    InitiativeUpdate,
    PlanRead,
    SeedReport,
)

__all__ = [
    "copy_plan", "create_contact", "create_indicator", "create_initiative", "current_plan_year",
    "decide_plan", "delete_contact", "delete_indicator", "delete_initiative", "delete_plan",
    "ensure_plan", "get_contact", "get_indicator", "get_initiative", "initiative_history",
    "latest_plan_year", "list_contacts", "list_indicators", "list_initiatives", "list_plans",
    "milestones", "registry_events", "resolve_year", "seed", "update_contact",
    "update_indicator", "update_initiative",
]

B = TypeVar("B", bound=BaseModel)

# -------------------------------------------------------------------------------- plans


def _plan(session: Session, year: int) -> Plan:
    plan = session.get(Plan, year)
    if plan is None:
        raise NotFound(f"no plan for {year}")
    return plan


def list_plans(*, session: Session) -> list[PlanRead]:
    counts = dict(session.execute(
        select(Initiative.plan_year, func.count()).group_by(Initiative.plan_year)
    ).all())
    return [
        PlanRead(year=p.year, status=p.status,  # type: ignore[arg-type]
                 decided_at=p.decided_at, copied_from=p.copied_from,
                 association=p.association,
                 initiatives=counts.get(p.year, 0))
        for p in session.scalars(select(Plan).order_by(Plan.year))
    ]


def milestones(*, session: Session, year: int) -> list[Milestone]:
    _plan(session, year)
    return list(session.scalars(
        select(Milestone).where(Milestone.plan_year == year).order_by(Milestone.due_on)
    ))


def decide_plan(*, session: Session, year: int, actor: str,
                decided_at: date | None = None) -> Plan:
    """The board decided the plan: from now on (for its year) its indicators are published."""
    plan = _plan(session, year)

    def change() -> Plan:
        before = audit.snapshot(plan, exclude=("created_at",))
        plan.status = "decided"
        plan.decided_at = decided_at or date.today()
        audit.record(session, actor=actor, entity="plan", entity_id=str(year), action="decide",
                     before=before, after=audit.snapshot(plan, exclude=("created_at",)),
                     plan_year=year)
        return plan

    return switching_plans(session, change)


def delete_plan(*, session: Session, year: int, actor: str) -> None:
    """Drop a draft plan with everything in it (e.g. a copy started by mistake)."""
    plan = _plan(session, year)
    if plan.status == "decided":
        raise Conflict("a decided plan is kept for the follow-up; only drafts can be deleted")

    def change() -> None:
        before = audit.snapshot(plan, exclude=("created_at",))
        # Indicators reference initiatives, so they go first.
        for model in (Indicator, Initiative, Milestone):
            session.execute(delete(model).where(model.plan_year == year))
        session.delete(plan)
        audit.record(session, actor=actor, entity="plan", entity_id=str(year), action="delete",
                     before=before, after=None, plan_year=year)

    switching_plans(session, change)
    session.expire_all()


def _columns(obj: object, skip: tuple[str, ...]) -> dict[str, Any]:
    return {a.key: copy.deepcopy(getattr(obj, a.key))
            for a in inspect(obj).mapper.column_attrs if a.key not in skip}


def _shift_target(target: dict[str, Any] | None, years: int) -> dict[str, Any] | None:
    # A target carried over to next year's plan is due a year later, not already overdue.
    if not target or "date" not in target:
        return target
    due = date.fromisoformat(target["date"])
    day = min(due.day, 28) if due.month == 2 else due.day
    return target | {"date": due.replace(year=due.year + years, day=day).isoformat()}


def copy_plan(*, session: Session, year: int, prev: int, actor: str) -> Plan:
    """Start ``year``'s plan as a draft copy of ``prev``'s initiatives and indicators."""
    _plan(session, prev)
    if year <= prev:
        raise Invalid("the new plan must be for a later year than the one it copies")
    if session.get(Plan, year) is not None:
        raise Conflict(f"a plan for {year} exists already")

    def change() -> Plan:
        plan = new_plan(session, year, actor=actor, copied_from=prev,
                        association=_plan(session, prev).association)
        skip = ("pk", "plan_year", "version", "updated_at", "initiative_pk")
        copies: dict[int, Initiative] = {}
        for old in session.scalars(initiatives_query(prev)):
            new = Initiative(**_columns(old, skip), plan_year=year, updated_at=now())
            session.add(new)
            copies[old.pk] = new
        for old_ind in session.scalars(select(Indicator).where(Indicator.plan_year == prev)):
            ind = Indicator(**_columns(old_ind, skip), plan_year=year, updated_at=now())
            ind.target = _shift_target(ind.target, year - prev)
            ind.initiative = copies.get(old_ind.initiative_pk) if old_ind.initiative_pk else None
            session.add(ind)
        session.flush()
        for ini in copies.values():
            audit.record(session, actor=actor, entity="initiative",
                         entity_id=f"{year}/{ini.number}", action="copy", before=None,
                         after=audit.snapshot(ini), plan_year=year, initiative_number=ini.number)
        return plan

    return switching_plans(session, change)


# --------------------------------------------------------------------------- initiatives


def list_initiatives(*, session: Session, year: int | None = None) -> list[Initiative]:
    return list(session.scalars(initiatives_query(resolve_year(session=session, year=year))))


def get_initiative(*, session: Session, number: int, year: int | None = None) -> Initiative:
    y = resolve_year(session=session, year=year)
    ini = session.scalar(initiatives_query(y).where(Initiative.number == number))
    if ini is None:
        raise NotFound(f"no initiative {number} in the {y} plan")
    return ini


def _apply(ini: Initiative, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key == "feasibility":
            ini.difficulty = value.difficulty if value else None
            ini.duration = value.duration if value else None
        else:
            setattr(ini, key, list(value) if isinstance(value, list) else value)


def _audit_initiative(session: Session, ini: Initiative, action: str, actor: str,
                      before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    audit.record(session, actor=actor, entity="initiative",
                 entity_id=f"{ini.plan_year}/{ini.number}", action=action, before=before,
                 after=after, plan_year=ini.plan_year, initiative_number=ini.number)


def create_initiative(*, session: Session, body: InitiativeCreate, actor: str) -> Initiative:
    ensure_plan(session=session, year=body.plan_year, actor=actor)
    exists = select(Initiative.pk).where(Initiative.plan_year == body.plan_year,
                                         Initiative.number == body.number)
    if session.scalar(exists) is not None:
        raise Conflict(f"initiative {body.number} exists in the {body.plan_year} plan")
    ini = Initiative(plan_year=body.plan_year, number=body.number, updated_at=now())
    _apply(ini, {k: getattr(body, k) for k in body.model_fields if k not in ("plan_year",
                                                                              "number")})
    ini.indicators = []
    session.add(ini)
    session.flush()
    _audit_initiative(session, ini, "create", actor, None, audit.snapshot(ini))
    return ini


def update_initiative(
    *, session: Session, number: int, body: InitiativeUpdate, actor: str,
    expected_version: int | None, year: int | None = None,
) -> Initiative:
    ini = get_initiative(session=session, number=number, year=year)
    check_version(ini.version, expected_version)
    before = audit.snapshot(ini)
    _apply(ini, body.changes())
    after = audit.snapshot(ini)
    if after != before:
        ini.updated_at = now()
        session.flush()
        _audit_initiative(session, ini, "update", actor, before, audit.snapshot(ini))
        if any(before[k] != after[k] for k in ("convener", "follow_up_owner")):
            # Indicators inherit these, so their published definitions changed too.
            touch(session, ini.plan_year, [i.code for i in ini.indicators])
    return ini


def delete_initiative(
    *, session: Session, number: int, actor: str, expected_version: int | None = None,
    year: int | None = None,
) -> None:
    ini = get_initiative(session=session, number=number, year=year)
    check_version(ini.version, expected_version)
    for ind in list(ini.indicators):
        delete_indicator_row(session, ind, actor)
    before = audit.snapshot(ini)
    session.delete(ini)
    session.flush()
    _audit_initiative(session, ini, "delete", actor, before, None)


def initiative_history(*, session: Session, number: int,
                       year: int | None = None) -> list[AuditEntry]:
    """Changes to the initiative and its indicators, oldest first (kept after deletion)."""
    y = resolve_year(session=session, year=year)
    rows = list(session.scalars(
        select(AuditEntry)
        .where(AuditEntry.plan_year == y, AuditEntry.initiative_number == number)
        .order_by(AuditEntry.id)
    ))
    if not rows:
        get_initiative(session=session, number=number, year=y)
    return rows


# ------------------------------------------------------------------------------ contacts


def list_contacts(*, session: Session) -> list[Contact]:
    return list(session.scalars(select(Contact).order_by(Contact.agency)))


def get_contact(*, session: Session, agency: str) -> Contact:
    contact = session.get(Contact, agency)
    if contact is None:
        raise NotFound(f"no contact for {agency}")
    return contact


def _audit_contact(session: Session, agency: str, action: str, actor: str,
                   before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    audit.record(session, actor=actor, entity="contact", entity_id=agency, action=action,
                 before=before, after=after)
    # Registry events carry the contacts of each indicator's convener and follow-up owner, so
    # a changed contact means republishing the indicators that name this agency.
    year = current_plan_year(session=session)
    if year is not None:
        rows = session.scalars(select(Indicator).where(Indicator.plan_year == year))
        audit.pending(session).dirty.update(
            i.code for i in rows
            if agency in (i.effective_convener, i.effective_follow_up_owner,
                          *(i.area_conveners or {}).values()))


def create_contact(*, session: Session, body: ContactCreate, actor: str) -> Contact:
    if session.get(Contact, body.agency) is not None:
        raise Conflict(f"a contact for {body.agency} exists already")
    contact = Contact(agency=body.agency, email=body.email, updated_at=now(),
                      webhook_url=str(body.webhook_url) if body.webhook_url else None)
    session.add(contact)
    session.flush()
    _audit_contact(session, body.agency, "create", actor, None, audit.snapshot(contact))
    return contact


def update_contact(*, session: Session, agency: str, body: ContactUpdate, actor: str,
                   expected_version: int | None) -> Contact:
    contact = get_contact(session=session, agency=agency)
    check_version(contact.version, expected_version)
    before = audit.snapshot(contact)
    for key, value in body.changes().items():
        setattr(contact, key, str(value) if value is not None else None)
    if audit.snapshot(contact) != before:
        contact.updated_at = now()
        session.flush()
        _audit_contact(session, agency, "update", actor, before, audit.snapshot(contact))
    return contact


def delete_contact(*, session: Session, agency: str, actor: str,
                   expected_version: int | None = None) -> None:
    contact = get_contact(session=session, agency=agency)
    check_version(contact.version, expected_version)
    before = audit.snapshot(contact)
    session.delete(contact)
    session.flush()
    _audit_contact(session, agency, "delete", actor, before, None)


# ---------------------------------------------------------------------------------- seed


def _parsed(model: type[B], raw: dict[str, Any], where: str) -> B:
    """A plan file's record as a registry body; errors name the record and the field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(record)'}: {e['msg']}"
                             for e in exc.errors())
        raise Invalid(f"{where}: {problems}") from None


def seed(*, session: Session, year: int | None = None, actor: str = "seed",
         plan: PlanFile | None = None) -> SeedReport:
    """Load a plan file (default: the 2024 plan of the source document). Idempotent: existing
    rows are left as they are, so edits made since the first seed survive a second run."""
    plan = plan or load_plan()
    if year is not None and year != plan.year:
        raise ValueError(f"the plan file is for {plan.year}, not {year}")
    year = plan.year
    existing = session.get(Plan, year)
    if existing is None:
        switching_plans(session, lambda: new_plan(
            session, year, actor=actor, status=plan.status, decided_at=plan.decided_at,
            association=plan.association["code"],
        ))
    elif existing.association not in (None, plan.association["code"]):
        raise Conflict(f"the {year} plan belongs to {existing.association}, not to "
                       f"{plan.association['code']}")
    made = {"initiatives": 0, "indicators": 0, "contacts": 0}
    have = {i.number for i in session.scalars(select(Initiative).where(
        Initiative.plan_year == year))}
    for i, raw in enumerate(plan.initiatives):
        if raw["number"] not in have:
            body = _parsed(InitiativeCreate, raw | {"plan_year": year}, f"initiatives[{i}]")
            create_initiative(session=session, body=body, actor=actor)
            made["initiatives"] += 1
    codes = set(session.scalars(select(Indicator.code).where(Indicator.plan_year == year)))
    for i, raw in enumerate(plan.indicators):
        if raw["id"] not in codes:
            ind = _parsed(IndicatorCreate, raw | {"plan_year": year}, f"indicators[{i}]")
            create_indicator(session=session, body=ind, actor=actor)
            made["indicators"] += 1
    for i, raw in enumerate(plan.contacts):
        if session.get(Contact, raw["agency"]) is None:
            contact = _parsed(ContactCreate, raw, f"contacts[{i}]")
            create_contact(session=session, body=contact, actor=actor)
            made["contacts"] += 1
    return SeedReport(year=year, **made)
