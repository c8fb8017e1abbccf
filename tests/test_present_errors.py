"""Errors as pages for people, JSON for programs, on all four services (a black-box test:
browsers met ``{"detail": "Not Found"}``, a 422 list for ``/upload/{id}/rows/abc`` or a
comment over 2000 characters, a 403 JSON for a form's outdated CSRF token, and
``year: a whole number out of range`` for ``/reports/99999999999999999999``). One place does
it: ``samstat_kit/present/errors.py``, installed by ``create_service_app``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from services.indicators.app import create_app as indicators_app
from services.indicators.config import IndicatorsSettings
from services.ingest.app import create_app as ingest_app
from services.ingest.config import IngestSettings
from services.initiatives.app import create_app as initiatives_app
from services.initiatives.config import InitiativesSettings
from services.notify.app import create_app as notify_app
from services.notify.config import NotifySettings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
APPS: dict[str, Callable[[str], FastAPI]] = {
    "ingest": lambda url: ingest_app(IngestSettings(database_url=url)),
    "indicators": lambda url: indicators_app(IndicatorsSettings(database_url=url)),
    "initiatives": lambda url: initiatives_app(InitiativesSettings(
        database_url=url, registry_publish=False)),
    "notify": lambda url: notify_app(NotifySettings(database_url=url, kafka_enabled=False,
                                                    digest_enabled=False)),
}


@pytest.fixture
def browser(sqlite_url: str) -> Callable[[str], TestClient]:
    """A service's client as a signed-in browser: the token cookie, a browser's Accept."""
    with session_scope(session_factory(sqlite_url)) as session:
        token = tokens.issue(session=session, scope="agency", agency="forsakringskassan")

    def client(service: str) -> TestClient:
        c = TestClient(APPS[service](sqlite_url))  # no lifespan: no consumers
        c.cookies.set("samstat_token", token)
        c.headers["Accept"] = BROWSER
        return c
    return client


def is_page(r: object, status: int, *words: str) -> bool:
    text = r.text  # type: ignore[attr-defined]
    return (r.status_code == status  # type: ignore[attr-defined]
            and r.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
            and text.startswith("<!doctype html>") and all(w in text for w in words)
            and '"detail"' not in text)


@pytest.mark.parametrize("service", list(APPS))
def test_an_unknown_address_is_a_page_for_a_browser_and_json_for_the_api(
        browser: Callable[[str], TestClient], service: str) -> None:
    c = browser(service)
    assert is_page(c.get("/nonexistent"), 404, "Sidan finns inte", 'lang="sv"')
    assert is_page(c.get("/nonexistent?lang=en"), 404, "Page not found", 'lang="en"')
    # the API, and a client that asks for JSON, keep the documented body
    assert c.get("/v1/nonexistent").json() == {"detail": "Not Found"}
    assert c.get("/nonexistent", headers={"Accept": "application/json"}).json() == {
        "detail": "Not Found"}
    assert c.get("/nonexistent", headers={"Accept": "*/*"}).json() == {"detail": "Not Found"}


def test_initiatives_report_of_a_huge_year_is_the_404_page(
        browser: Callable[[str], TestClient]) -> None:
    c = browser("initiatives")
    for path in ("/reports/99999999999999999999", "/reports/99999999999999999999.pdf",
                 "/reports/-1"):
        r = c.get(path)
        assert is_page(r, 404, "Det finns ingen sådan uppföljning"), (path, r.text[:200])


def test_notify_forms_and_filters_answer_pages(browser: Callable[[str], TestClient]) -> None:
    c = browser("notify")
    r = c.get("/inbox?initiative=999999999999999999999")
    assert is_page(r, 422, "Det gick inte att använda"), r.text[:300]
    assert "999999999999999999999" not in r.text.split("<main")[1]
    # no CSRF token in the form (the cookie holds none either): the page says to reload
    r = c.post("/inbox/abc/comment", data={"text": "hej"})
    assert is_page(r, 403, "Ladda om sidan"), r.text[:300]
    # the JSON API keeps its JSON 403 for the same check
    api = c.post("/v1/alerts/abc/ack", headers={"Accept": "application/json"})
    assert api.status_code == 403 and "CSRF" in api.json()["detail"]
    # a comment over 2000 characters, with a valid token
    c.get("/inbox")  # the CSRF cookie
    csrf = c.cookies.get("samstat_csrf")
    assert csrf
    # (of an alert that does not exist: its page's 404; the length is said on an alert's
    # own page, tests/notify/test_inbox_pages.py)
    r = c.post("/inbox/abc/comment", data={"text": "x" * 2001, "csrf_token": csrf})
    assert is_page(r, 404), r.text[:300]
    assert "x" * 100 not in r.text
    r = c.post("/inbox/abc/comment?lang=en", data={"text": "hi"})  # English from here on
    assert is_page(r, 403, "Reload the page"), r.text[:300]


def test_ingest_upload_rows_answer_pages(browser: Callable[[str], TestClient]) -> None:
    c = browser("ingest")
    c.get("/upload")
    csrf = c.cookies.get("samstat_csrf")
    for number in ("0", "-1", "abc", "99999999999999999999"):
        r = c.post(f"/upload/abc/rows/{number}", data={"csrf_token": csrf or ""})
        assert is_page(r, 422, "Det gick inte att använda"), (number, r.text[:300])
    r = c.get("/upload/abc?fixed=abc")
    assert is_page(r, 422, "<code>fixed</code>"), r.text[:300]
    # ingest's own JSON body for the API
    api = c.post("/v1/observations?strict=maybe", json={"observations": []},
                 headers={"Accept": "application/json"})
    assert api.status_code in (401, 422) and "detail" in api.json()
