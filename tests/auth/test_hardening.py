"""Web hardening on every service: security headers and the CSP, the CSRF dependency, the
metrics token, session lifetimes (idle and absolute) on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI, Request
from sqlalchemy.orm import Session

from samstat_kit.auth import service as tokens
from samstat_kit.auth import sessions as store
from samstat_kit.auth.models import WebSession
from samstat_kit.auth.people import Person, add_person
from samstat_kit.db import session_factory, session_scope
from samstat_kit.http import AdminToken
from samstat_kit.web import AdminReader, AnyReader, CsrfChecked, actor, csrf_input

from .helpers import SERVICES, build_app, client, csrf_of

SCRIPT_SRC = re.compile(r"script-src ([^;]+)")
STYLE_SRC = re.compile(r"style-src ([^;]+)")


def with_form(app: FastAPI) -> FastAPI:
    """The service plus one state-changing form route, as page authors write them."""

    @app.post("/test-form", status_code=200)
    def act(_csrf: CsrfChecked, reader: AnyReader) -> dict[str, str]:
        return {"by": actor(reader)}

    @app.get("/test-page")
    def show(request: Request, reader: AnyReader) -> dict[str, str]:
        return {"by": actor(reader), "form": str(csrf_input(request))}
    return app


def signed_in(db_url: str, person: Person) -> str:
    with session_scope(session_factory(db_url)) as s:
        return store.start_session(session=s, person=person, method="email",
                                   max_age=timedelta(hours=1))


@pytest.mark.parametrize("service", SERVICES)
def test_every_response_carries_the_security_headers(db_url: str, service: str) -> None:
    c = client(build_app(service, db_url))
    nonces = set()
    for path in ("/healthz", "/no-such-page", "/v1/me", "/metrics", "/openapi.json"):
        r = c.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        csp = r.headers["content-security-policy"]
        for directive in ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'",
                          "form-action 'self'", "object-src 'none'"):
            assert directive in csp, (path, directive)
        script = SCRIPT_SRC.search(csp)
        assert script and "'unsafe-inline'" not in script.group(1), path
        style = STYLE_SRC.search(csp)  # an injected style could restyle or read the page
        assert style and "'unsafe-inline'" not in style.group(1), path
        assert style.group(1).split()[1:] == script.group(1).split()[1:], path  # the nonce
        nonces.add(re.search(r"'nonce-([^']+)'", csp).group(1))  # type: ignore[union-attr]
    assert len(nonces) == 5  # a fresh nonce per response


@pytest.mark.parametrize("service", SERVICES)
def test_forms_need_the_csrf_token_and_bearer_calls_do_not(
        db_url: str, service: str, make_person: Callable[..., Person]) -> None:
    person = make_person(agency="kommun-2480")
    secret = signed_in(db_url, person)
    c = client(with_form(build_app(service, db_url)))
    c.cookies.set("samstat_session", secret)
    assert c.post("/test-form", data={}).status_code == 403
    assert c.post("/test-form", data={"csrf_token": "A" * 43}).status_code == 403
    page = c.get("/test-page").json()  # GETs need no token
    assert page["by"] == person.email
    token = csrf_of(page["form"])
    ok = c.post("/test-form", data={"csrf_token": token})
    assert ok.status_code == 200 and ok.json() == {"by": person.email}
    assert c.post("/test-form", headers={"X-CSRF-Token": token}).status_code == 200
    cross = c.post("/test-form", data={"csrf_token": token},
                   headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    # a JSON API call with a Bearer header is exempt (a browser never adds that header)
    bearer = client(c.app).post("/test-form",  # type: ignore[arg-type]
                                headers={"Authorization": f"Bearer {secret}"})
    assert bearer.status_code == 200 and bearer.json() == {"by": person.email}


@pytest.mark.parametrize("service", SERVICES)
def test_metrics_can_require_a_token(db_url: str, service: str) -> None:
    assert client(build_app(service, db_url)).get("/metrics").status_code == 200
    c = client(build_app(service, db_url, metrics_token="scrape-me"))
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = c.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert ok.status_code == 200 and "samstat_http_request_seconds" in ok.text


def test_sessions_end_when_idle_expired_or_revoked(session: Session) -> None:
    person = add_person(session=session, email=f"s-{uuid.uuid4().hex[:8]}@example.se",
                        agency="scb")
    idle = timedelta(hours=1)
    live = store.start_session(session=session, person=person, method="email",
                               max_age=timedelta(hours=2))
    assert store.session_person(session=session, secret=live, idle=idle)
    row = session.get(WebSession, store._hash(live))
    assert row is not None
    row.last_seen_at = row.last_seen_at - timedelta(minutes=61)
    session.flush()
    assert store.session_person(session=session, secret=live, idle=idle) is None

    old = store.start_session(session=session, person=person, method="email",
                              max_age=timedelta(seconds=-1))
    assert store.session_person(session=session, secret=old, idle=idle) is None

    gone = store.start_session(session=session, person=person, method="oidc",
                               max_age=timedelta(hours=2))
    assert store.revoke_session(session=session, secret=gone)
    assert not store.revoke_session(session=session, secret=gone)
    assert store.session_person(session=session, secret=gone, idle=idle) is None
    for junk in ("", "sss_", "sss_" + "x" * 200, "sst_abc_def", gone[:-1]):
        assert store.session_person(session=session, secret=junk, idle=idle) is None


@pytest.mark.parametrize("service", SERVICES)
def test_admin_actions_know_the_person(db_url: str, service: str,
                                       make_person: Callable[..., Person]) -> None:
    app = build_app(service, db_url)

    @app.post("/test-admin")
    def admin_act(reader: AdminReader, principal: AdminToken) -> dict[str, str]:
        return {"by": actor(reader), "token_id": principal.token_id}

    admin, convener = make_person(role="admin"), make_person()
    c = client(app)
    ok = c.post("/test-admin", headers={"Authorization": f"Bearer {signed_in(db_url, admin)}"})
    assert ok.status_code == 200
    assert ok.json() == {"by": admin.email, "token_id": admin.email}
    no = c.post("/test-admin",
                headers={"Authorization": f"Bearer {signed_in(db_url, convener)}"})
    assert no.status_code == 403
    with session_scope(session_factory(db_url)) as s:
        token = tokens.issue(session=s, scope="admin")
    by_token = c.post("/test-admin", headers={"Authorization": f"Bearer {token}"})
    assert by_token.json()["by"] == "token:admin"


def test_what_ended_long_ago_is_forgotten(session: Session) -> None:
    person = add_person(session=session, email=f"o-{uuid.uuid4().hex[:8]}@example.se",
                        agency="scb")
    ancient = store.start_session(session=session, person=person, method="email",
                                  max_age=timedelta(days=-31))
    recent = store.start_session(session=session, person=person, method="email",
                                 max_age=timedelta(days=-29))
    store.purge_expired(session=session)
    assert session.get(WebSession, store._hash(ancient)) is None
    assert session.get(WebSession, store._hash(recent)) is not None


def test_no_page_template_has_an_inline_style_the_policy_would_refuse() -> None:
    """The policy allows a page's own ``<style>`` only with the request's nonce, and no
    ``style=`` attribute at all: every page template (not the e-mail bodies, which no
    policy governs) and the markup the services build in Python keep to it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    mails = {"mail.html", "email.html"}
    pages = [p for d in ("samstat_kit", "services") for p in (root / d).rglob("*.html")
             if "templates" in p.parts and p.name not in mails]
    sources = [p for d in ("samstat_kit", "services") for p in (root / d).rglob("*.py")]
    assert len(pages) > 20
    for path in pages:
        text = path.read_text()
        for tag in re.findall(r"<style\b[^>]*>", text):
            assert 'nonce="{{ nonce }}"' in tag, (path, tag)
        assert not re.search(r"\sstyle\s*=", text), path
    for path in sources:
        assert not re.search(r"<[a-z]+[^<>]*\sstyle=", path.read_text()), path


@pytest.mark.parametrize("service", SERVICES)
def test_no_page_that_the_policy_would_leave_blank(db_url: str, service: str) -> None:
    """FastAPI's /docs and /redoc load a CDN's scripts and start them inline, which the
    policy refuses: they are not served; the contract is /openapi.json."""
    c = client(build_app(service, db_url))
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert c.get(path).status_code == 404, path
    spec = c.get("/openapi.json")
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.")
