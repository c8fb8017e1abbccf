"""Two batches of one linked table in flight at once, on SQLite and PostgreSQL: the second
must wait for the first from before its revision lookup, or the first would store its
disclosure state (hidden) over the second's newer one (published), and every later attack
would reason from a cell it believes hidden while the public sees it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from samstat_kit.anonymity import new_event_id
from samstat_kit.auth.service import Principal
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope, writer_lock
from services.ingest.disclosure.models import DisclosureCell
from services.ingest.observations import service
from services.ingest.observations.schemas import ReceiptRead
from tests.races import second_waits

WHO = Principal(token_id="t", scope="agency", agency="kommun-2480")


def _obs(sex: str, value: float, revision: int, year: str) -> dict[str, Any]:
    return {"event_id": new_event_id(), "agency": "kommun-2480",
            "measure": "torget_discharges_to_occupation", "area": "2480", "period": year,
            "dimensions": {"sex": sex}, "value": value, "unit": "persons",
            "revision": revision, "produced_at": datetime.now(UTC).isoformat()}


def _accept(db: str, records: list[dict[str, Any]]) -> ReceiptRead:
    with writer_lock(db), session_scope(session_factory(db)) as s:  # as the front doors do
        return service.accept_batch(session=s, principal=WHO, records=records,
                                    catalogue=load_catalogue(), topic="t", threshold=5)


def test_a_batch_waits_for_one_of_the_same_table_from_its_lookup_on(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    year = str(1990 + int(time.time() * 1000) % 30)  # a table of its own on a shared db
    _accept(db_url, [_obs("M", 20.0, 1, year)])
    blocked, out = second_waits(monkeypatch, service, "suppress_small_counts",
                                lambda: _accept(db_url, [_obs("M", 3.0, 2, year)]),
                                lambda: _accept(db_url, [_obs("M", 20.0, 3, year)]))
    assert blocked, "batch B went ahead while batch A of the same table was in flight"
    assert not out["first"].rejected and [s.kind for s in out["first"].suppressed] == ["primary"]
    # A's small count was hidden first, so B's correction stays hidden (sticky).
    assert [s.kind for s in out["second"].suppressed] == ["held"]
    with session_scope(session_factory(db_url)) as s:
        state = s.execute(select(DisclosureCell.shown, DisclosureCell.revision).where(
            DisclosureCell.period == year)).one()
    assert tuple(state) == (None, 3)


def test_the_table_lock_is_per_schema_on_postgresql() -> None:
    """Advisory locks are per database: two deployments (or test sessions) in schemas of one
    database must not wait for each other's tables, and one schema's batches still must."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from services.ingest.disclosure.service import lock_tables
    from tests.conftest import own_pg_schema

    doc = _obs("M", 3.0, 1, "2001")
    cat = load_catalogue()
    with own_pg_schema("l_") as one, own_pg_schema("l_") as two:
        holder = session_factory(one)()
        try:
            lock_tables(session=holder, docs=[doc], catalogue=cat)
            for url, free in ((two, True), (one, False)):
                with session_factory(url)() as other:
                    other.execute(text("SET LOCAL lock_timeout = '300ms'"))
                    if free:
                        lock_tables(session=other, docs=[doc], catalogue=cat)
                    else:
                        with pytest.raises(OperationalError, match="lock timeout"):
                            lock_tables(session=other, docs=[doc], catalogue=cat)
                    other.rollback()
        finally:
            holder.rollback()
            holder.close()
