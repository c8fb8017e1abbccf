"""The privacy tests' own ingest service on both databases, and an attacker's toolkit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit.anonymity import new_event_id
from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from tests.tables import empty_ingest


@pytest.fixture
def privacy_db(db_url: str) -> str:
    empty_ingest(db_url)
    return db_url


@pytest.fixture
def client(privacy_db: str) -> Iterator[TestClient]:
    settings = IngestSettings(database_url=privacy_db, suppression_threshold=5,
                              max_batch_records=500, relay_max_backoff_seconds=5.0,
                              kafka_ingest_enabled=False)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def token(privacy_db: str) -> Any:
    def make(agency: str | None = None, scope: str = "agency") -> str:
        with session_scope(session_factory(privacy_db)) as s:
            return tokens.issue(session=s, scope=scope, agency=agency, ttl_days=1)
    return make


def cell(measure: str, area: str, period: str, value: float | None, revision: int = 1,
         agency: str = "forsakringskassan", unit: str = "persons",
         **dimensions: str) -> dict[str, Any]:
    return {"event_id": new_event_id(), "agency": agency, "measure": measure,
            "area": area, "period": period, "dimensions": dimensions, "value": value,
            "unit": unit, "revision": revision, "conf_status": "F" if value is not None else "C",
            "produced_at": datetime.now(UTC).isoformat()}


def publish(client: TestClient, tok: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    r = client.post("/v1/observations", json={"observations": records},
                    headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 202, r.text
    body: dict[str, Any] = r.json()
    return body
