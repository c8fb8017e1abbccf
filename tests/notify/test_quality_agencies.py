"""Two agencies reporting the same measure for the same area and period: each one's
data-quality finding is its own alert (the agency is in the alert's id and dedup key), which
only its own "ok" resolves and which the other can neither see nor act on. Alerts stored
before (``dq:<measure>:<dim>``) are renamed by migration 0006 and go on as their agency's.
The association whose members make up the finding's area follows it up (reads it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from samstat_kit.db import downgrade, migrate, session_factory, session_scope
from services.notify import names
from services.notify.access import Forbidden, NotFound
from services.notify.alerts.models import Alert
from services.notify.alerts.quality import handle_data_quality
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.delivery.service import facts_of
from services.notify.inbox import listing, quiet, views
from services.notify.inbox import service as inbox

from .factory import NOW, later, record, tokens

TIMRA, SF = "samordningsforbundet-harnosand-timra", "samordningsforbundet"  # both publish it
MEASURE, DIM = "coordination_need_persons", "target_group"


def finding(agency: str, status: str, total: float, parts_sum: float, *, area: str,
            period: str = "2031", measure: str = MEASURE, dim: str = DIM) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "kind": "total_mismatch", "status": status,
            "agency": agency, "measure": measure, "area": area, "period": period,
            "dimension": dim, "dimensions": {}, "total": total, "parts": {},
            "parts_sum": parts_sum}


def agency(name: str) -> Principal:
    return Principal(token_id=f"t-{name}", scope="agency", agency=name)


def fresh_area() -> str:
    """The session-wide databases keep other tests' alerts: an area of this test's own."""
    return f"a{uuid.uuid4().hex[:10]}"


def opened(session: Session, doc: dict[str, Any], at: datetime = NOW) -> Alert:
    alert = handle_data_quality(session=session, doc=doc, now=at)
    assert alert is not None and alert.status == "firing"
    return alert


def test_each_agency_has_its_own_alert_resolved_only_by_its_own_ok(session: Session) -> None:
    area = fresh_area()
    timra = opened(session, finding(TIMRA, "mismatch", 100, 110, area=area))
    sf = opened(session, finding(SF, "mismatch", 500, 520, area=area), later(1))
    assert timra.id != sf.id
    assert timra.indicator == f"dq:{TIMRA}:{MEASURE}:{DIM}"
    assert (timra.convener, timra.value, timra.expected) == (TIMRA, 100, 110)
    assert (sf.convener, sf.value, sf.expected) == (SF, 500, 520)
    # Timrå's figures are fixed: its alert resolves, the association's stays as it was.
    done = handle_data_quality(session=session, doc=finding(TIMRA, "ok", 110, 110, area=area),
                               now=later(2))
    assert done is not None and done.id == timra.id and done.status == "resolved"
    assert session.get(Alert, sf.id).status == "firing"  # type: ignore[union-attr]
    done = handle_data_quality(session=session, doc=finding(SF, "ok", 520, 520, area=area),
                               now=later(3))
    assert done is not None and done.id == sf.id and done.status == "resolved"


def test_neither_agency_sees_or_acts_on_the_others_alert(session: Session) -> None:
    """Two agencies that are not the association (which follows up the data-quality alerts
    of every area no other association covers, as this test's own, and so reads them, but
    acts on none but its own)."""
    area, one, two = fresh_area(), f"kommun-{uuid.uuid4().hex[:6]}", "kommun-other"
    mine = opened(session, finding(one, "mismatch", 7, 9, area=area))
    theirs = opened(session, finding(two, "mismatch", 70, 90, area=area))
    inbox.comment(session=session, principal=agency(one), alert_id=mine.id, who=one,
                  text="internal note", now=NOW)
    for who, other in ((one, theirs), (two, mine)):
        with pytest.raises(NotFound):
            inbox.visible_alert(session=session, principal=agency(who), alert_id=other.id)
        with pytest.raises(NotFound):
            inbox.acknowledge(session=session, principal=agency(who), alert_id=other.id,
                              who=who, now=NOW)
        with pytest.raises(NotFound):
            inbox.comment(session=session, principal=agency(who), alert_id=other.id, who=who,
                          text="hello", now=NOW)
    listed = listing.page(session=session, principal=agency(two), reader="r", now=later(1),
                          filters=listing.Filters(area=area))
    assert [r.alert.id for r in listed.rows] == [theirs.id]
    # The association follows up a municipality's alert: it reads it but may not act on it.
    assert inbox.visible_alert(session=session, principal=agency(SF), alert_id=mine.id)
    with pytest.raises(Forbidden):
        inbox.acknowledge(session=session, principal=agency(SF), alert_id=mine.id, who=SF,
                          now=NOW)
    # Another association's own figures are its own to follow up: Umeå's reads nothing of it.
    timra = opened(session, finding(TIMRA, "mismatch", 1, 2, area=area))
    assert timra.follow_up_owner == TIMRA
    with pytest.raises(NotFound):
        inbox.visible_alert(session=session, principal=agency(SF), alert_id=timra.id)


def test_the_chart_shows_only_the_conveners_own_totals(session: Session) -> None:
    """An id stored before 0006 that 0006 could not rename (another alert had taken its new
    id) names no agency: the chart still shows only the convener's own figures."""
    area, legacy = fresh_area(), f"dq:{MEASURE}:{DIM}"
    rows = []
    for i, (convener, period, value) in enumerate(((TIMRA, "2029", 1.0), (SF, "2030", 900.0),
                                                   (TIMRA, "2031", 3.0))):
        rows.append(Alert(
            id=str(uuid.uuid4()), dedup_key=f"{legacy}|{area}|{period}|{convener}", episode=1,
            indicator=legacy, area=area, period=period, rule="data_quality", value=value,
            status="firing", convener=convener, follow_up_owner=SF, reason="r",
            created_at=later(i), updated_at=later(i), fired_at=later(i)))
    session.add_all(rows)
    session.flush()
    alert = rows[-1]
    assert views._points(session, alert, views.quality_of(alert)) == [("2029", 1.0),
                                                                        ("2031", 3.0)]


