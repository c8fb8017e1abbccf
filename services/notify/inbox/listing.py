"""The inbox's list: which alerts a reader sees, in which order, one page at a time.

Order: open alerts (firing or acknowledged) first, then resolved ones; within each, the
newest first by when this episode fired (the date the list shows), the id breaking ties.

Pages are keyset pages, not OFFSET: a :class:`Cursor` names a row of the list, and a page is
the rows after it ("Äldre") or before it ("Nyare"). So a convener paging through hundreds of
alerts never sees a row twice or misses one when new alerts arrive meanwhile, and the
database finds a page by comparing sort keys instead of counting past the skipped rows.

Filters: the state (open, firing, acknowledged, resolved, or muted: open and in the
convener's quiet time or inhibited, see :mod:`.quiet`), the initiative (a number, or
``"none"`` for the overarching indicators) and the area. Plain functions with a keyword-only
session; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, case, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from services.notify.alerts.models import (
    FIRING,
    OPEN_STATUSES,
    RESOLVED,
    Alert,
    Definition,
    aware,
)
from services.notify.brief import brief_clause, is_brief
from services.notify.inbox import quiet
from services.notify.inbox.models import InboxRead
from services.notify.inbox.service import title_of
from services.notify.names import quality_unit

PAGE_SIZE = 50
STATES = ("open", "firing", "acknowledged", "resolved", "muted")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RESOLVED_LAST = case((Alert.status == RESOLVED, 1), else_=0)
NoInitiative = Literal["none"]


@dataclass(frozen=True)
class Filters:
    state: str | None = None  # one of STATES
    initiative: int | NoInitiative | None = None
    area: str | None = None


@dataclass(frozen=True)
class Cursor:
    """One row's place in the list: (resolved?, fired at, id)."""

    resolved: bool
    fired_at: datetime
    id: str

    @classmethod
    def of(cls, alert: Alert) -> Cursor:
        return cls(alert.status == RESOLVED, aware(alert.fired_at) or EPOCH, alert.id)

    def encode(self) -> str:
        micros = (self.fired_at - EPOCH) // timedelta(microseconds=1)
        return f"{int(self.resolved)}.{micros}.{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """None for anything that is not a cursor (a hand-edited link shows the first
        page)."""
        parts = (raw or "").split(".", 2)
        if len(parts) != 3 or parts[0] not in ("0", "1") or not 0 < len(parts[2]) <= 36:
            return None
        try:
            fired = EPOCH + timedelta(microseconds=int(parts[1]))
        except (ValueError, OverflowError):
            return None
        return cls(parts[0] == "1", fired, parts[2])


@dataclass(frozen=True)
class Row:
    """One line of the inbox."""

    alert: Alert
    title: str
    unit: str | None
    unread: bool
    muted_until: datetime | None  # the convener's quiet time
    inhibited_by: Alert | None

    @property
    def muted(self) -> bool:
        return self.muted_until is not None or self.inhibited_by is not None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int  # rows matching the filters, on every page
    unread: int  # of those, not opened by this reader
    first: int  # the place of the page's first row in the list, from 1
    newer: Cursor | None  # link "Nyare" to the rows before this one, if any
    older: Cursor | None  # link "Äldre" to the rows after this one, if any


def scope(principal: Principal) -> list[Any]:
    """The reader's alerts: the agency's as convener or follow-up owner; an admin's all."""
    if principal.is_admin:
        return []
    return [or_(Alert.convener == principal.agency, Alert.follow_up_owner == principal.agency)]


def _muted(session: Session, where: list[Any], now: datetime) -> Any:
    conveners = list(quiet.muted_conveners(session=session, now=now))
    inhibited = list(quiet.inhibitions(session=session, where=where))
    return and_(Alert.status.in_(OPEN_STATUSES),
                or_(Alert.convener.in_(conveners), Alert.id.in_(inhibited)))


def conditions(*, session: Session, principal: Principal, filters: Filters,
               now: datetime) -> list[Any]:
    where = scope(principal)
    if filters.initiative == "none":
        where.append(Alert.initiative.is_(None))
    elif filters.initiative is not None:
        where.append(Alert.initiative == filters.initiative)
    if filters.area is not None:
        where.append(Alert.area == filters.area)
    state = filters.state
    if state == "open":
        where.append(Alert.status.in_(OPEN_STATUSES))
    elif state == "muted":
        where.append(_muted(session, list(where), now))
    elif state in STATES:
        where.append(Alert.status == state)
    return where


def _group(resolved: bool) -> Any:
    return Alert.status == RESOLVED if resolved else Alert.status != RESOLVED


def _after(c: Cursor) -> Any:
    """The rows after ``c`` in the list's order."""
    later = false() if c.resolved else _group(True)
    return or_(later, and_(_group(c.resolved), or_(
        Alert.fired_at < c.fired_at, and_(Alert.fired_at == c.fired_at, Alert.id < c.id))))


