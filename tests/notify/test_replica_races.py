"""Several notify replicas on one database: each reads the whole registry topic and runs the
sweeps, so they store the same definitions, contacts and stale alerts at the same moment. The
first to store a row wins; the others carry on with it (no unit of work lost to a unique key),
and every replica's definition cache follows the database, whoever changed it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit.db import session_factory, session_scope
from services.notify.alerts import service, sweeps
from services.notify.alerts.definitions import DefinitionCache, all_definitions, get_definition
from services.notify.alerts.models import Alert, AlertEvent
from services.notify.config import NotifySettings
from services.notify.consumers import Processor
from services.notify.delivery.dispatcher import Dispatcher
from services.notify.events import IndicatorUpserted
from services.notify.subscriptions.models import Subscription
from tests.conftest import migrated, own_pg_schema

from .factory import (
    NOW,
    agency_id,
    indicator_id,
    record,
    registry_doc,
    upserted,
    value_doc,
    value_event,
)
from .races import Replica, behind

YOY = [{"kind": "yoy_rise", "tolerance": 0.5}]
STALE = [{"kind": "stale", "grace_days": 10}]
AF = "arbetsformedlingen"
OVERDUE = datetime(2024, 4, 1, tzinfo=UTC)  # a value of 2024-01: 2024-02 is overdue by then


def started(factory: sessionmaker[Session]) -> Processor:
    """A replica as the app starts one: its cache loaded from the database."""
    cache = DefinitionCache()
    with session_scope(factory) as s:
        cache.load(all_definitions(session=s))
    return Processor(factory, cache)


def alerts_of(factory: sessionmaker[Session], indicator: str) -> list[tuple[str, str, str]]:
    with session_scope(factory) as s:
        return [(a.convener, a.rule, a.status) for a in s.scalars(
            select(Alert).where(Alert.indicator == indicator))]


def transitions(factory: sessionmaker[Session], indicator: str) -> list[str]:
    with session_scope(factory) as s:
        return list(s.scalars(select(AlertEvent.transition).join(
            Alert, Alert.id == AlertEvent.alert_id).where(Alert.indicator == indicator)
            .order_by(AlertEvent.id)))


def test_every_replica_learns_a_registry_change_another_stored_first(db_url: str) -> None:
    f = session_factory(db_url)
    moved, gone = indicator_id("mv"), indicator_id("rm")
    v1 = [record(registry_doc(moved, YOY)), record(registry_doc(gone, YOY))]
    a = started(f)
    a.registry(v1)
    b = started(f)  # B starts later and reads the topic from the start
    b.registry(v1)
    # The registry gives `moved` another convener and deletes `gone`. A reads that first and
    # stores it; to B, a moment later, the database is up to date already.
    change = [record(registry_doc(moved, YOY, version=2, convener=AF)),
              record({"type": "indicator.deleted", "plan_year": 2024, "id": gone})]
    a.registry(change)
    b.registry(change)
    for replica in (a, b):
        now = replica.cache.get(moved)
        assert now is not None and (now.version, now.convener) == (2, AF)
        assert replica.cache.get(gone) is None
    # What B evaluates with: the new convener, and nothing for the deleted indicator.
    b.indicator_values([record(value_doc(moved, "2023", 12.0, 11.0)),
                        record(value_doc(gone, "2023", 12.0, 11.0))])
    assert alerts_of(f, moved) == [(AF, "yoy_rise", "firing")]
    assert alerts_of(f, gone) == []


def test_a_new_definition_read_by_two_replicas_at_once_is_stored_once(db_url: str) -> None:
    f = session_factory(db_url)
    ind = indicator_id("nd")
    with session_scope(f) as s:  # a value waiting for its definition
        service.handle_indicator_value(session=s, event=value_event(ind, "2023", 12.0, 11.0),
                                       now=NOW)
    b = Processor(f, DefinitionCache())
    behind(db_url,
           lambda a: service.handle_registry_event(session=a, event=upserted(ind, YOY), now=NOW),
           lambda: b.registry([record(registry_doc(ind, YOY))]),
           writes="INSERT INTO notify_definitions")
    # B's batch went through (it used to fail on the key, and its reader to start over from
    # offset 0); A evaluated the waiting value, once; B's cache has what A stored.
    cached = b.cache.get(ind)
    assert cached is not None and cached.version == 1
    assert alerts_of(f, ind) == [("forsakringskassan", "yoy_rise", "firing")]
    assert transitions(f, ind) == ["opened"]


def test_a_new_contact_read_by_two_replicas_at_once_is_stored_once(db_url: str) -> None:
    f = session_factory(db_url)
    ind, agency = indicator_id("ct"), agency_id()
    email = f"{agency}@example.org"
    with session_scope(f) as s:
        service.handle_registry_event(session=s, event=upserted(ind, [], convener=agency),
                                      now=NOW)
    v2 = registry_doc(ind, [], version=2, convener=agency,
                      contacts=[{"agency": agency, "email": email}])
    b = Processor(f, DefinitionCache())
    behind(db_url,
           lambda a: service.handle_registry_event(
               session=a, event=IndicatorUpserted.model_validate(v2), now=NOW),
           lambda: b.registry([record(v2)]), writes="INSERT INTO notify_contacts")
    with session_scope(f) as s:
        routes = [(r.channel, r.target) for r in s.scalars(select(Subscription).where(
            Subscription.convener == agency, Subscription.deleted_at.is_(None)))]
    assert routes == [("email", email)]  # one route, not one per replica
    cached = b.cache.get(ind)
    assert cached is not None and cached.version == 2


def stale_indicator(factory: sessionmaker[Session]) -> str:
    """An indicator with the stale rule whose next value is overdue at OVERDUE."""
    ind = indicator_id("st")
    with session_scope(factory) as s:
        service.handle_registry_event(session=s, event=upserted(ind, STALE), now=NOW)
        service.handle_indicator_value(session=s, event=value_event(ind, "2024-01", 5.0),
                                       now=NOW)
    return ind


def test_two_replicas_sweeping_at_once_open_a_stale_alert_once(db_url: str) -> None:
    f = session_factory(db_url)
    ind = stale_indicator(f)
    with session_scope(f) as s:
        definition = get_definition(session=s, indicator=ind)
    assert definition is not None

    def sweep(s: Session) -> list[str]:
        return [a.rule for a in sweeps.check_stale(session=s, now=OVERDUE,
                                                     definitions=[definition])]

    def replica_b() -> list[str]:
        with session_scope(f) as s:
            return sweep(s)

    # B's sweep finds the alert A opened, unchanged (its sweep used to roll back whole,
    # escalations and reminders with it).
    assert behind(db_url, sweep, replica_b, writes="INSERT INTO notify_alerts") == []
    assert alerts_of(f, ind) == [("forsakringskassan", "stale", "firing")]
    assert transitions(f, ind) == ["opened"]


@pytest.fixture
def own_pg_url(pg_schema_url: str) -> Iterator[str]:
    """A PostgreSQL schema of this test's own: the sweep looks at everything in it."""
    with own_pg_schema("r_") as url:
        yield migrated(url, ("samstat_kit.auth", "services.notify"))


def test_one_replica_sweeps_at_a_time(own_pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    f = session_factory(own_pg_url)
    ind = stale_indicator(f)
    settings = NotifySettings(database_url=own_pg_url, kafka_enabled=False,
                              digest_enabled=False)
    inside, go = threading.Event(), threading.Event()
    escalate = sweeps.escalate_overdue

    def paused(**kwargs: object) -> list[Alert]:  # replica A stops in the middle of its sweep
        if threading.current_thread().name == "replica-a":
            inside.set()
            go.wait(20)
        return escalate(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sweeps, "escalate_overdue", paused)
    a = Replica(lambda: Dispatcher(f, settings).sweep(OVERDUE), name="replica-a")
    a.start()
    try:
        assert inside.wait(20)
        # B's sweep neither waits for A's nor does the same work beside it.
        assert Dispatcher(f, settings).sweep(OVERDUE) == 0
        assert alerts_of(f, ind) == []
    finally:
        go.set()
    assert a.outcome() == 1
    assert alerts_of(f, ind) == [("forsakringskassan", "stale", "firing")]
