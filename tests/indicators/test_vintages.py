"""Vintages: what the API answers ``as_of`` an instant equals a batch recomputation of the
ingest log up to that instant (property test with revisions, stale revisions and late data),
and the history endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from samstat_kit.contracts import load_catalogue
from samstat_kit.periods import Period, parse
from services.indicators.api import service, vintages
from services.indicators.api.models import Base
from services.indicators.domain.fye import indicator
from services.indicators.domain.fye.processor import FyeProcessor, state_key
from services.indicators.domain.values import Emitter
from tests.conftest import rolled_back

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
AREAS = ("2480", "2460")
MONTHS = ("2023-01", "2023-02", "2023-03")
QUERIED = (*MONTHS, "2023-Q1", "2023")
CATALOGUE = load_catalogue()

cell = st.tuples(st.sampled_from(AREAS), st.sampled_from(MONTHS),
                 st.sampled_from(("sickness", "unemployment")), st.sampled_from(("K", "M")))
entry = st.tuples(cell, st.integers(1, 4), st.one_of(st.none(), st.floats(0, 5000)),
                  st.integers(1, 3600))  # cell, revision, value (None: withheld), delay (s)
population = st.tuples(st.sampled_from(AREAS), st.integers(1000, 100000),
                       st.integers(1, 3600))


def _log(entries: list[Any], pops: list[Any]) -> list[tuple[datetime, dict[str, Any]]]:
    """The ingest log: (received_at, observation), in the order samstat received them. A
    cell's later entries may carry a lower revision (stale) or an earlier period (late)."""
    out = []
    t = T0
    for (area, period, benefit, sex), rev, value, delay in entries:
        t += timedelta(seconds=delay)
        out.append((t, {"agency": "forsakringskassan", "measure": "benefit_net_days",
                        "area": area, "period": period, "revision": rev, "value": value,
                        "dimensions": {"benefit": benefit, "sex": sex}}))
    for n, (area, value, delay) in enumerate(pops):
        out.append((T0 + timedelta(seconds=delay), {
            "agency": "scb", "measure": "population", "area": area, "period": "2023",
            "revision": n + 1, "value": value, "dimensions": {"sex": "K", "age": "20-64"}}))
    return sorted(out, key=lambda e: e[0])


def _stream(log: list[tuple[datetime, dict[str, Any]]], session: Session) -> None:
    """The worker as it runs: each observation when it arrives, its events into the read model
    with the worker's clock at that moment."""
    now = [T0]
    fye = FyeProcessor({}, {}, Emitter({}), {}, clock=lambda: now[0])
    for at, obs in log:
        now[0] = at
        docs = [d for _k, d in fye.apply_observations([obs])]
        fye.emitter.confirm()
        service.upsert_values(session=session, docs=docs)


def _batch(log: list[tuple[datetime, dict[str, Any]]], instant: datetime, area: str,
           period: str) -> dict[str, Any] | None:
    """Recomputed from scratch from what was received by ``instant``."""
    fye = FyeProcessor({}, {}, Emitter({}), {})
    fye.apply_observations([obs for at, obs in log if at <= instant])
    return indicator.evaluate(area, parse(period),
                              lambda a, p: fye.days.get(state_key(a, p.code)),
                              lambda a, p: fye.population.get(state_key(a, p.code)))


@pytest.fixture(params=["sqlite", "postgres"])
def memory_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """The read model's tables, empty: SQLite in memory, or PostgreSQL (whose ``as_of``
    query is its own, DISTINCT ON) in a transaction rolled back at the end."""
    if request.param == "postgres":
        with rolled_back(request.getfixturevalue("postgres_url")) as s:
            _empty(s)
            yield s
        return
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine)
    yield Session(engine)
    engine.dispose()


def _empty(session: Session) -> None:
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(entries=st.lists(entry, min_size=1, max_size=14),
       pops=st.lists(population, max_size=2),
       probes=st.lists(st.integers(0, 14 * 3600 + 7200), min_size=1, max_size=4))
def test_as_of_equals_a_batch_recomputation_of_the_log(
        memory_session: Session, entries: list[Any], pops: list[Any], probes: list[int]
) -> None:
    _empty(memory_session)
    log = _log(entries, pops)
    _stream(log, memory_session)
    instants = [T0 + timedelta(seconds=s) for s in probes] + [at for at, _ in log[:3]]
    for instant in instants:
        for area in AREAS:
            for period in QUERIED:
                got = service.fye(session=memory_session, catalogue=CATALOGUE, area=area,
                                  period=period, as_of=instant)
                want = _batch(log, instant, area, period)
                if want is None:
                    assert got is None, (instant, area, period)
                    continue
                assert got is not None, (instant, area, period)
                assert got.fye == pytest.approx(want["components"]["fye"])
                assert got.population == want["components"]["population"]
                assert got.complete == want["complete"]


def test_two_computations_at_one_instant_keep_the_later(memory_session: Session) -> None:
    """The days and the population arriving in one instant make two versions with the same
    computed_at: the later one delivered is the vintage, as in the table of latest values
    (found by the property test above: the population was lost from as_of answers)."""
    doc = {"indicator": "fye_share", "area": "2480", "period": "2023-01", "unit": "share",
           "complete": True, "computed_at": T0.isoformat()}
    first = doc | {"value": None, "components": {"fye": 10.0}}
    second = doc | {"value": 0.01, "components": {"fye": 10.0, "population": 1000.0}}
    assert vintages.record(session=memory_session, docs=[first], now=T0) == 1
    assert vintages.record(session=memory_session, docs=[second, first, second], now=T0) == 0
    [row] = vintages.rows(session=memory_session, indicator="fye_share", as_of=T0)
    assert row.value == 0.01 and row.components["population"] == 1000.0


