"""The stream's results equal an independent batch recomputation in SQL over the ingest log,
on randomized data with duplicates, revisions, redelivery and reordering (both databases).

The batch side reads the whole ingest log and the whole outbox, so this module gets databases
of its own (a fresh SQLite file, a fresh PostgreSQL schema): rows other tests leave in the
shared session databases must not change its result, whatever order the suite runs in.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from samstat_kit.anonymity import new_event_id
from samstat_kit.auth.service import Principal
from samstat_kit.contracts import load_catalogue
from samstat_kit.periods import parse
from services.indicators.domain.fye.processor import FyeProcessor
from services.indicators.domain.values import Emitter
from services.ingest.observations.models import OutboxMessage
from services.ingest.observations.service import accept_batch
from tests.conftest import migrated, own_pg_schema, rolled_back

FK = Principal(token_id="t", scope="agency", agency="forsakringskassan")

cells = st.tuples(st.sampled_from(["2480", "2460"]),
                  st.sampled_from(["2022-01", "2022-02", "2023-01", "2023-02"]),
                  st.sampled_from(["sickness", "sickness_activity_compensation"]),
                  st.sampled_from(["K", "M"]))
updates = st.lists(st.tuples(cells, st.integers(1, 3), st.integers(0, 50_000)), min_size=1,
                   max_size=30)

# The independent recomputation: for every cell its highest revision, summed per area and
# month, straight from the ingest log.
BATCH_SQL = text("""
    SELECT o.area, o.period, SUM(o.value)
    FROM ingest_observations o
    JOIN (SELECT cell_key, MAX(revision) AS revision FROM ingest_observations
          GROUP BY cell_key) cur
      ON cur.cell_key = o.cell_key AND cur.revision = o.revision
    WHERE o.measure = 'benefit_net_days'
    GROUP BY o.area, o.period
""")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def own_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[str]:
    """A database only this module writes to, migrated for ingest."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("stream_vs_batch") / "samstat.db"
        yield migrated(f"sqlite:///{path}", ("services.ingest",))
        return
    with own_pg_schema("svb_") as url:
        yield migrated(url, ("services.ingest",))


@pytest.fixture
def own_session(own_db_url: str) -> Iterator[Session]:
    """Rolled back after each test, like the shared ``session`` fixture."""
    with rolled_back(own_db_url) as s:
        yield s


def _record(cell: tuple[str, str, str, str], revision: int, value: int) -> dict[str, Any]:
    area, period, benefit, sex = cell
    return {"event_id": new_event_id(), "agency": "forsakringskassan",
            "measure": "benefit_net_days", "area": area, "period": period,
            "dimensions": {"benefit": benefit, "sex": sex}, "value": float(value),
            "unit": "days", "revision": revision,
            "produced_at": datetime.now(UTC).isoformat()}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(updates, st.integers(1, 4), st.randoms())
def test_stream_equals_sql_over_the_ingest_log(own_session: Session, data: list[Any],
                                               batches: int, rnd: random.Random) -> None:
    session = own_session
    nested = session.begin_nested()
    try:
        records = [_record(c, r, v) for c, r, v in data]
        records += rnd.sample(records, len(records) // 3)  # agencies resend: duplicates
        rnd.shuffle(records)
        size = max(1, len(records) // batches)
        for i in range(0, len(records), size):
            accept_batch(session=session, principal=FK, records=records[i:i + size],
                         catalogue=load_catalogue(), topic="validated", threshold=5)
        messages = [json.loads(m.payload) for m in session.query(OutboxMessage)]
        # At-least-once delivery: some messages again, and areas interleaved any which way.
        delivered = messages + rnd.sample(messages, len(messages) // 2)
        rnd.shuffle(delivered)
        proc = FyeProcessor({}, {}, Emitter({}))
        stream: dict[tuple[str, str], float] = {}
        for message in delivered:
            for _key, doc in proc.apply_observations(message["observations"]):
                stream[(doc["area"], doc["period"])] = doc["components"]["fye"]
        batch: dict[tuple[str, str], float] = {}
        for area, period, days in session.execute(BATCH_SQL):
            batch[(area, period)] = float(days) / parse(period).days
            year = parse(period[:4])
            batch[(area, year.code)] = batch.get((area, year.code), 0.0) + \
                float(days) / year.days
        for key, fye in batch.items():
            assert abs(stream[key] - fye) < 1e-9, key
        assert {k for k in stream if len(k[1]) in (4, 7)} >= set(batch)
    finally:
        nested.rollback()
