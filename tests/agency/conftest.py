"""A real ingest served by uvicorn in a thread (its relay on the session's broker, its own
topic prefix), for the agencies' tools: the CLI's dry run, the upload page, the client."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from samstat_kit.auth import service as tokens
from samstat_kit.broker import LocalBroker, free_port
from samstat_kit.db import session_factory, session_scope
from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from tests.tables import empty_ingest


@dataclass
class RunningIngest:
    url: str
    db_url: str

    def token(self, agency: str) -> str:
        with session_scope(session_factory(self.db_url)) as s:
            return tokens.issue(session=s, scope="agency", agency=agency)


@contextlib.contextmanager
def serve_ingest(settings: IngestSettings) -> Iterator[str]:
    """Ingest with ``settings`` on a free loopback port, until the block ends: its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1",
                                           port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "ingest did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


@pytest.fixture(scope="module")
def running_ingest(broker: LocalBroker, sqlite_url: str) -> Iterator[RunningIngest]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", "agency" + uuid.uuid4().hex[:8])
        settings = IngestSettings(database_url=sqlite_url, relay_max_backoff_seconds=0.5,
                                  kafka_ingest_enabled=False)
        empty_ingest(sqlite_url)
        with serve_ingest(settings) as url:
            yield RunningIngest(url, sqlite_url)
        empty_ingest(sqlite_url)