def test_history_and_updated_after(memory_session: Session) -> None:
    obs = {"agency": "forsakringskassan", "measure": "benefit_net_days", "area": "2480",
           "period": "2023-01", "dimensions": {"benefit": "sickness", "sex": "K"}}
    log = [(T0, obs | {"revision": 1, "value": 310.0}),
           (T0 + timedelta(days=30), obs | {"revision": 2, "value": 620.0}),
           (T0 + timedelta(days=31), obs | {"revision": 1, "value": 999.0})]  # stale: no change
    _stream(log, memory_session)
    history = service.fye_history(session=memory_session, catalogue=CATALOGUE, area="2480",
                                  period="2023-01")
    assert [(h.computed_at, h.fye) for h in history] == [(T0, 10.0),
                                                         (T0 + timedelta(days=30), 20.0)]
    region = service.fye_history(session=memory_session, catalogue=CATALOGUE,
                                 area="umearegionen", period="2023-01")
    assert [h.fye for h in region] == [10.0, 20.0] and not region[-1].complete
    changed = service.values(session=memory_session, indicator="fye_share", areas=["2480"],
                             updated_after=T0 + timedelta(days=1))
    assert {r.period for r in changed} >= {"2023-01", "2023-Q1", "2023-H1", "2023"}
    assert service.values(session=memory_session, indicator="fye_share", areas=["2480"],
                          updated_after=T0 + timedelta(days=30)) == []
    before = service.fye(session=memory_session, catalogue=CATALOGUE, area="2480",
                         period="2023-01", as_of=T0 + timedelta(days=29))
    assert before is not None and before.fye == 10.0
    assert Period(2023, 1, 1).days == 31


def test_exports_as_of_updated_after_and_history(db_url: str) -> None:
    from fastapi.testclient import TestClient

    from samstat_kit.auth import service as tokens
    from samstat_kit.db import session_factory, session_scope
    from services.indicators.app import create_app
    from services.indicators.config import IndicatorsSettings

    from .official_data import delete, load
    from .test_readmodel_data import value_doc

    ind = "t_v" + str(abs(hash(db_url)) % 10**8)
    docs = [value_doc(ind, "2480", "2081", 1.0, computed_at="2024-01-10T08:00:00+00:00"),
            value_doc(ind, "2480", "2081", 2.0, computed_at="2024-06-20T08:00:00+00:00"),
            value_doc(ind, "2480", "2082", 5.0, computed_at="2024-02-01T08:00:00+00:00")]
    load(db_url, docs)
    try:
        with session_scope(session_factory(db_url)) as session:
            token = tokens.issue(session=session, scope="agency", agency="kommun-2480")
        client = TestClient(create_app(IndicatorsSettings(database_url=db_url)))
        bearer = {"Authorization": f"Bearer {token}"}
        url = f"/v1/indicators/{ind}/export.csv"

        def values(**params: str) -> list[tuple[str, str]]:
            text = client.get(url, params={"area": "2480", **params}, headers=bearer).text
            return [(line.split(",")[3], line.split(",")[4]) for line in text.splitlines()[1:]]

        assert values() == [("2081", "2"), ("2082", "5")]
        assert values(as_of="2024-06-10") == [("2081", "1"), ("2082", "5")]
        assert values(updated_after="2024-03-01") == [("2081", "2")]
        assert values(include_history="true") == [("2081", "1"), ("2081", "2"), ("2082", "5")]
        series = client.get(f"/v1/indicators/{ind}/series", params={
            "area": "2480", "granularity": "year", "as_of": "2024-06-10",
            "include_history": "true"}, headers=bearer).json()
        assert [(p["period"], p["value"], len(p["history"])) for p in series["points"]] == [
            ("2081", 1.0, 1), ("2082", 5.0, 1)]
        assert client.get(url, params={"as_of": "juni"}, headers=bearer).status_code == 422
    finally:
        delete(db_url, docs)


def test_indicator_page_shows_what_samstat_showed_on_a_date(db_url: str) -> None:
    from fastapi.testclient import TestClient

    from samstat_kit.auth import service as tokens
    from samstat_kit.db import session_factory, session_scope
    from services.indicators.app import create_app
    from services.indicators.config import IndicatorsSettings

    from .official_data import delete, load
    from .test_readmodel_data import value_doc

    ind = "t_p" + str(abs(hash(db_url)) % 10**8)
    docs = [value_doc(ind, "2480", "2081", 1234.0, computed_at="2024-01-10T08:00:00+00:00"),
            value_doc(ind, "2480", "2081", 5678.0, computed_at="2024-06-20T08:00:00+00:00")]
    load(db_url, docs)
    try:
        with session_scope(session_factory(db_url)) as session:
            token = tokens.issue(session=session, scope="agency", agency="kommun-2480")
        client = TestClient(create_app(IndicatorsSettings(database_url=db_url)))
        bearer = {"Authorization": f"Bearer {token}"}
        url = f"/indicators/{ind}"
        now = client.get(url, params={"area": "2480", "granularity": "year"}, headers=bearer)
        then = client.get(url, params={"area": "2480", "granularity": "year",
                                       "as_of": "2024-06-10"}, headers=bearer)
        nbsp = "\u00a0"
        assert f"5{nbsp}678" in now.text and f"1{nbsp}234" not in now.text
        assert f"1{nbsp}234" in then.text and f"5{nbsp}678" not in then.text
        assert 'value="2024-06-10"' in then.text and "Visar läget vid slutet av" in then.text
        odd = client.get(url, params={"area": "2480", "as_of": "<b>"}, headers=bearer)
        assert odd.status_code == 200 and "<b>" not in odd.text  # ignored, never echoed
    finally:
        delete(db_url, docs)
