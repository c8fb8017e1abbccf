"""Helpers of the sign-in tests: the four services' real apps on one database, a real SMTP
server (aiosmtpd), and the CSRF token a page handed out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from samstat_kit.auth.models import WebSession
from samstat_kit.auth.people import Person
from samstat_kit.auth.settings import AuthSettings
from samstat_kit.broker import free_port
from samstat_kit.db import session_factory, session_scope
from tests.notify.receivers import MailSink as MailSink  # one SMTP sink for all tests
from tests.notify.receivers import smtp_server as smtp_server

SERVICES = ("ingest", "indicators", "initiatives", "notify")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def build_app(service: str, db_url: str, **auth: Any) -> FastAPI:
    """A service's real app on ``db_url`` (no lifespan: no Kafka), with these sign-in
    settings."""
    if service == "ingest":
        from services.ingest.app import create_app as ingest
        from services.ingest.config import IngestSettings
        app = ingest(IngestSettings(database_url=db_url))
    elif service == "indicators":
        from services.indicators.app import create_app as indicators
        from services.indicators.config import IndicatorsSettings
        app = indicators(IndicatorsSettings(database_url=db_url))
    elif service == "initiatives":
        from services.initiatives.app import create_app as initiatives
        from services.initiatives.config import InitiativesSettings
        app = initiatives(InitiativesSettings(database_url=db_url, registry_publish=False))
    else:
        from services.notify.app import create_app as notify
        from services.notify.config import NotifySettings
        app = notify(NotifySettings(database_url=db_url, kafka_enabled=False))
    app.state.auth_settings = AuthSettings(**auth)
    return app


def client(app: FastAPI, base_url: str = "http://testserver") -> TestClient:
    return TestClient(app, base_url=base_url, follow_redirects=False)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@contextmanager
def upload_staff_on(db_url: str, agency: str = "kommun-2460"
                    ) -> Iterator[tuple[TestClient, str]]:
    """An agency's analyst signed in on ingest's upload pages (on ``db_url``), and the CSRF
    token the page handed out."""
    from datetime import timedelta
    from uuid import uuid4

    from samstat_kit.auth import sessions as store
    from samstat_kit.auth.people import add_person
    from services.ingest.app import create_app
    from services.ingest.config import IngestSettings

    with session_scope(session_factory(db_url)) as s:
        person = add_person(session=s, email=f"up-{uuid4().hex[:8]}@vannas.se",
                            agency=agency, name="Granskare", role="analyst")
        secret = store.start_session(session=s, person=person, method="email",
                                     max_age=timedelta(hours=1))
    with TestClient(create_app(IngestSettings(database_url=db_url)),
                    follow_redirects=False) as c:
        c.cookies.set("samstat_session", secret)
        yield c, csrf_of(c.get("/upload").text)


def live_sessions(db_url: str, person: Person) -> list[WebSession]:
    with session_scope(session_factory(db_url)) as s:
        rows = list(s.scalars(select(WebSession).where(WebSession.user_id == person.id)))
        s.expunge_all()
        return rows






@contextmanager
def serve(app: FastAPI, port: int | None = None, *,
          lifespan: Literal["on", "off"] = "off") -> Iterator[str]:
    """The app on a real HTTP server on loopback (uvicorn in a thread); yields its base URL.
    ``lifespan="on"`` runs the app's background work too (notify's dispatcher sends mail)."""
    import threading
    import time

    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
