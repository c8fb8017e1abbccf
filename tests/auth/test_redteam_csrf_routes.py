"""Every route that changes something and reads the browser's cookies checks the CSRF token:
a guard over all four services' routes, so that a form route added later without
:data:`samstat_kit.web.CsrfChecked` fails here rather than in a red team's hands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from samstat_kit.auth.people import Person
from samstat_kit.web import csrf_checked, reader_or_none

from .helpers import SERVICES, build_app, client
from .test_hardening import signed_in

# Routes that read their form themselves and check the token in it (read_checked_form, the
# sign-out's confirmation): each is posted cross-site below and must refuse.
CHECKED_IN_BODY = {"/logout", "/upload", "/upload/{upload_id}/rows/{number}",
                   "/upload/{upload_id}/publish"}
CROSS_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def _calls(dependant: Any) -> Iterator[Any]:
    yield dependant.call
    for dep in dependant.dependencies:
        yield from _calls(dep)


@pytest.mark.parametrize("service", SERVICES)
def test_every_changing_route_that_reads_the_cookie_checks_the_csrf_token(
        db_url: str, service: str, make_person: Callable[..., Person]) -> None:
    app = build_app(service, db_url)
    in_body = []
    for route in _routes(app.routes):
        if not route.methods - {"GET", "HEAD"}:
            continue
        calls = set(_calls(route.dependant))
        if reader_or_none in calls and csrf_checked not in calls:
            assert route.path in CHECKED_IN_BODY, f"{route.path}: no CsrfChecked"
            in_body.append(route.path)
    person = make_person(agency="kommun-2460", role="analyst")
    c = client(app)
    c.cookies.set("samstat_session", signed_in(db_url, person))
    for path in in_body:
        concrete = path.replace("{upload_id}", "x").replace("{number}", "1")
        r = c.post(concrete, data={"a": "1"}, headers=CROSS_SITE)
        assert r.status_code == 403, (path, r.status_code)
    assert c.get("/v1/me").status_code == 200  # the cross-site sign-out signed nobody out
