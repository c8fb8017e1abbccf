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
from services.ingest.kafka_ingest import DeadLetter, KafkaIngest
from tests.auth.helpers import upload_staff_on
from tests.tables import empty_ingest


@pytest.fixture
def ingest_db(db_url: str) -> Iterator[str]:
    """The migrated database, with ingest's tables emptied for this test and after it (tests
    that do not use this fixture must not meet its cells)."""
    empty_ingest(db_url)
    yield db_url
    empty_ingest(db_url)


@pytest.fixture
def handler(ingest_db: str, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[KafkaIngest, list[DeadLetter]]]:
    """A KafkaIngest whose dead letters are captured instead of sent (no broker)."""
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", "unit")
    ingest = KafkaIngest(IngestSettings(database_url=ingest_db), session_factory(ingest_db))
    sent: list[DeadLetter] = []
    monkeypatch.setattr(ingest, "_send", sent.extend)
    yield ingest, sent


@pytest.fixture
def client(ingest_db: str) -> Iterator[TestClient]:
    # No broker here: the relay keeps the outbox and retries in the background.
    settings = IngestSettings(database_url=ingest_db, suppression_threshold=5,
                              max_batch_records=50, relay_max_backoff_seconds=0.5)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def token(ingest_db: str) -> Any:
    def make(agency: str | None = None, scope: str = "agency", ttl_days: int | None = 1) -> str:
        with session_scope(session_factory(ingest_db)) as s:
            return tokens.issue(session=s, scope=scope, agency=agency, ttl_days=ttl_days)

    return make


def obs(**over: Any) -> dict[str, Any]:
    base = {
        "event_id": new_event_id(), "agency": "forsakringskassan",
        "measure": "benefit_net_days", "area": "2480", "period": "2023-10",
        "dimensions": {"benefit": "sickness", "sex": "K"}, "value": 31000.0, "unit": "days",
        "revision": 1, "produced_at": datetime.now(UTC).isoformat(),
    }
    return base | over


@pytest.fixture
def upload_staff(ingest_db: str) -> Iterator[tuple[TestClient, str]]:
    """Municipality staff signed in on the upload pages, and their CSRF token."""
    with upload_staff_on(ingest_db) as page:
        yield page
