"""Two ingest replicas (real processes on loopback, one PostgreSQL) enforce ONE rate limit per
agency, with the counts in the database or in Redis: together they accept the agency's limit of
batches, not twice it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from samstat_kit.auth import service as tokens
from samstat_kit.broker import free_port
from samstat_kit.db import get_engine, session_factory, session_scope

from .conftest import obs

REDIS = os.environ.get("SAMSTAT_TEST_REDIS", "redis://127.0.0.1:6379/0")
LIMIT = 4


def redis_available() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return f"no Redis at {REDIS}: {exc.__class__.__name__}"


@contextmanager
def replica(db_url: str, prefix: str, store: str) -> Iterator[str]:
    """``samstat serve ingest`` as its own process; yields its base URL."""
    port = free_port()
    env = os.environ | {
        "SAMSTAT_DATABASE_URL": db_url, "SAMSTAT_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "SAMSTAT_RATE_LIMIT_STORAGE_URL": store, "SAMSTAT_RATE_LIMIT_KEY_PREFIX": prefix,
        # No broker: the relay keeps the outbox and retries; the limit does not need one.
        "SAMSTAT_KAFKA_INGEST_ENABLED": "false",
        "SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
        "SAMSTAT_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen([sys.executable, "-m", "samstat", "serve", "ingest", "--port",
                             str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "ingest replica exited"
            try:
                if httpx.get(url + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ingest replica did not start"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.mark.parametrize("store", ["database", "redis"])
def test_two_replicas_enforce_one_limit(postgres_url: str, store: str) -> None:
    if store == "redis":
        reason = redis_available()
        if reason:
            pytest.skip(reason)
        store = REDIS
    with session_scope(session_factory(postgres_url)) as s:
        fk = tokens.issue(session=s, scope="agency", agency="forsakringskassan", ttl_days=1)
        af = tokens.issue(session=s, scope="agency", agency="arbetsformedlingen", ttl_days=1)
    prefix = f"test-{uuid.uuid4().hex[:10]}"  # this run's counters only
    with ExitStack() as stack:
        urls = [stack.enter_context(replica(postgres_url, prefix, store)) for _ in range(2)]
        statuses = []
        for i in range(3 * LIMIT):
            r = httpx.post(urls[i % 2] + "/v1/observations", timeout=10,
                           json={"observations": [obs(value=10 + i)]},
                           headers={"Authorization": f"Bearer {fk}"})
            statuses.append(r.status_code)
            if r.status_code == 429:
                assert 1 <= int(r.headers["Retry-After"]) <= 60
        # Alternating between the replicas: LIMIT accepted in all, the rest refused by both.
        assert statuses == [202] * LIMIT + [429] * (2 * LIMIT), statuses
        # Another agency's budget is its own, on either replica.
        other = httpx.post(urls[1] + "/v1/observations", timeout=10, json={"observations": [
            obs(agency="arbetsformedlingen", dimensions={"benefit": "unemployment",
                                                         "sex": "K"})]},
                           headers={"Authorization": f"Bearer {af}"})
        assert other.status_code == 202, other.text


def test_the_database_window_table_matches_its_migration(postgres_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from services.ingest.ratelimit import metadata

    with get_engine(postgres_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "ingest_rate_hits" in repr(d)] == []


def test_the_database_window_counts_a_moving_minute(postgres_url: str) -> None:
    """In one process: the limit, then Retry-After until the oldest hit leaves the window."""
    from services.ingest.ratelimit import AgencyLimiter

    limiter = AgencyLimiter(3, "database", f"t-{uuid.uuid4().hex[:8]}", db_url=postgres_url)
    assert [limiter.hit("a") for _ in range(3)] == [None] * 3
    waits = [limiter.hit("a"), limiter.hit("a")]
    assert all(w is not None and 55 <= w <= 60 for w in waits), waits
    assert limiter.hit("b") is None  # another agency
    with pytest.raises(ValueError, match="PostgreSQL"):
        AgencyLimiter(3, "database", db_url="sqlite://")
