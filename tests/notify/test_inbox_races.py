"""The inbox and the alert lifecycle when two things happen to one alert at once: two loads of
its page, two acknowledgements, an acknowledgement or a snooze while a value resolves it.

Decisions are made on the row as it is under its lock, never on a copy the session read
before (SQLAlchemy returns the copy it has unless told to refresh it). Row locks are
PostgreSQL's; SQLite has none, and an acknowledgement takes its database's write lock instead
(services.notify.rows.locked): those tests run on both, the others on PostgreSQL only.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit.auth.service import Principal
from samstat_kit.db import get_engine, session_factory, session_scope
from services.notify.access import Conflict
from services.notify.alerts import lifecycle, service
from services.notify.alerts.models import Alert, AlertEvent, aware
from services.notify.inbox import service as inbox
from services.notify.inbox.models import InboxRead
from tests.races import second_waits

from .factory import NOW, indicator_id, later, upserted, value_event
from .races import Replica, behind, wait_until_blocked

YOY = [{"kind": "yoy_rise", "tolerance": 0.5}]
FK = Principal(token_id="t", scope="agency", agency="forsakringskassan")
REPLICA_A = "replica-a"


def make_alert(factory: sessionmaker[Session], ind: str) -> str:
    with session_scope(factory) as s:
        service.handle_registry_event(session=s, event=upserted(ind, YOY), now=NOW)
        [alert] = service.handle_indicator_value(
            session=s, event=value_event(ind, "2023", 12.0, 11.0), now=NOW)
        return alert.id


def clear(factory: sessionmaker[Session], ind: str) -> None:
    """A corrected value: the condition has cleared, the alert is resolved."""
    with session_scope(factory) as s:
        service.handle_indicator_value(
            session=s, event=value_event(ind, "2023", 10.0, 11.0, computed_at=later(1)),
            now=later(1))


def story(factory: sessionmaker[Session], alert_id: str) -> tuple[str, list[tuple[str, str]]]:
    with session_scope(factory) as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None
        return alert.status, [(e.transition, e.actor) for e in s.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id))]


class PausedRead:
    """Replica A stops right after the inbox read the alert (``visible_alert``), the copy
    kept referenced as its caller holds it, until the test lets it go on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read, self.go = threading.Event(), threading.Event()
        self.kept: list[Alert] = []
        self.pid: int | None = None
        original = inbox.visible_alert

        def paused(**kwargs: Any) -> Alert:
            alert = original(**kwargs)
            self.kept.append(alert)
            if threading.current_thread().name == REPLICA_A:
                session = kwargs["session"]
                if session.get_bind().dialect.name == "postgresql":
                    self.pid = session.scalar(text("SELECT pg_backend_pid()"))
                self.read.set()
                self.go.wait(20)
            return alert

        monkeypatch.setattr(inbox, "visible_alert", paused)

    def start(self, job: Any) -> Replica:
        a = Replica(job, name=REPLICA_A)
        a.start()
        assert self.read.wait(20)
        return a


def test_two_loads_of_an_alert_page_at_once_mark_it_read_once(db_url: str) -> None:
    f = session_factory(db_url)
    alert_id = make_alert(f, indicator_id("rd"))

    def read(s: Session, at: Any) -> None:
        inbox.mark_read(session=s, alert_id=alert_id, reader="person-1", now=at)

    def second_tab() -> None:
        with session_scope(f) as s:
            read(s, later(seconds=1))

    # The second load used to fail on the key: the page answered 503.
    behind(db_url, lambda a: read(a, NOW), second_tab, writes="INSERT INTO notify_inbox_reads")
    with session_scope(f) as s:
        rows = list(s.scalars(select(InboxRead).where(InboxRead.alert_id == alert_id)))
    assert [(r.reader, aware(r.read_at)) for r in rows] == [("person-1", NOW)]


def acknowledging(factory: sessionmaker[Session], alert_id: str, who: str) -> Any:
    def job() -> str:
        with session_scope(factory) as s:
            return inbox.acknowledge(session=s, principal=FK, alert_id=alert_id, who=who,
                                     now=later(2)).status
    return job


def alice_paused(db_url: str, monkeypatch: pytest.MonkeyPatch
                 ) -> tuple[sessionmaker[Session], str, str, Any, PausedRead]:
    """A firing alert, and Alice's acknowledgement of it paused after its read."""
    f = session_factory(db_url)
    ind = indicator_id("ak")
    alert_id = make_alert(f, ind)
    paused = PausedRead(monkeypatch)
    return f, ind, alert_id, paused.start(acknowledging(f, alert_id, "alice@fk.se")), paused


