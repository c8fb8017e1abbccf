"""OpenID Connect against a real provider server (oidc-provider-mock, on loopback) with a real
HTTP client (httpx) following the browser's redirects through a real service (uvicorn)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from oidc_provider_mock import run_server_in_thread

from samstat_kit.auth.models import OidcRequest
from samstat_kit.auth.people import Person
from samstat_kit.db import session_factory, session_scope

from .helpers import build_app, live_sessions, serve

CLIENT_ID = "samstat-test"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """A real OpenID provider; its issuer URL (it names itself by the Host it is asked on)."""
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def set_user(issuer: str, sub: str, **claims: object) -> None:
    r = httpx.put(f"{issuer}/users/{sub}", json=claims)
    assert r.status_code == 204, r.text


def authorize(browser: httpx.Client, service: str, sub: str, next_path: str = "/reports"
              ) -> httpx.Response:
    """The browser's way: the service's button, the provider's page, the subject chosen,
    back to the service's callback; returns the callback's answer."""
    start = browser.get(f"{service}/login/oidc", params={"next": next_path})
    assert start.status_code == 303, start.text
    to_provider = start.headers["location"]
    query = parse_qs(urlsplit(to_provider).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [f"{service}/login/oidc/callback"]
    assert browser.get(to_provider).status_code == 200  # the provider's sign-in page
    back = browser.post(to_provider, data={"sub": sub})
    assert back.status_code in (302, 303), back.text
    callback = back.headers["location"]
    assert callback.startswith(f"{service}/login/oidc/callback?")
    return browser.get(callback)


@pytest.fixture
def service(db_url: str, provider: str) -> Iterator[str]:
    app = build_app("initiatives", db_url, oidc_issuer=provider, oidc_client_id=CLIENT_ID,
                    oidc_client_secret="not-so-secret")
    with serve(app) as base:
        yield base


def test_the_organisations_account_signs_in(service: str, provider: str, db_url: str,
                                            make_person: Callable[..., Person]) -> None:
    person = make_person()
    set_user(provider, "karin-1", email=person.email.upper(), email_verified=True,
             name="Karin")
    with httpx.Client(timeout=20) as browser:
        page = browser.get(f"{service}/login")
        assert 'id="oidc"' in page.text and "organisationens konto" in page.text
        done = authorize(browser, service, "karin-1", "/reports/2024")
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/reports/2024"
        assert browser.get(f"{service}/reports").status_code == 200
        me = browser.get(f"{service}/v1/me").json()
        assert me["actor"] == person.email and me["person"]["agency"] == person.agency
    [row] = live_sessions(db_url, person)
    assert row.method == "oidc"


def test_a_callback_is_bound_to_its_browser_and_used_once(
        service: str, provider: str, db_url: str, make_person: Callable[..., Person]) -> None:
    person = make_person()
    set_user(provider, "bound-1", email=person.email, email_verified=True)
    with httpx.Client(timeout=20) as browser:
        start = browser.get(f"{service}/login/oidc")
        back = browser.post(start.headers["location"], data={"sub": "bound-1"})
        callback = back.headers["location"]
        # pushed into another browser (login CSRF): that browser never started it
        with httpx.Client(timeout=20) as victim:
            stolen = victim.get(callback)
            assert stolen.status_code == 400 and "samstat_session" not in victim.cookies
        assert browser.get(callback).status_code == 303  # the right browser: signed in
        replay = browser.get(callback)
        assert replay.status_code == 400
        forged = browser.get(re.sub(r"state=[^&]+", "state=forged", callback))
        assert forged.status_code == 400
    assert len(live_sessions(db_url, person)) == 1


@pytest.mark.parametrize(("claims", "status", "text"), [
    ({"email_verified": False}, 401, "misslyckades"),
    ({}, 401, "misslyckades"),  # no email_verified claim at all
])
def test_an_unverified_address_signs_nobody_in(service: str, provider: str, db_url: str,
                                              make_person: Callable[..., Person],
                                              claims: dict[str, object], status: int,
                                              text: str) -> None:
    person = make_person()
    sub = f"unverified-{person.id}"
    set_user(provider, sub, email=person.email, **claims)
    with httpx.Client(timeout=20) as browser:
        done = authorize(browser, service, sub)
        assert done.status_code == status and text in done.text
        assert "samstat_session" not in browser.cookies
    assert not live_sessions(db_url, person)


def test_unknown_or_disabled_people_are_refused(service: str, provider: str) -> None:
    set_user(provider, "stranger", email="stranger@example.se", email_verified=True)
    with httpx.Client(timeout=20) as browser:
        done = authorize(browser, service, "stranger")
        assert done.status_code == 403 and "Kontot finns inte" in done.text
        assert "samstat_session" not in browser.cookies


def test_no_button_and_no_flow_without_settings(db_url: str) -> None:
    with serve(build_app("initiatives", db_url)) as base, httpx.Client(timeout=20) as b:
        assert 'id="oidc"' not in b.get(f"{base}/login").text
        assert b.get(f"{base}/login/oidc").status_code == 404
        assert b.get(f"{base}/login/oidc/callback?code=x&state=y").status_code == 404


def test_a_provider_naming_another_issuer_is_not_trusted(db_url: str, provider: str) -> None:
    # the provider names itself after the host it is asked on: localhost, not 127.0.0.1
    other = provider.replace("localhost", "127.0.0.1")
    app = build_app("initiatives", db_url, oidc_issuer=other + "/", oidc_client_id=CLIENT_ID)
    with serve(app) as base, httpx.Client(timeout=20) as browser:
        start = browser.get(f"{base}/login/oidc")
        assert start.status_code == 502 and "misslyckades" in start.text


def test_the_id_token_must_answer_this_request(service: str, provider: str, db_url: str,
                                              make_person: Callable[..., Person]) -> None:
    """An ID token whose nonce is not the request's (a replayed token) is refused. (The PKCE
    verifier is sent, but this provider does not check it, so a wrong one is not tested.)"""
    field = "nonce"
    person = make_person()
    set_user(provider, f"pkce-{field}", email=person.email, email_verified=True)
    with httpx.Client(timeout=20) as browser:
        start = browser.get(f"{service}/login/oidc")
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        with session_scope(session_factory(db_url)) as s:
            row = s.get(OidcRequest, hashlib.sha256(state.encode()).hexdigest())
            assert row is not None
            setattr(row, field, "x" * 48)
        back = browser.post(start.headers["location"], data={"sub": f"pkce-{field}"})
        done = browser.get(back.headers["location"])
        assert done.status_code == 401 and "samstat_session" not in browser.cookies
    assert not live_sessions(db_url, person)