def test_the_fye_gap_finding_is_the_associations_own(session: Session) -> None:
    area = fresh_area()
    doc = finding(SF, "mismatch", 120, 100, area=area, measure="fye_official", dim="source")
    alert = opened(session, doc)
    assert alert.indicator == f"dq:{SF}:fye_official:source"
    assert views.quality_of(alert) == views.Quality("fye_official", "source", {}, True)
    assert facts_of(session, alert, None).gap
    assert names.alert_title(None, alert.indicator, "en") == names.GAP["en"]
    done = handle_data_quality(session=session, doc=doc | {"status": "ok", "total": 100},
                               now=later(1))
    assert done is not None and done.id == alert.id and done.status == "resolved"


@pytest.mark.parametrize(("indicator", "parts"), [
    (f"dq:{TIMRA}:{MEASURE}:{DIM}", (TIMRA, MEASURE, DIM, {})),
    (f"dq:{SF}:gk_referrals:group:sex=_T,age=adult",
     (SF, "gk_referrals", "group", {"sex": "_T", "age": "adult"})),
    (f"dq:{MEASURE}:{DIM}", (None, MEASURE, DIM, {})),  # stored before 0006
    ("dq:gk_referrals:group:sex=_T", (None, "gk_referrals", "group", {"sex": "_T"})),
    ("dq:fye_official:source", (None, "fye_official", "source", {})),
])
def test_quality_ids_read_in_both_forms(indicator: str, parts: tuple[Any, ...]) -> None:
    assert names.quality_parts(indicator) == parts
    legacy = "dq:" + indicator.split(":", 2)[2] if parts[0] else indicator
    assert names.alert_title(None, indicator, "sv") == names.alert_title(None, legacy, "sv")
    alert = Alert(rule="data_quality", indicator=indicator)
    assert quiet.dq_measure(alert) == parts[1]  # inhibition reads the measure, either form


def test_the_consumer_skips_a_finding_that_can_name_no_alert(sqlite_url: str) -> None:
    """An agency with a ":" would shift the id's parts: that event alone is skipped."""
    settings = NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                              sweep_interval_seconds=3600, digest_enabled=False)
    area = fresh_area()
    with TestClient(create_app(settings)) as c:
        c.app.state.processor.data_quality([  # type: ignore[attr-defined]
            record(finding("evil:" + MEASURE, "mismatch", 1, 2, area=area, measure="x")),
            record(finding(TIMRA, "mismatch", 1, 2, area=area), offset=1)])
        with session_scope(c.app.state.session_factory) as s:  # type: ignore[attr-defined]
            found = s.scalars(select(Alert.convener).where(Alert.area == area)).all()
    assert found == [TIMRA]


