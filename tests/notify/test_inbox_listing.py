"""The inbox's list on SQLite and PostgreSQL: open alerts first, the latest fired first;
keyset pages that neither repeat nor skip a row while new alerts arrive; the state,
initiative and area filters; the open alerts per initiative."""

from __future__ import annotations

import uuid
from datetime import timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from services.notify.alerts.models import Alert, Definition
from services.notify.inbox import listing, quiet
from services.notify.inbox.models import InboxRead

from .factory import NOW, agency_id, indicator_id

FIRING, ACK, RESOLVED = "firing", "acknowledged", "resolved"


def agency(code: str) -> Principal:
    return Principal(token_id="t", scope="agency", agency=code)


def add(session: Session, convener: str, *, status: str = FIRING, hours: float = 0,
        initiative: int | None = 1, area: str = "2480", rule: str = "yoy_rise",
        indicator: str | None = None, owner: str | None = None,
        period: str = "2024") -> Alert:
    """An alert that fired ``hours`` after NOW."""
    at = NOW + timedelta(hours=hours)
    ind = indicator or indicator_id()
    alert = Alert(id=str(uuid.uuid4()), dedup_key=f"{ind}|{area}|{period}|{uuid.uuid4()}",
                  initiative=initiative, indicator=ind, area=area, period=period, rule=rule,
                  value=1.0, expected=0.5, status=status, convener=convener,
                  follow_up_owner=owner, reason="test", episode=1, created_at=at,
                  updated_at=at, fired_at=at, reminders=0,
                  # Resolved a day later: one resolved at once is brief (never unread).
                  resolved_at=at + timedelta(days=1) if status == RESOLVED else None)
    session.add(alert)
    session.flush()
    return alert


def ids(page: listing.Page) -> list[str]:
    return [r.alert.id for r in page.rows]


def walk(session: Session, who: Principal, size: int, **kw: Any) -> list[listing.Page]:
    """Every page from the first, following the "Äldre" links."""
    pages = [listing.page(session=session, principal=who, reader="r", now=NOW, size=size,
                          **kw)]
    while pages[-1].older is not None:
        assert len(pages) < 50, "the pages end"
        pages.append(listing.page(session=session, principal=who, reader="r", now=NOW,
                                  size=size, after=pages[-1].older, **kw))
    return pages


def test_open_first_newest_first_and_keyset_pages_both_ways(session: Session) -> None:
    me = agency_id()
    made = [add(session, me, status=s, hours=h) for s, h in (
        (FIRING, 1), (RESOLVED, 9), (ACK, 5), (FIRING, 7), (RESOLVED, 2), (FIRING, 3),
        (ACK, 8))]
    add(session, agency_id(), hours=10)  # another agency's: never shown
    # Three alerts firing in the same microsecond: the id decides, and paging splits them.
    ties = [add(session, me, hours=4) for _ in range(3)]
    expected = [a.id for a in sorted(
        [*made, *ties], key=lambda a: (a.status == RESOLVED, -a.fired_at.timestamp(),
                                       [-ord(c) for c in a.id]))]
    pages = walk(session, agency(me), 3)
    assert [len(p.rows) for p in pages] == [3, 3, 3, 1]
    assert [i for p in pages for i in ids(p)] == expected
    assert [p.first for p in pages] == [1, 4, 7, 10]
    assert all(p.total == 10 for p in pages) and pages[0].newer is None

    # "Nyare" from every page leads back to the page before it.
    for before, here in pairwise(pages):
        assert here.newer is not None
        back = listing.page(session=session, principal=agency(me), reader="r", now=NOW,
                            size=3, before=here.newer)
        assert ids(back) == ids(before) and back.first == before.first


def test_a_new_alert_does_not_shift_the_pages(session: Session) -> None:
    """What OFFSET gets wrong: an alert arriving while the convener reads page 1 would push
    page 1's last row onto page 2 (seen twice). The cursor continues after that row."""
    me = agency_id()
    for h in range(6):
        add(session, me, hours=h)
    first = listing.page(session=session, principal=agency(me), reader="r", now=NOW, size=3)
    newest = add(session, me, hours=20)
    second = listing.page(session=session, principal=agency(me), reader="r", now=NOW,
                          size=3, after=first.older)
    assert not set(ids(first)) & set(ids(second)) and len(second.rows) == 3
    assert second.older is None and second.first == 5  # the new one counts above
    # "Nyare" from page 2: the rows just above it, which are page 1's...
    back = listing.page(session=session, principal=agency(me), reader="r", now=NOW, size=3,
                        before=second.newer)
    assert ids(back) == ids(first) and back.first == 2 and back.newer is not None
    # ...and above those, fewer than a page: the first page whole, with the new alert.
    top = listing.page(session=session, principal=agency(me), reader="r", now=NOW, size=3,
                       before=back.newer)
    assert ids(top) == [newest.id, *ids(first)[:2]]
    assert top.first == 1 and top.newer is None


