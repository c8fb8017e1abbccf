"""Indicator definitions: create, change, delete — each audited and queued for publishing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.initiatives.registry import audit
from services.initiatives.registry.errors import Conflict, Invalid, NotFound, VersionMismatch
from services.initiatives.registry.formulas import dump
from services.initiatives.registry.models import Indicator, Initiative
from services.initiatives.registry.plans import ensure_plan, now, resolve_year, touch
from services.initiatives.registry.schemas import IndicatorCreate, IndicatorUpdate


def check_version(current: int, expected: int | None) -> None:
    """Optimistic concurrency: ``expected`` (from If-Match) must be the stored version."""
    if expected is not None and expected != current:
        raise VersionMismatch(current)


def list_indicators(*, session: Session, year: int | None = None,
                    initiative: int | None = None) -> list[Indicator]:
    y = resolve_year(session=session, year=year)
    query = select(Indicator).where(Indicator.plan_year == y).order_by(Indicator.code)
    if initiative is not None:
        query = query.join(Initiative).where(Initiative.number == initiative)
    return list(session.scalars(query))


def get_indicator(*, session: Session, code: str, year: int | None = None) -> Indicator:
    y = resolve_year(session=session, year=year)
    ind = session.scalar(select(Indicator).where(Indicator.plan_year == y,
                                                 Indicator.code == code))
    if ind is None:
        raise NotFound(f"no indicator {code} in the {y} plan")
    return ind


def _initiative(session: Session, year: int, number: int | None) -> Initiative | None:
    if number is None:
        return None
    ini = session.scalar(select(Initiative).where(Initiative.plan_year == year,
                                                  Initiative.number == number))
    if ini is None:
        raise Invalid(f"no initiative {number} in the {year} plan")
    return ini


def _check(ind: Indicator) -> None:
    if ind.target is None and any(r["kind"] == "target_missed" for r in ind.rules):
        raise Invalid("the rule target_missed needs a target")
    if ind.baseline is None and any(r["kind"] == "relative_to_baseline" for r in ind.rules):
        raise Invalid("the rule relative_to_baseline needs a baseline {value, period}")
    if ind.initiative is None and not ind.convener:
        raise Invalid("an indicator without initiative needs a convener")
    stray = sorted(set(ind.area_conveners or {}) - set(ind.areas))
    if stray:
        raise Invalid(f"area_conveners names areas the indicator is not computed for: {stray}")


def _snapshot(ind: Indicator) -> dict[str, Any]:
    state = audit.snapshot(ind, exclude=("pk", "updated_at", "initiative_pk"))
    return state | {"initiative": ind.initiative.number if ind.initiative else None}


def _record(session: Session, ind: Indicator, action: str, actor: str,
            before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    audit.record(session, actor=actor, entity="indicator",
                 entity_id=f"{ind.plan_year}/{ind.code}", action=action, before=before,
                 after=after, plan_year=ind.plan_year,
                 initiative_number=ind.initiative.number if ind.initiative else None)
    touch(session, ind.plan_year, [ind.code])


def _values(changes: dict[str, Any]) -> dict[str, Any]:
    """Body fields to column values (the JSON stored and published)."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key in ("formula", "target", "baseline"):
            out[key] = dump(value)
        elif key == "rules":
            out[key] = [dump(r) for r in value]
        elif key == "areas":
            out[key] = list(value)
        elif key == "area_conveners":
            out[key] = dict(value) if value else None
        else:
            out[key] = value
    return out


def create_indicator(*, session: Session, body: IndicatorCreate, actor: str) -> Indicator:
    ensure_plan(session=session, year=body.plan_year, actor=actor)
    exists = select(Indicator.pk).where(Indicator.plan_year == body.plan_year,
                                        Indicator.code == body.id)
    if session.scalar(exists) is not None:
        raise Conflict(f"indicator {body.id} exists in the {body.plan_year} plan")
    values = _values({k: getattr(body, k) for k in body.model_fields
                      if k not in ("plan_year", "id", "initiative")})
    ind = Indicator(plan_year=body.plan_year, code=body.id, updated_at=now(), **values)
    ind.initiative = _initiative(session, body.plan_year, body.initiative)
    _check(ind)
    session.add(ind)
    session.flush()
    _record(session, ind, "create", actor, None, _snapshot(ind))
    return ind


def update_indicator(
    *, session: Session, code: str, body: IndicatorUpdate, actor: str,
    expected_version: int | None, year: int | None = None,
) -> Indicator:
    ind = get_indicator(session=session, code=code, year=year)
    check_version(ind.version, expected_version)
    before = _snapshot(ind)
    changes = body.changes()
    if "initiative" in changes:
        ind.initiative = _initiative(session, ind.plan_year, changes.pop("initiative"))
    for key, value in _values(changes).items():
        setattr(ind, key, value)
    _check(ind)
    if _snapshot(ind) != before:
        ind.updated_at = now()
        session.flush()
        _record(session, ind, "update", actor, before, _snapshot(ind))
    return ind


def delete_indicator_row(session: Session, ind: Indicator, actor: str) -> None:
    before = _snapshot(ind)
    session.delete(ind)
    session.flush()
    _record(session, ind, "delete", actor, before, None)


def delete_indicator(*, session: Session, code: str, actor: str,
                     expected_version: int | None = None, year: int | None = None) -> None:
    ind = get_indicator(session=session, code=code, year=year)
    check_version(ind.version, expected_version)
    delete_indicator_row(session, ind, actor)
