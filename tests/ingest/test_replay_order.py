"""``samstat replay`` sends each cell's log rows in revision order.

Two batches that race can log a cell's later revision before its earlier one (the later one
won the race to the log, the earlier one committed first); replaying in log order would send a
withdrawal before the value it withdraws, which the live outbox never did."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from samstat_kit.broker import LocalBroker
from samstat_kit.cells import cell_key
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from samstat_kit.kafka import Topics, make_consumer
from samstat_kit.periods import parse
from samstat_kit.settings import KafkaSettings, KitSettings
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.domain.fye.maths import compute_fye
from services.indicators.pipeline import Pipeline
from services.ingest import replay as replay_module
from services.ingest.observations.models import IngestObservation
from services.ingest.replay import RevisionOrder, overtaken

Log = list[tuple[str, int]]  # (cell, revision) in log order: seq = position + 1


def _hold(log: Log) -> dict[int, int]:
    """The rows a lower revision of their cell follows in the log, by definition."""
    out: dict[int, int] = {}
    for i, (cell, rev) in enumerate(log):
        later = [j for j in range(i + 1, len(log)) if log[j][0] == cell and log[j][1] < rev]
        if later:
            out[i + 1] = max(later) + 1
    return out


logs = st.lists(st.tuples(st.sampled_from("abc"), st.integers(1, 5)), max_size=15,
                unique=True).flatmap(st.permutations)


@settings(max_examples=300, deadline=None)
@given(logs)
def test_each_cells_rows_go_in_revision_order_the_rest_in_log_order(log: Log) -> None:
    hold = _hold(log)
    order = RevisionOrder(hold)
    sent: list[int] = []
    for seq, (_cell, rev) in enumerate(log, start=1):
        sent += [d["seq"] for d in order.take(seq, rev, {"seq": seq})]
    sent += [d["seq"] for d in order.rest()]
    assert sorted(sent) == list(range(1, len(log) + 1))
    for cell in "abc":
        revisions = [log[s - 1][1] for s in sent if log[s - 1][0] == cell]
        assert revisions == sorted(revisions)
    kept = [s for s in sent if s not in hold]
    assert kept == sorted(kept)  # only the overtaken rows move


def _row(cell: str, revision: int, value: float | None = 31000.0) -> IngestObservation:
    area, period = cell.split("|")
    dims = {"benefit": "sickness", "sex": "K"}
    now = datetime.now(UTC)
    return IngestObservation(
        event_id=str(uuid.uuid4()), agency="forsakringskassan", measure="benefit_net_days",
        cell_key=cell_key("forsakringskassan", "benefit_net_days", area, period, dims),
        area=area, period=period, dimensions=dims, value=value, unit="days", obs_status="A",
        # a withdrawal is logged as no value with conf_status F (models.IngestObservation)
        conf_status="F", revision=revision, produced_at=now, received_at=now,
        batch_id=str(uuid.uuid4()))


def _log(db: str, log: list[tuple[str, int, float | None]]) -> None:
    with session_scope(session_factory(db)) as s:
        for cell, rev, value in log:  # one flush each: seq follows the list
            s.add(_row(cell, rev, value))
            s.flush()


def test_the_log_query_finds_the_overtaken_rows(ingest_db: str) -> None:
    log = [("2480|2023-10", 3), ("2480|2023-11", 1), ("2480|2023-10", 1),
           ("2480|2023-10", 2), ("2460|2023-10", 2), ("2480|2023-11", 2),
           ("2460|2023-10", 1)]
    _log(ingest_db, [(cell, rev, 1.0) for cell, rev in log])
    with session_scope(session_factory(ingest_db)) as s:
        first = min(s.scalars(select(IngestObservation.seq)))
        found = overtaken(s)
    assert {seq - first + 1: release - first + 1 for seq, release in found.items()} == \
        _hold([(c, r) for c, r in log]) == {1: 4, 5: 7}


@pytest.mark.integration
def test_a_replay_of_a_raced_log_keeps_the_withdrawal_last(
        broker: LocalBroker, ingest_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The review's replay scenario: the withdrawal (revision 2) is logged before the value
    (revision 1). Replayed, the value goes first, and a rebuilt worker counts nothing."""
    _log(ingest_db, [("2480|2023-10", 2, None), ("2480|2023-10", 1, 31000.0),
                     ("2480|2023-11", 1, 30000.0)])
    prefix = "t" + uuid.uuid4().hex[:8]
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", prefix)
    settings = KitSettings(database_url=ingest_db)
    assert asyncio.run(replay_module.replay(settings, session_factory(ingest_db))) == 3

    async def read() -> list[dict[str, Any]]:
        consumer = make_consumer(KafkaSettings(), Topics(prefix).validated, group_id=None)
        await consumer.start()
        out: list[dict[str, Any]] = []
        try:
            end = time.monotonic() + 30
            while sum(len(m["observations"]) for m in out) < 3 and time.monotonic() < end:
                for recs in (await consumer.getmany(timeout_ms=300)).values():
                    out += [orjson.loads(r.value) for r in recs]
        finally:
            await consumer.stop()
        return out

    messages = asyncio.run(read())
    sent = [(o["period"], o["revision"], o["withdrawn"]) for m in messages
            for o in m["observations"]]
    assert [s for s in sent if s[0] == "2023-10"] == [("2023-10", 1, False),
                                                      ("2023-10", 2, True)], sent
    store: dict[str, dict[str, Any]] = {}
    pipeline = Pipeline(lambda name: store.setdefault(name, {}), Definitions(load_catalogue()))
    for m in messages:
        pipeline.confirm(pipeline.observations([m]))
    months = store["fye-days-by-year"]["2480|2023"]
    assert compute_fye(parse("2023-10"), lambda p: months.get(p.code)) is None
    assert compute_fye(parse("2023-11"), lambda p: months.get(p.code)) is not None