# --- who follows a finding up: the association whose members make up its area -------------

KOMMUN_TIMRA, FK = "kommun-2262", "forsakringskassan"
# (reporting agency, area) -> the follow-up owner: codelists/agencies.json says which
# association's members make up the area; what none covers is the coordinating one's.
OWNERS = [
    (KOMMUN_TIMRA, "2262", TIMRA),  # Timrå kommun's own figures: Härnösand–Timrå's
    (FK, "2280", TIMRA),  # Härnösand, the other member, reported by an agency
    (FK, "2480", SF),  # Umeå: a member of Umeåregionen
    (FK, "umearegionen", SF),  # the region of Umeåregionen's members
    (FK, "22", SF),  # Västernorrland's county: more than Härnösand–Timrå's members
    (FK, "0000", SF),  # the nation
    (FK, "2281", SF),  # Sundsvall: a municipality of no association here
    (TIMRA, "2480", TIMRA),  # an association's own figures stay its own, wherever
    (SF, "2262", SF),
]


def test_the_association_of_the_area_follows_a_finding_up(db_url: str) -> None:
    """Through the consumer, on both databases: the owner is stored on the alert, reads it
    (its inbox page) but does not act on it; the other association reads nothing of it."""
    settings = NotifySettings(database_url=db_url, kafka_enabled=False,
                              sweep_interval_seconds=3600, digest_enabled=False)
    auth = tokens(db_url, TIMRA, SF)
    measure = f"m_{uuid.uuid4().hex[:10]}"  # ids of this test's own in the shared databases
    docs = [finding(who, "mismatch", 10, 12, area=area, measure=measure)
            for who, area, _ in OWNERS]
    with TestClient(create_app(settings)) as c:
        c.app.state.processor.data_quality(  # type: ignore[attr-defined]
            [record(d, offset=i) for i, d in enumerate(docs)])
        with session_scope(c.app.state.session_factory) as s:  # type: ignore[attr-defined]
            stored = {(a.convener, a.area): (a.id, a.follow_up_owner) for a in s.scalars(
                select(Alert).where(Alert.indicator.contains(measure, autoescape=True)))}
        assert {k: owner for k, (_, owner) in stored.items()} == {
            (who, area): owner for who, area, owner in OWNERS}
        timras, _ = stored[(KOMMUN_TIMRA, "2262")]
        assert c.get(f"/inbox/{timras}", headers=auth[TIMRA]).status_code == 200
        assert c.get(f"/inbox/{timras}", headers=auth[SF]).status_code == 404
        assert c.post(f"/v1/alerts/{timras}/ack", headers=auth[TIMRA],
                      json={}).status_code == 403  # the convener acts, not the owner
        umeas, _ = stored[(FK, "2480")]
        assert c.get(f"/inbox/{umeas}", headers=auth[SF]).status_code == 200
        assert c.get(f"/inbox/{umeas}", headers=auth[TIMRA]).status_code == 404


def test_an_older_alert_takes_the_new_owner_at_its_next_change(session: Session) -> None:
    """follow_up_owner is stored per alert and not migrated: one opened before the members
    were declared (the coordinating association's) keeps it while its finding repeats
    unchanged, and takes the area's association when the finding changes or reopens it."""
    measure = f"m_{uuid.uuid4().hex[:10]}"
    doc = finding(KOMMUN_TIMRA, "mismatch", 7, 9, area="2262", measure=measure)
    alert = opened(session, doc)
    alert.follow_up_owner = SF  # as the rule before stored it
    session.flush()
    assert handle_data_quality(session=session, doc=doc, now=later(1)) is None
    assert alert.follow_up_owner == SF
    changed = handle_data_quality(session=session, doc=doc | {"total": 8}, now=later(2))
    assert changed is not None and changed.id == alert.id
    assert changed.follow_up_owner == TIMRA


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    settings = NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                              sweep_interval_seconds=3600, digest_enabled=False)
    with TestClient(create_app(settings)) as c:
        yield c


