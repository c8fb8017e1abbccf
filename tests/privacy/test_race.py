"""Two batches of one linked table in flight at once, on SQLite and PostgreSQL: the second
must wait for the first from before its revision lookup, or the first would store its
disclosure state (hidden) over the second's newer one (published), and every later attack
would reason from a cell it believes hidden while the public sees it."""

from __future__ import annotations

import threading
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
    real = service.suppress_small_counts
    paused, release = threading.Event(), threading.Event()

    def pause_first(**kw: Any) -> Any:  # batch A stops between its lookup and its check
        if threading.current_thread().name == "A":
            paused.set()
            release.wait(30)
        return real(**kw)

    monkeypatch.setattr(service, "suppress_small_counts", pause_first)
    out: dict[str, ReceiptRead] = {}
    a = threading.Thread(name="A", target=lambda: out.update(
        A=_accept(db_url, [_obs("M", 3.0, 2, year)])))
    b = threading.Thread(name="B", target=lambda: out.update(
        B=_accept(db_url, [_obs("M", 20.0, 3, year)])))
    a.start()
    assert paused.wait(30)
    b.start()
    b.join(1.0)
    blocked = b.is_alive()
    release.set()
    a.join(30)
    b.join(30)
    assert blocked, "batch B went ahead while batch A of the same table was in flight"
    assert not out["A"].rejected and [s.kind for s in out["A"].suppressed] == ["primary"]
    # A's small count was hidden first, so B's correction stays hidden (sticky).
    assert [s.kind for s in out["B"].suppressed] == ["held"]
    with session_scope(session_factory(db_url)) as s:
        state = s.execute(select(DisclosureCell.shown, DisclosureCell.revision).where(
            DisclosureCell.period == year)).one()
    assert tuple(state) == (None, 3)
