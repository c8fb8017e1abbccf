"""The rows a batch writes read back as sent, on SQLite and PostgreSQL: the log's typed
columns (PostgreSQL takes them by binary COPY, where no cast applies: a JSON document is
stored as an object, never as a string holding one), the cell, and the outbox message."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import func, select

from samstat_kit.auth.service import Principal
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from services.ingest.observations import service
from services.ingest.observations.models import IngestCell, IngestObservation, OutboxMessage
from tests.ingest.conftest import obs

FK = Principal(token_id="t", scope="agency", agency="forsakringskassan")


def test_a_batch_reads_back_as_sent(ingest_db: str) -> None:
    produced = "2024-01-05T09:30:00+01:00"
    sent = [obs(area="2480", value=31000.5, produced_at=produced),
            obs(area="2480", dimensions={"benefit": "sickness", "sex": "M"}, value=12.0,
                revision=3, obs_status="P", produced_at=produced)]
    with session_scope(session_factory(ingest_db)) as session:
        receipt = service.accept_batch(session=session, principal=FK, records=sent,
                                       catalogue=load_catalogue(), topic="t", threshold=5)
    assert receipt.accepted == 2 and not receipt.rejected
    with session_scope(session_factory(ingest_db)) as s:
        rows = s.scalars(select(IngestObservation).order_by(IngestObservation.seq)).all()
        assert [(r.event_id, r.dimensions, r.value, r.revision, r.obs_status, r.conf_status,
                 r.unit) for r in rows] == [
            (o["event_id"], o["dimensions"], o["value"], o["revision"],
             o.get("obs_status", "A"), "F", "days") for o in sent]
        moment = datetime.fromisoformat(produced).astimezone(UTC)
        assert all(r.produced_at.replace(tzinfo=r.produced_at.tzinfo or UTC) == moment
                   for r in rows)
        if s.get_bind().dialect.name == "postgresql":
            kinds = s.scalars(select(func.json_typeof(IngestObservation.dimensions))).all()
            assert kinds == ["object", "object"]
        cells = dict(s.execute(select(IngestCell.cell_key, IngestCell.seq)).all())
        assert cells == {r.cell_key: r.seq for r in rows}
        (payload,) = s.scalars(select(OutboxMessage.payload)).all()
        message = orjson.loads(payload)
        assert [o["event_id"] for o in message["observations"]] == [o["event_id"] for o in sent]
        assert [o["dimensions"] for o in message["observations"]] == \
            [o["dimensions"] for o in sent]
