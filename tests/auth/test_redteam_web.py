"""Red-team findings on web hardening, on every service and both databases."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI

from samstat_kit.auth.people import Person
from samstat_kit.web import AnyReader, CsrfChecked, actor

from .helpers import SERVICES, build_app, client, csrf_of
from .test_hardening import signed_in


def _with_form(app: FastAPI) -> FastAPI:
    @app.post("/test-form", status_code=200)
    def act(_csrf: CsrfChecked, reader: AnyReader) -> dict[str, str]:
        return {"by": actor(reader)}
    return app


@pytest.mark.parametrize("service", SERVICES)
def test_a_bogus_bearer_header_does_not_lend_the_cookie_its_csrf_exemption(
        db_url: str, service: str, make_person: Callable[..., Person]) -> None:
    # Bearer calls skip the CSRF check because a browser never sends one by itself; a
    # header that does not verify must then not fall back to the browser's session cookie.
    person = make_person(agency="kommun-2480")
    c = client(_with_form(build_app(service, db_url)))
    c.cookies.set("samstat_session", signed_in(db_url, person))
    r = c.post("/test-form", data={}, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code in (401, 403), r.text
    assert person.email not in r.text


@pytest.mark.parametrize("service", SERVICES)
def test_a_nul_in_a_query_is_never_database_unavailable(db_url: str, service: str) -> None:
    # PostgreSQL refuses NUL in text (a DataError): that is the request's fault, not an
    # outage a client should retry. The kit answers 4xx on every service.
    c = client(build_app(service, db_url))
    for path in ("/v1/alerts/%00", "/inbox/%00", "/v1/alerts?indicator=%00",
                 "/indicators/%00", "/v1/cells/history?cell_key=%00", "/v1/me?x=%00"):
        r = c.get(path, headers={"Authorization": "Bearer x"})
        assert r.status_code < 500, (path, r.status_code, r.text)


@pytest.mark.parametrize("path", ["/indicators", "/indicators/no_such_indicator",
                                  "/indicators/fye?area=9999"])
def test_the_sign_out_button_of_every_indicators_page_signs_out(
        db_url: str, make_person: Callable[..., Person], path: str) -> None:
    """A form that posts without the CSRF token is refused: its button left the person
    signed in on every service."""
    import re

    secret = signed_in(db_url, make_person())
    c = client(build_app("indicators", db_url))
    c.cookies.set("samstat_session", secret)
    html = c.get(path).text
    [form] = re.findall(r'<form method="post" action="/logout">.*?</form>', html, re.S)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert c.post("/logout", data=fields).status_code == 303
    assert c.get("/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


@pytest.mark.parametrize("service", SERVICES)
def test_the_language_switch_of_a_not_found_page_stays_on_this_site(
        db_url: str, service: str) -> None:
    """The switch links to "this page in the other language": for an address whose path
    begins with two slashes (sent as such, as ``%2F`` or with a tab a browser drops) that
    link was ``//evil.example/x?lang=en``, another site's address under the service's own
    look."""
    import re

    c = client(build_app(service, db_url))
    for path in ("/%2F/evil.example/x", "/%09/evil.example/x", "/%2f%2fevil.example",
                 "/%0a%2F/evil.example"):
        r = c.get(path, headers={"Accept": "text/html"})
        [switch] = re.findall(r'class="lang" href="([^"]*)"', r.text)
        assert switch.startswith("/") and switch[1:2] not in ("/", "\\"), (path, switch)


HEADERS = ("x-content-type-options", "x-frame-options", "referrer-policy",
           "content-security-policy")


@pytest.mark.parametrize("service", SERVICES)
def test_answers_made_outside_the_routes_carry_the_security_headers_too(
        sqlite_url: str, service: str) -> None:
    """The headers came from a middleware inside the kit's others: a refusal one of those
    answered itself (a personal number in the address) and the 500 of an error no handler
    caught (Starlette's outermost ServerErrorMiddleware) went out without any of them."""
    from fastapi.testclient import TestClient

    app = build_app(service, sqlite_url)

    @app.get("/test-boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    c = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    for path, status in (("/test-boom", 500), ("/x?q=19900101-1239", 422),
                         ("/v1/me?x=%00", 422)):
        r = c.get(path, headers={"Accept": "text/html"})
        assert r.status_code == status, (path, r.status_code)
        missing = [h for h in HEADERS if h not in r.headers]
        assert not missing, (path, missing)
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_language_cookie_is_secure_over_tls_as_every_other(db_url: str,
                                                             service: str) -> None:
    """Every cookie of the deployment is ``Secure`` behind TLS (a plain-HTTP request on the
    network must not carry nor set it) but the language's, which ``?lang=`` sets on any page
    a person opens."""
    c = client(build_app(service, db_url), base_url="https://samstat.example")
    r = c.get("/login?lang=en")
    [lang] = [h for h in r.headers.get_list("set-cookie") if h.startswith("samstat_lang=")]
    assert "Secure" in lang and "HttpOnly" in lang, lang
    plain = client(build_app(service, db_url)).get("/login?lang=en")
    [lang] = [h for h in plain.headers.get_list("set-cookie") if h.startswith("samstat_lang=")]
    assert "Secure" not in lang  # a developer's http://127.0.0.1 keeps the choice


@pytest.mark.parametrize("service", SERVICES)
def test_a_page_elsewhere_cannot_have_its_words_shown_under_samstats_name(
        sqlite_url: str, service: str) -> None:
    """A form holding a personal number is refused before any route (or CSRF check) reads
    it, with a page giving back what was written, masked. A page on another site could post
    any words to any address here and have them shown on samstat's own page ("your account
    is locked, sign in at ..."); only this site's own form (its CSRF token) gets them back."""
    import re

    c = client(build_app(service, sqlite_url))
    token = csrf_of(c.get("/login").text)
    words = "Kontot är låst, logga in på evil.example 19880208-9717"
    html = {"Accept": "text/html"}

    def shown(data: dict[str, str], headers: dict[str, str]) -> list[str]:
        r = c.post("/logout", data=data, headers=html | headers)
        assert r.status_code == 422, r.status_code
        return re.findall(r'<blockquote class="written">(.*?)</blockquote>', r.text, re.S)

    cross = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert shown({"text": words}, cross) == []
    assert shown({"text": words, "csrf_token": token}, cross) == []
    assert shown({"text": words}, {}) == []  # no token: not this site's form
    [own] = shown({"text": words, "csrf_token": token}, {"Origin": "http://testserver"})
    assert own.startswith("Kontot är låst") and "9717" not in own


@pytest.mark.parametrize(("service", "page", "known"), [
    ("notify", "/inbox/{}", "0b5c6f0e-5d1f-4c83-9a43-2f4c1d1e9b7a"),
    ("indicators", "/fye/{}", "9999"),
    ("indicators", "/indicators/fye_share?area={}", "9999"),
])
def test_a_not_found_page_repeats_no_sentence_from_the_address(
        db_url: str, make_person: Callable[..., Person], service: str, page: str,
        known: str) -> None:
    """"Alert X does not exist" repeated the address's X, however long: a link could have
    samstat's own page say "Alert - your account is locked, call 08-123 45 67 - does not
    exist". A code or an id is still named; anything a sentence is written with is not."""
    from urllib.parse import quote

    c = client(build_app(service, db_url))
    c.cookies.set("samstat_session", signed_in(db_url, make_person()))
    lure = "konto spärrat, ring 08-123 45 67"
    def text(address: str) -> str:  # what the page says (not its links)
        r = c.get(address)
        assert r.status_code == 404, (address, r.status_code)
        return re.sub(r"<[^>]*>", " ", r.text)

    assert "ring 08" not in text(page.format(quote(lure)))
    assert known in text(page.format(known))
