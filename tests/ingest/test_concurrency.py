"""Concurrent writers on one cell, on SQLite and PostgreSQL: a cell never moves back to a
lower revision, and a duplicate racing its original is counted as a duplicate (no error).

Real threads call :func:`accept_batch` in their own transactions, as the HTTP and Kafka front
doors do (each with ``writer_lock``, which on PostgreSQL holds nothing: there the database's
row locks and the guarded statements decide)."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from samstat_kit.auth.service import Principal
from samstat_kit.cells import cell_key
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope, writer_lock
from services.ingest.observations import service
from services.ingest.observations.models import IngestCell, IngestObservation
from services.ingest.observations.schemas import ReceiptRead
from tests.ingest.conftest import obs
from tests.races import race

FK = Principal(token_id="t", scope="agency", agency="forsakringskassan")
ROUNDS = 12
WRITERS = 4


def _accept(db: str, records: list[dict[str, Any]]) -> ReceiptRead:
    with writer_lock(db), session_scope(session_factory(db)) as session:
        return service.accept_batch(session=session, principal=FK, records=records,
                                    catalogue=load_catalogue(), topic="t", threshold=5)


def _cell(db: str, key: str) -> tuple[int | None, int]:
    """(the cell's revision, the highest revision in the log for it)."""
    with session_scope(session_factory(db)) as s:
        revision = s.scalar(select(IngestCell.revision).where(IngestCell.cell_key == key))
        top = s.scalar(select(func.max(IngestObservation.revision))
                       .where(IngestObservation.cell_key == key))
    return revision, int(top or 0)


def test_concurrent_revisions_never_move_a_cell_backwards(ingest_db: str) -> None:
    rng = random.Random(14)
    for rnd in range(ROUNDS):
        period = f"20{10 + rnd // 12}-{rnd % 12 + 1:02d}"
        revisions = list(range(1, WRITERS + 1))
        rng.shuffle(revisions)
        records = [obs(period=period, revision=r, value=float(r)) for r in revisions]
        answers = race([lambda rec=rec: _accept(ingest_db, [rec]) for rec in records])
        errors = [a for a in answers if isinstance(a, BaseException)]
        assert not errors, errors
        receipts = [a for a in answers if isinstance(a, ReceiptRead)]
        accepted = sum(a.accepted for a in receipts)
        stale = [x for a in receipts for x in a.rejected]
        assert accepted + len(stale) == WRITERS
        assert all(x.field == "revision" and "stale" in x.reason for x in stale)
        key = cell_key("forsakringskassan", "benefit_net_days", "2480", period,
                       records[0]["dimensions"])
        revision, top = _cell(ingest_db, key)
        # The highest revision sent always wins, whatever order the writers committed in.
        assert revision == WRITERS == top, (rnd, revisions, revision, top)


def test_concurrent_duplicates_are_counted_not_errors(ingest_db: str) -> None:
    for rnd in range(ROUNDS):
        period = f"2019-{rnd % 12 + 1:02d}"
        record = obs(period=period, value=float(rnd))
        other = obs(period=period, dimensions={"benefit": "sickness", "sex": "M"})
        # Every writer sends the same event (a producer retrying in parallel), some with a
        # second, distinct record beside it.
        batches = [[record, other]] + [[record]] * (WRITERS - 1)
        answers = race([lambda batch=batch: _accept(ingest_db, batch) for batch in batches])
        errors = [a for a in answers if isinstance(a, BaseException)]
        assert not errors, errors
        receipts = [a for a in answers if isinstance(a, ReceiptRead)]
        assert sum(a.accepted for a in receipts) == 2, receipts
        assert sum(a.duplicates for a in receipts) == WRITERS - 1
        assert not any(a.rejected for a in receipts)
        with session_scope(session_factory(ingest_db)) as s:
            assert s.scalar(select(func.count()).select_from(IngestObservation)
                            .where(IngestObservation.event_id == record["event_id"])) == 1
