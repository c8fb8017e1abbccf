"""Fixtures of the indicators' read-model tests: the API without its lifespan, and a reader."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.broker import free_port
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


@pytest.fixture
def server(sqlite_url: str) -> Iterator[str]:
    """The indicators app served on a loopback port (for a browser)."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(
        create_app(IndicatorsSettings(database_url=sqlite_url)), host="127.0.0.1", port=port,
        log_config=None, access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def reader_page(p: Any, db_url: str, agency: str, width: int, height: int) -> Any:
    """A Chromium page whose requests carry a new token of ``agency`` (``p``: playwright)."""
    with session_scope(session_factory(db_url)) as session:
        token = tokens.issue(session=session, scope="agency", agency=agency)
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {token}"},
                                  viewport={"width": width, "height": height})
    return context.new_page()
