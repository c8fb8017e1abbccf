"""Fault tests on the real stack: nothing acknowledged is lost, nothing is counted twice.

This module runs its own broker, so it can restart it empty.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from samstat_kit.broker import LocalBroker, free_port
from samstat_kit.db import dispose_engines, get_engine
from samstat_kit.periods import parse
from tests.e2e.conftest import seeded_stack
from tests.e2e.stack import Stack
from tests.e2e.test_end_to_end import _get, _obs, _post

pytestmark = pytest.mark.integration

AREAS = ["2480", "2460", "2404", "2409", "2401", "2403"]
LATEST = text("""
    SELECT o.area, o.period, SUM(o.value)
    FROM ingest_observations o
    JOIN (SELECT cell_key, MAX(revision) AS revision FROM ingest_observations
          GROUP BY cell_key) cur ON cur.cell_key = o.cell_key AND cur.revision = o.revision
    WHERE o.measure = 'benefit_net_days'
    GROUP BY o.area, o.period
""")


@pytest.fixture(scope="module")
def own_broker() -> Iterator[LocalBroker]:
    b = LocalBroker(port=free_port())
    b.start()
    yield b
    b.stop()


@pytest.fixture(scope="module")
def stack(own_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Stack]:
    s = seeded_stack(own_broker.bootstrap, tmp_path_factory.mktemp("faults"))
    s.start_all()
    yield s
    s.stop_all()
    dispose_engines()


def _replay(stack: Stack) -> int:
    """`samstat replay` against this stack's database and broker."""
    env = stack.env() | {"SAMSTAT_DATABASE_URL": stack.db_url}
    out = subprocess.run([*stack.python_cli(), "replay"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.strip().split()[-2])


def _month_batch(year: int, month: int, scale: float, revision: int = 1
                 ) -> list[dict[str, Any]]:
    return [_obs("forsakringskassan", "benefit_net_days", f"{year}-{month:02d}",
                 {"benefit": b, "sex": s}, round(scale * (i + 1) * 100.0, 1), "days",
                 revision, area=area)
            for i, area in enumerate(AREAS)
            for b in ("sickness", "sickness_activity_compensation") for s in ("K", "M")]


def _expected_year(stack: Stack, year: str) -> dict[str, float]:
    """FYE per area for the year, recomputed in SQL from the ingest log."""
    out: dict[str, float] = {}
    with get_engine(stack.db_url).connect() as c:
        for area, period, days in c.execute(LATEST):
            if period.startswith(year):
                out[area] = out.get(area, 0.0) + float(days) / parse(year).days
    return out


def _served_year(stack: Stack, token: str, year: str) -> dict[str, float]:
    out = {}
    for area in AREAS:
        r = _get(stack, "indicators", f"/v1/fye/{area}/{year}", token)
        if r.status_code == 200:
            out[area] = r.json()["fye"]
    return out


def _mismatch(stack: Stack, token: str, year: str) -> dict[str, tuple[Any, Any]]:
    """Areas where the served FYE differs from the SQL recomputation (empty: all agree)."""
    want, got = _expected_year(stack, year), _served_year(stack, token, year)
    return {a: (want.get(a), got.get(a)) for a in set(want) | set(got)
            if a not in want or a not in got or abs(want[a] - got[a]) > 1e-6} or \
        ({} if want else {"*": (None, None)})


def _matches(stack: Stack, token: str, year: str) -> bool:
    diff = _mismatch(stack, token, year)
    stack.last_diff = diff
    return not diff


def test_worker_killed_mid_stream_counts_nothing_twice(stack: Stack, issue: Any) -> None:
    fk, reader = issue("forsakringskassan"), issue("kommun-2480")
    for month in range(1, 7):
        _post(stack, fk, _month_batch(2022, month, 1.0))
    # kill -9 mid-stream, once the worker has computed something: offsets and tables not
    # flushed (killed at once, it would not have joined its group yet)
    stack.wait_for(lambda: _served_year(stack, reader, "2022"), timeout=120)
    stack.stop("worker", kill=True)
    for month in range(7, 13):
        _post(stack, fk, _month_batch(2022, month, 1.0))
    for month in range(1, 13, 2):  # corrections while the worker is down
        _post(stack, fk, _month_batch(2022, month, 1.5, revision=2))
    stack.start("worker")
    stack.wait_for(lambda: _matches(stack, reader, "2022"), timeout=240)
    stack.stop("worker", kill=True)  # and once more, after everything was processed
    stack.start("worker")
    _post(stack, fk, _month_batch(2022, 12, 2.0, revision=3))
    stack.wait_for(lambda: _matches(stack, reader, "2022") and
                   _served_year(stack, reader, "2022")["2480"] > 0, timeout=240)
    assert _matches(stack, reader, "2022")


def test_empty_broker_is_restored_by_replay(stack: Stack, own_broker: LocalBroker,
                                            issue: Any, tmp_path: Path) -> None:
    fk, reader = issue("forsakringskassan"), issue("kommun-2480")
    for month in range(1, 13):
        _post(stack, fk, _month_batch(2023, month, 1.0))
    stack.wait_for(lambda: _matches(stack, reader, "2023"), timeout=240)
    stack.stop("worker")
    own_broker.stop()
    own_broker.start()  # memory-only: every topic, offset and changelog is gone
    replayed = _replay(stack)
    assert replayed >= 12 * 24
    stack.start("worker")
    # One correction after the replay: the year's value can only be right if the worker's
    # state holds every other cell again.
    _post(stack, fk, _month_batch(2023, 6, 3.0, revision=2))
    stack.wait_for(lambda: _matches(stack, reader, "2023"), timeout=240)
    assert json.dumps(_served_year(stack, reader, "2023"))


def test_ingest_keeps_answering_while_the_broker_is_down(stack: Stack,
                                                         own_broker: LocalBroker,
                                                         issue: Any) -> None:
    fk, reader = issue("forsakringskassan"), issue("kommun-2480")
    own_broker.stop()
    sent: set[str] = set()
    try:
        for month in range(1, 13):
            batch = _month_batch(2021, month, 1.0)
            _post(stack, fk, batch)  # 202 while the broker is away: committed in the database
            sent |= {o["event_id"] for o in batch}
        health = httpx.get(stack.url("ingest") + "/healthz", timeout=5).json()
        assert health["status"] == "ok"
    finally:
        own_broker.start()  # back, and empty (the local broker keeps nothing)
    # The relay drains the outbox into the new broker: every accepted observation arrives.
    on_topic = stack.wait_for(lambda: sent <= (seen := _validated_event_ids(stack)) and seen,
                              timeout=240)
    assert sent <= on_topic
    # The documented recovery after losing the local broker (docs/operations.md#replay): what
    # kept running wrote into the new, empty broker with stale metadata, so restart it all,
    # broker included, and replay the ingest log, as `samstat run` does at start.
    stack.stop_all()
    own_broker.stop()
    own_broker.start()
    stack.start_all()
    _replay(stack)
    stack.wait_for(lambda: _matches(stack, reader, "2021"), timeout=180)
    assert _matches(stack, reader, "2023")


def _validated_event_ids(stack: Stack) -> set[str]:
    async def read() -> set[str]:
        from samstat_kit.kafka import Topics, make_consumer
        from samstat_kit.settings import KafkaSettings

        kafka = KafkaSettings(bootstrap_servers=stack.bootstrap, topic_prefix=stack.prefix)
        consumer = make_consumer(kafka, Topics(stack.prefix).validated, group_id=None)
        await consumer.start()
        ids: set[str] = set()
        idle = 0
        try:
            # Read to the end: until a few polls in a row bring nothing (the first polls of a
            # new consumer may be empty while it finds its partitions).
            while idle < 3:
                batches = await consumer.getmany(timeout_ms=1000)
                idle = 0 if batches else idle + 1
                for records in batches.values():
                    for r in records:
                        ids |= {o["event_id"] for o in json.loads(r.value)["observations"]}
        finally:
            await consumer.stop()
        return ids

    import asyncio

    return asyncio.run(read())


def test_two_workers_in_one_group_stay_exact_and_take_over(stack: Stack, issue: Any) -> None:
    """A second worker joins the group; whichever partitions each gets (Kafka splits them; the
    local broker was seen to hand them all to the newest member), the figures stay exact, and
    when one stops the other carries on from the changelogs.

    The first worker stops with SIGTERM (it leaves the group), not kill -9: Tansu 0.6 was seen
    to keep a killed member in the group for good (no session expiry), so its partitions were
    never handed over; on Kafka the session timeout does that. kill -9 and a restart from the
    changelogs are covered by test_worker_killed_mid_stream_counts_nothing_twice.

    The first worker stops only once the second has joined and been given its partitions.
    Runs that failed here (the survivor never applied the corrections sent during the
    rebalance) were first put down to Tansu; the cause was faust dropping records fetched at
    the end of recovery (services/indicators/worker/faust_compat.py, sections 7 and 8)."""
    fk, reader = issue("forsakringskassan"), issue("kommun-2480")
    stack.start("worker2")
    try:
        stack.wait_for(lambda: "Worker ready" in stack.log("worker2"), timeout=120)
        for month in range(1, 13):
            _post(stack, fk, _month_batch(2019, month, 1.0))
        stack.wait_for(lambda: _matches(stack, reader, "2019"), timeout=240)
        stack.stop("worker")  # the other one takes over all partitions
        for month in range(2, 13, 2):
            _post(stack, fk, _month_batch(2019, month, 0.5, revision=2))
        # A worker that crashes in the takeover is started again, as its Deployment would:
        # the figures must still come out exact (CI once saw worker2 exit here; its reason
        # is in the warning).
        stack.wait_for(lambda: _matches(stack, reader, "2019"), timeout=240,
                       supervised=frozenset({"worker2"}))
    finally:
        stack.stop("worker2")
        stack.start("worker")