def test_filters_state_initiative_area(session: Session) -> None:
    me, owner = agency_id(), agency_id()
    ind = indicator_id()
    firing = add(session, me, hours=1, initiative=3, indicator=ind, owner=owner)
    acked = add(session, me, status=ACK, hours=2, initiative=3, area="2482")
    resolved = add(session, me, status=RESOLVED, hours=3, initiative=4)
    overarching = add(session, me, hours=4, initiative=None)
    # A stale alert on the first alert's indicator and area mutes it (inhibition).
    stale = add(session, me, hours=5, initiative=3, indicator=ind, rule="stale")

    def shown(**f: Any) -> set[str]:
        return {i for p in walk(session, agency(me), 2, filters=listing.Filters(**f))
                for i in ids(p)}

    assert shown() == {firing.id, acked.id, resolved.id, overarching.id, stale.id}
    assert shown(state="open") == {firing.id, acked.id, overarching.id, stale.id}
    assert shown(state="firing") == {firing.id, overarching.id, stale.id}
    assert shown(state="acknowledged") == {acked.id}
    assert shown(state="resolved") == {resolved.id}
    assert shown(state="muted") == {firing.id}
    assert shown(initiative=3) == {firing.id, acked.id, stale.id}
    assert shown(initiative="none") == {overarching.id}
    assert shown(area="2482") == {acked.id}
    assert shown(state="open", initiative=3, area="2480") == {firing.id, stale.id}
    # Filters and paging together: the cursor pages within the filter.
    pages = walk(session, agency(me), 1, filters=listing.Filters(state="open"))
    assert [i for p in pages for i in ids(p)] == [stale.id, overarching.id, acked.id,
                                                 firing.id]
    [row] = listing.page(session=session, principal=agency(me), reader="r", now=NOW,
                         filters=listing.Filters(state="muted")).rows
    assert row.muted and row.inhibited_by is not None and row.inhibited_by.id == stale.id
    # The follow-up owner sees the alert it follows, and only that one.
    assert {i for p in walk(session, agency(owner), 5) for i in ids(p)} == {firing.id}

    # A quiet time of the convener mutes every open alert of it, not the resolved one.
    quiet.add_window(session=session, convener=me, start=(1, 1), end=(12, 31), comment="",
                     created_by="test", now=NOW)
    assert shown(state="muted") == {firing.id, acked.id, overarching.id, stale.id}


def test_muted_by_data_quality_as_the_alert_page_says(session: Session) -> None:
    """The list's inhibitions (all at once) name the alert the alert page names (one by
    one): the oldest open data-quality or stale alert on the inputs, same area, overlapping
    period."""
    me, measure = agency_id(), f"m_{uuid.uuid4().hex[:8]}"
    reads, other = indicator_id(), indicator_id()
    for ind in (reads, other):
        session.add(Definition(id=ind, plan_year=2024, version=1, initiative=1, convener=me,
                               updated_at=NOW, body={"formula": {"kind": "ratio", "numerator": {
                                   "measure": measure if ind == reads else "population"}}}))
    both = add(session, me, indicator=reads, hours=1)
    dq_only = add(session, me, indicator=reads, hours=1, period="2024-06")
    elsewhere = add(session, me, indicator=reads, area="2482")
    earlier_year = add(session, me, indicator=reads, period="2023")
    not_read = add(session, me, indicator=other)
    dq = add(session, me, rule="data_quality", indicator=f"dq:{measure}:sex", hours=2,
             period="2024-06")
    stale = add(session, me, rule="stale", indicator=reads, hours=3)
    stale_2023 = add(session, me, rule="stale", indicator=reads, hours=0, period="2023")
    values = (both, dq_only, elsewhere, earlier_year, not_read)

    def at_once() -> dict[str, str]:
        found = quiet.inhibitions(session=session, where=[Alert.convener == me])
        return {k: v.id for k, v in found.items()}

    def one_by_one() -> dict[str, str]:
        named = {a.id: quiet.inhibitor(session=session, alert=a) for a in values}
        return {k: v.id for k, v in named.items() if v is not None}

    assert at_once() == one_by_one() == {
        both.id: stale_2023.id,  # a stale alert of the indicator and area mutes every period
        dq_only.id: stale_2023.id, earlier_year.id: stale_2023.id}
    session.delete(stale_2023)
    session.flush()
    assert at_once() == one_by_one() == {
        both.id: dq.id, dq_only.id: dq.id, earlier_year.id: stale.id}


def test_counts_unread_and_open_per_initiative(session: Session) -> None:
    me = agency_id()
    a = add(session, me, hours=1, initiative=2)
    add(session, me, status=ACK, hours=2, initiative=2)
    add(session, me, status=RESOLVED, hours=3, initiative=2)
    add(session, me, hours=4, initiative=None)
    add(session, me, status=ACK, hours=5, initiative=7)
    session.add(InboxRead(alert_id=a.id, reader="r", read_at=NOW))
    session.flush()
    counts = listing.open_by_initiative(session=session, principal=agency(me))
    assert [(c.initiative, c.open, c.firing) for c in counts] == [
        (2, 2, 1), (7, 1, 0), (None, 1, 1)]
    page = listing.page(session=session, principal=agency(me), reader="r", now=NOW)
    assert (page.total, page.unread) == (5, 4)
    assert [r.unread for r in page.rows if r.alert.id == a.id] == [False]
    assert listing.open_by_initiative(session=session, principal=agency(agency_id())) == []


def test_a_cursor_from_a_link_is_checked() -> None:
    c = listing.Cursor(True, NOW + timedelta(microseconds=7), str(uuid.uuid4()))
    assert listing.Cursor.decode(c.encode()) == c
    for bad in (None, "", "x", "2.1.a", "0.notanumber.a", "0.1.", "0.1." + "a" * 37,
                "1.99999999999999999999999.a"):
        assert listing.Cursor.decode(bad) is None, bad