def test_an_acknowledgement_does_not_revive_an_alert_resolved_meanwhile(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    f, ind, alert_id, a, paused = alice_paused(db_url, monkeypatch)
    clear(f, ind)
    paused.go.set()
    with pytest.raises(Conflict, match="resolved"):
        a.outcome()
    assert story(f, alert_id) == ("resolved", [("opened", "rules"), ("resolved", "rules")])


def test_two_acknowledgements_at_once_are_recorded_once(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    f, _, alert_id, a, paused = alice_paused(db_url, monkeypatch)
    assert acknowledging(f, alert_id, "bob@fk.se")() == "acknowledged"
    paused.go.set()
    assert a.outcome() == "acknowledged"  # already so: nothing to do
    assert story(f, alert_id) == ("acknowledged", [("opened", "rules"),
                                                   ("acknowledged", "bob@fk.se")])


def test_an_acknowledgement_waits_for_another_in_progress(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    f = session_factory(db_url)
    alert_id = make_alert(f, indicator_id("aw"))

    def ack(who: str) -> Any:
        def job() -> str:
            with session_scope(f) as s:
                return service.acknowledge(session=s, alert_id=alert_id, principal=FK,
                                           who=who, now=later(2)).status
        return job

    # The first holds the alert it read (its only Session.get); the second waits for it,
    # on SQLite too (it used to go ahead, and both recorded an acknowledgement).
    waited, out = second_waits(monkeypatch, Session, "get", ack("alice@fk.se"),
                               ack("bob@fk.se"))
    assert waited
    assert out == {"first": "acknowledged", "second": "acknowledged"}
    assert story(f, alert_id) == ("acknowledged", [("opened", "rules"),
                                                   ("acknowledged", "alice@fk.se")])


def test_an_acknowledgement_waits_for_a_resolution_in_progress(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    f = session_factory(db_url)
    ind = indicator_id("rw")
    alert_id = make_alert(f, ind)
    # The consumer has resolved the alert and not committed yet: the acknowledgement waits
    # and finds it resolved, as on PostgreSQL (it used to acknowledge it after the
    # resolution, on SQLite: a resolved alert back among the open ones).
    waited, out = second_waits(monkeypatch, lifecycle, "resolve", lambda: clear(f, ind),
                               acknowledging(f, alert_id, "alice@fk.se"))
    assert waited
    assert isinstance(out["second"], Conflict) and "resolved" in str(out["second"])
    assert story(f, alert_id) == ("resolved", [("opened", "rules"), ("resolved", "rules")])


def test_a_snooze_is_decided_on_the_alert_as_it_is(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    f = session_factory(postgres_url)
    ind = indicator_id("sz")
    alert_id = make_alert(f, ind)
    paused = PausedRead(monkeypatch)

    def snooze() -> None:
        with session_scope(f) as s:
            inbox.snooze(session=s, principal=FK, alert_id=alert_id, who="alice@fk.se",
                         until=later(days=30).date(), now=later(2))

    a = paused.start(snooze)
    b = Replica(lambda: clear(f, ind))  # the consumer resolves it meanwhile
    b.start()
    try:
        assert paused.pid is not None
        # The snooze holds the alert it read: the resolution waits for it (it used not to,
        # and a resolved alert was snoozed).
        assert wait_until_blocked(get_engine(postgres_url), paused.pid, b)
    finally:
        paused.go.set()
    a.outcome()
    b.outcome()
    assert story(f, alert_id) == ("resolved", [
        ("opened", "rules"), ("snoozed", "alice@fk.se"), ("resolved", "rules")])


def test_a_value_reopens_an_alert_resolved_since_the_session_read_it(postgres_url: str) -> None:
    f = session_factory(postgres_url)
    ind = indicator_id("ro")
    alert_id = make_alert(f, ind)
    with session_scope(f) as a:
        copy = a.get(Alert, alert_id)  # this session has read the alert, firing
        clear(f, ind)  # another one resolves it and commits
        changed = service.handle_indicator_value(
            session=a, event=value_event(ind, "2023", 13.0, 11.0, computed_at=later(2)),
            now=later(2))
        # Judged on the row as it is: resolved, so the new firing value reopens it (the stale
        # copy said "firing": it was merely updated, and stayed resolved).
        assert changed == [copy]
        assert copy is not None and (copy.status, copy.episode) == ("firing", 2)
    assert [t for t, _ in story(f, alert_id)[1]] == ["opened", "resolved", "reopened"]