def test_pages_and_api_keep_the_agencies_apart(client: TestClient, sqlite_url: str) -> None:
    """The reported take-over: the association's alert, then Timrå's finding of the same
    measure, area and period. Timrå neither reads the association's comment nor acts."""
    auth = tokens(sqlite_url, TIMRA, SF)
    area, factory = fresh_area(), client.app.state.session_factory  # type: ignore[attr-defined]
    with session_scope(factory) as s:
        sf_id = opened(s, finding(SF, "mismatch", 2670, 2833, area=area)).id
    r = client.post(f"/v1/alerts/{sf_id}/comments", headers=auth[SF],
                    json={"text": "SF-internal: ask about row 4"})
    assert r.status_code == 200, r.text
    with session_scope(factory) as s:
        timra_id = opened(s, finding(TIMRA, "mismatch", 7, 9, area=area)).id
    assert timra_id != sf_id
    assert client.get(f"/inbox/{sf_id}", headers=auth[TIMRA]).status_code == 404
    assert client.post(f"/v1/alerts/{sf_id}/ack", headers=auth[TIMRA],
                       json={}).status_code == 403
    own = client.get(f"/inbox/{timra_id}", headers=auth[TIMRA])
    assert own.status_code == 200 and "SF-internal" not in own.text
    with session_scope(factory) as s:
        sf_alert = s.get(Alert, sf_id)
        assert sf_alert is not None
        assert (sf_alert.convener, sf_alert.value, sf_alert.status) == (SF, 2670, "firing")


# --- migration 0006 ------------------------------------------------------------------------------

TS = "2024-03-01 12:00:00"


def _insert_alert(conn: Any, alert_id: str, indicator: str, convener: str,
                  rule: str = "data_quality", period: str = "2031") -> None:
    conn.execute(text(
        "INSERT INTO notify_alerts (id, dedup_key, indicator, area, period, rule, status, "
        "convener, follow_up_owner, reason, episode, created_at, updated_at, fired_at) "
        "VALUES (:id, :key, :ind, '2262', :period, :rule, 'firing', :conv, :owner, 'r', 1, "
        ":ts, :ts, :ts)"),
        {"id": alert_id, "key": f"{indicator}|2262|{period}|{rule}", "ind": indicator,
         "period": period, "rule": rule, "conv": convener, "owner": SF, "ts": TS})


def _ids(conn: Any) -> dict[str, tuple[str, str]]:
    return {i: (ind, key) for i, ind, key in conn.execute(text(
        "SELECT id, indicator, dedup_key FROM notify_alerts"))}


def test_0006_names_the_agency_in_stored_ids_and_goes_back(empty_url: str) -> None:
    migrate(empty_url, "services.notify", "0005_withdrawn")
    eng = create_engine(empty_url)
    old = f"dq:{MEASURE}:{DIM}"
    try:
        with eng.begin() as c:
            _insert_alert(c, "timra", old, TIMRA)
            _insert_alert(c, "split", "dq:gk_referrals:group:sex=_T", SF)
            _insert_alert(c, "value", "days_to_mapping", "forsakringskassan", rule="yoy_rise")
        migrate(empty_url, "services.notify")
        new = f"dq:{TIMRA}:{MEASURE}:{DIM}"
        with eng.begin() as c:
            assert _ids(c) == {
                "timra": (new, f"{new}|2262|2031|data_quality"),
                "split": (f"dq:{SF}:gk_referrals:group:sex=_T",
                          f"dq:{SF}:gk_referrals:group:sex=_T|2262|2031|data_quality"),
                "value": ("days_to_mapping", "days_to_mapping|2262|2031|yoy_rise")}
        factory = session_factory(empty_url)
        now = datetime.now(UTC)
        with session_scope(factory) as s:  # the association's own finding: its own alert
            sf = opened(s, finding(SF, "mismatch", 5, 6, area="2262"), now)
            assert sf.id not in ("timra", "split")
        with session_scope(factory) as s:  # Timrå's "ok" resolves Timrå's renamed alert
            done = handle_data_quality(session=s, now=now,
                                       doc=finding(TIMRA, "ok", 9, 9, area="2262"))
            assert done is not None and done.id == "timra" and done.status == "resolved"
            assert s.get(Alert, sf.id).status == "firing"  # type: ignore[union-attr]
        # Back: the older alert takes the old id, the other keeps its new one (never merged).
        downgrade(empty_url, "services.notify", "0005_withdrawn")
        with eng.begin() as c:
            back = _ids(c)
        assert back["timra"][0] == old and back["split"][0] == "dq:gk_referrals:group:sex=_T"
        assert back[sf.id][0] == f"dq:{SF}:{MEASURE}:{DIM}"
        migrate(empty_url, "services.notify")
        with eng.begin() as c:
            assert _ids(c)["timra"] == (new, f"{new}|2262|2031|data_quality")
    finally:
        eng.dispose()
