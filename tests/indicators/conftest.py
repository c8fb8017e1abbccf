"""Fixtures of the indicators' read-model tests: the API without its lifespan, and a reader."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from services.indicators.app import create_app
from services.indicators.config import IndicatorsSettings


@pytest.fixture
def client(db_url: str) -> TestClient:
    # Not entered as a context manager: no lifespan, so no Kafka consumer is started.
    return TestClient(create_app(IndicatorsSettings(database_url=db_url)))


@pytest.fixture
def bearer(db_url: str) -> dict[str, str]:
    """The Authorization header of a reader (Umeå's agency token)."""
    with session_scope(session_factory(db_url)) as session:
        token = tokens.issue(session=session, scope="agency", agency="kommun-2480")
    return {"Authorization": f"Bearer {token}"}
