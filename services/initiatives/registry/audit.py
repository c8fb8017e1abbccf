"""The audit log, and what a unit of work must do once it has committed.

Service functions never commit, so they cannot publish either: they note here which indicator
ids changed (``dirty``) and the request handler hands those to the publisher after the commit.
A rolled-back change is therefore never announced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from services.initiatives.registry.models import AuditEntry

_KEY = "initiatives.pending"


@dataclass
class Pending:
    dirty: set[str] = field(default_factory=set)
    changes: list[tuple[str, str]] = field(default_factory=list)  # (entity, action)


def pending(session: Session) -> Pending:
    found = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = Pending()
    return found


def take_pending(session: Session) -> Pending:
    """What the unit of work changed; call after the commit, once."""
    found = session.info.pop(_KEY, None)
    return found if isinstance(found, Pending) else Pending()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: object, *, exclude: tuple[str, ...] = ("pk", "updated_at")) -> dict[str, Any]:
    """The stored columns of a row, JSON-ready."""
    mapper = inspect(obj).mapper
    return {
        attr.key: _jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in exclude
    }


def record(
    session: Session,
    *,
    actor: str,
    entity: str,
    entity_id: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    plan_year: int | None = None,
    initiative_number: int | None = None,
) -> None:
    """Log a change; for an update only the fields that differ, each before and after."""
    if before is not None and after is not None:
        keys = [k for k in after if before.get(k) != after[k] and k != "version"]
        if not keys:
            return
        before = {k: before.get(k) for k in keys}
        after = {k: after[k] for k in keys}
    session.add(AuditEntry(
        at=datetime.now(UTC), actor=actor, entity=entity, entity_id=entity_id, action=action,
        plan_year=plan_year, initiative_number=initiative_number, before=before, after=after,
    ))
    pending(session).changes.append((entity, action))
