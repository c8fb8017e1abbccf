"""The database goes away under a running ingest (PostgreSQL behind a TCP proxy we cut):
503 with Retry-After, nothing half-written, and 202s again once it is back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from samstat_kit.auth import service as tokens
from samstat_kit.db import dispose_engines, session_factory, session_scope
from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from services.ingest.observations.models import IngestBatch, IngestObservation, OutboxMessage
from tests.e2e.tcp_proxy import TcpProxy
from tests.ingest.conftest import obs

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxied(postgres_url: str) -> Iterator[tuple[str, TcpProxy]]:
    parts = urlsplit(postgres_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else \
        f"127.0.0.1:{proxy.port}"
    yield urlunsplit(parts._replace(netloc=netloc)), proxy
    proxy.close()
    dispose_engines()


def _counts(url: str) -> tuple[int, int, int]:
    with session_scope(session_factory(url)) as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                     for m in (IngestObservation, OutboxMessage, IngestBatch))


def test_database_unavailable_answers_503_and_writes_nothing(
        proxied: tuple[str, TcpProxy], postgres_url: str) -> None:
    url, proxy = proxied
    with session_scope(session_factory(postgres_url)) as s:
        token = tokens.issue(session=s, scope="agency", agency="forsakringskassan")
    auth = {"Authorization": f"Bearer {token}"}
    settings = IngestSettings(database_url=url, kafka_ingest_enabled=False)

    def post(records: list[Any]) -> Any:
        return client.post("/v1/observations", json={"observations": records}, headers=auth)

    with TestClient(create_app(settings)) as client:
        assert post([obs(period="2019-01")]).status_code == 202  # warms the token cache
        before = _counts(postgres_url)
        proxy.cut()
        r = post([obs(period="2019-02"), obs(period="2019-03")])
        assert r.status_code == 503
        assert int(r.headers["Retry-After"]) > 0
        assert "nothing was stored" in r.json()["detail"]
        assert client.get("/healthz").status_code == 503
        assert _counts(postgres_url) == before  # no partial write: log, outbox, audit
        proxy.restore()
        r = post([obs(period="2019-02"), obs(period="2019-03")])
        assert r.status_code == 202, r.text
        assert r.json()["accepted"] == 2
        assert client.get("/healthz").status_code == 200
    after = _counts(postgres_url)
    assert after[0] == before[0] + 2 and after[2] == before[2] + 1