def _before(c: Cursor) -> Any:
    """The rows before ``c`` in the list's order."""
    earlier = _group(False) if c.resolved else false()
    return or_(earlier, and_(_group(c.resolved), or_(
        Alert.fired_at > c.fired_at, and_(Alert.fired_at == c.fired_at, Alert.id > c.id))))


def _count(session: Session, where: list[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(Alert).where(*where)) or 0)


def _exists(session: Session, where: list[Any]) -> bool:
    return bool(session.scalar(select(exists().where(*where))))


def _slice(session: Session, where: list[Any], after: Cursor | None, before: Cursor | None,
           size: int) -> list[Alert]:
    if before is not None:  # the rows just above ``before``, read upwards, shown downwards
        q = select(Alert).where(*where, _before(before)).order_by(
            RESOLVED_LAST.desc(), Alert.fired_at, Alert.id).limit(size)
        rows = list(session.scalars(q))[::-1]
        if len(rows) == size:
            return rows
        after = None  # near the top: show the first page whole
    q = select(Alert).where(*where).order_by(RESOLVED_LAST, Alert.fired_at.desc(),
                                            Alert.id.desc())
    if after is not None:
        q = q.where(_after(after))
    return list(session.scalars(q.limit(size)))


def page(*, session: Session, principal: Principal, reader: str, now: datetime,
         lang: str = "sv", filters: Filters = Filters(), after: Cursor | None = None,
         before: Cursor | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of the reader's alerts under ``filters``: the first, or the one after
    ``after`` (older), or before ``before`` (newer)."""
    where = conditions(session=session, principal=principal, filters=filters, now=now)
    alerts = _slice(session, where, after, before, size)
    # An alert that opened and resolved before anyone could look is not news (brief.py).
    unread_where = [*where, not_(brief_clause(session)),
                    not_(exists().where(InboxRead.alert_id == Alert.id,
                                        InboxRead.reader == reader))]
    total, unread = _count(session, where), _count(session, unread_where)
    if not alerts:
        return Page([], total, unread, 0, None, None)
    top, bottom = Cursor.of(alerts[0]), Cursor.of(alerts[-1])
    above = _count(session, [*where, _before(top)])
    return Page(rows=_rows(session, alerts, reader, now, lang), total=total, unread=unread,
                first=above + 1, newer=top if above else None,
                older=bottom if _exists(session, [*where, _after(bottom)]) else None)


def _rows(session: Session, alerts: list[Alert], reader: str, now: datetime,
          lang: str) -> list[Row]:
    ids = [a.id for a in alerts]
    read = set(session.scalars(select(InboxRead.alert_id).where(
        InboxRead.reader == reader, InboxRead.alert_id.in_(ids))))
    indicators = {a.indicator for a in alerts}
    bodies = {d.id: d.body for d in session.scalars(select(Definition).where(
        Definition.id.in_(indicators)))}
    quiet_until = quiet.muted_conveners(session=session, now=now)
    inhibited = quiet.inhibitions(session=session, where=[Alert.id.in_(ids)])
    out = []
    for a in alerts:
        body = bodies.get(a.indicator)
        open_ = a.status != RESOLVED
        out.append(Row(
            alert=a, title=title_of(body, a.indicator, lang),
            unit=str(body["unit"]) if body and body.get("unit") else quality_unit(a.indicator),
            unread=a.id not in read and not is_brief(a),
            muted_until=quiet_until.get(a.convener) if open_ else None,
            inhibited_by=inhibited.get(a.id) if open_ else None))
    return out


@dataclass(frozen=True)
class InitiativeCount:
    initiative: int | None  # None: the overarching indicators
    open: int
    firing: int  # of the open ones, not yet acknowledged


def open_by_initiative(*, session: Session, principal: Principal) -> list[InitiativeCount]:
    """The reader's open alerts per initiative (the numbers at the top of the inbox), by
    initiative number, the overarching ones last."""
    firing = func.sum(case((Alert.status == FIRING, 1), else_=0))
    q = (select(Alert.initiative, func.count(), firing)
         .where(*scope(principal), Alert.status.in_(OPEN_STATUSES))
         .group_by(Alert.initiative))
    counts = [InitiativeCount(i, int(n), int(f or 0)) for i, n, f in session.execute(q)]
    return sorted(counts, key=lambda c: (c.initiative is None, c.initiative or 0))


def filter_options(*, session: Session, principal: Principal
                   ) -> tuple[list[int], list[str]]:
    """The initiatives and areas the reader's alerts have (the filters' choices)."""
    pairs = session.execute(select(Alert.initiative, Alert.area).where(*scope(principal))
                            .distinct()).all()
    return (sorted({i for i, _ in pairs if i is not None}), sorted({a for _, a in pairs}))
