"""Every service caps request bodies before any route reads them (samstat_kit.bodylimit):
indicators, initiatives and notify at the kit's default, ingest at its own (tested in
tests/ingest/test_upload_body_limit.py). A form route would otherwise parse any body, its
file parts spooled to disk, before the sign-in and CSRF checks."""

from __future__ import annotations

from fastapi import Request
from fastapi.testclient import TestClient

from samstat_kit.db import session_factory
from samstat_kit.http import DEFAULT_MAX_BODY, create_service_app
from services.indicators.app import create_app as indicators_app
from services.indicators.config import IndicatorsSettings


def test_a_body_over_the_default_cap_is_refused_unread(db_url: str) -> None:
    app = create_service_app("t", title="t", factory=session_factory(db_url))
    seen: list[int] = []

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        seen.append(len(await request.body()))
        return {"n": seen[-1]}

    with TestClient(app) as c:
        assert c.post("/echo", content=b"x" * 1000).json() == {"n": 1000}
        r = c.post("/echo", content=b"x" * (DEFAULT_MAX_BODY + 1))
        assert r.status_code == 413 and "larger than" in r.json()["detail"]
        assert r.headers["x-content-type-options"] == "nosniff"

        def chunks() -> object:  # no Content-Length: counted as it comes
            for _ in range(DEFAULT_MAX_BODY // 65536 + 2):
                yield b"y" * 65536

        assert c.post("/echo", content=chunks()).status_code == 413
    assert seen == [1000]  # the route never had either large body


def test_the_services_form_routes_are_capped(db_url: str) -> None:
    """A sign-in form (any service: the kit's) with a body over the cap: 413, not a parse."""
    with TestClient(indicators_app(IndicatorsSettings(database_url=db_url))) as c:
        r = c.post("/login/email", content=b"email=" + b"a" * DEFAULT_MAX_BODY,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413
