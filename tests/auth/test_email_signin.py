"""The e-mailed one-time link over HTTP, with a real SMTP server (aiosmtpd): one sign-in for
every service, GET never signs in, single use, nothing revealed about unknown addresses, no
link to a host the request merely claimed; logout ends the session everywhere."""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from samstat_kit.auth import sessions as store
from samstat_kit.auth.models import SignInLink, User
from samstat_kit.auth.people import Person, disable_person
from samstat_kit.broker import free_port
from samstat_kit.db import session_factory, session_scope
from samstat_kit.netguard import on_this_machine

from .helpers import SERVICES, MailSink, build_app, client, csrf_of, live_sessions

LINK = re.compile(r"(https?://[^/\s]+)/login/link\?token=([A-Za-z0-9_\-%]+)")
ORIGIN = "http://127.0.0.1:8003"


def ask_link(c: TestClient, address: str, next_path: str = "/reports/2024") -> str:
    page = c.get("/login", params={"next": next_path})
    r = c.post("/login/email", data={"email": address, "next": next_path,
                                     "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200, r.text
    return r.text


def mails_to(sink: MailSink, address: str) -> list[EmailMessage]:
    return [cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))
            for raw in sink.to(address)]


def link_in(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    assert text is not None, "no plain-text part"
    found = LINK.search(text.get_content())
    assert found, "no sign-in link in the mail"
    return found.group(1), found.group(2)


def confirm(c: TestClient, token: str) -> tuple[int, str]:
    page = c.get("/login/link", params={"token": token})
    return page.status_code, page.text


def use(c: TestClient, token: str) -> int:
    return c.post("/login/link", data={"token": token,
                                       "csrf_token": csrf_of(c.get("/login").text)}
                  ).status_code


def test_one_link_signs_in_on_every_service(db_url: str, mail: tuple[MailSink, int],
                                            make_person: Callable[..., Person]) -> None:
    sink, port = mail
    person = make_person(name="Karin Lund")
    apps = {s: build_app(s, db_url, smtp_port=port) for s in SERVICES}
    initiatives = client(apps["initiatives"], ORIGIN)
    ask_link(initiatives, person.email.upper())

    [msg] = mails_to(sink, person.email)
    assert msg["Auto-Submitted"] == "auto-generated" and msg["To"] == person.email
    assert msg["Subject"] == "Din inloggningslänk till samstat"
    assert {p.get_content_type() for p in msg.walk()} >= {"text/plain", "text/html"}
    origin, token = link_in(msg)
    assert origin == ORIGIN  # back to the service that was asked

    # A GET (a mail scanner's prefetch, or the person) shows a confirmation, twice if need be
    for _ in range(2):
        status, html = confirm(initiatives, token)
        assert status == 200 and person.email in html and 'action="/login/link"' in html
    assert not live_sessions(db_url, person)
    assert initiatives.get("/v1/me").status_code == 401

    r = initiatives.post("/login/link", data={"token": token, "csrf_token": csrf_of(html)})
    assert r.status_code == 303 and r.headers["location"] == "/reports/2024"
    cookie = r.headers["set-cookie"]
    secret = initiatives.cookies["samstat_session"]
    assert cookie.startswith(f"samstat_session={secret};")
    low = cookie.lower()
    assert "httponly" in low and "samesite=lax" in low and "path=/" in low
    assert "max-age=43200" in low and "secure" not in low and "domain" not in low
    [row] = live_sessions(db_url, person)
    assert row.id == hashlib.sha256(secret.encode()).hexdigest() and row.method == "email"
    assert secret not in {row.id, row.user_id}

    # used up: neither the page nor the POST accept it again
    status, html = confirm(initiatives, token)
    assert status == 410 and "gäller inte längre" in html
    assert use(initiatives, token) == 410

    # the same cookie on every service (one database, one session store)
    clients = {s: client(apps[s], f"http://127.0.0.1:800{i + 1}")
               for i, s in enumerate(SERVICES)}
    for s, c in clients.items():
        c.cookies.set("samstat_session", secret)
        me = c.get("/v1/me")
        assert me.status_code == 200, s
        assert me.json()["actor"] == person.email and me.json()["agency"] == person.agency
    assert clients["initiatives"].get("/reports").status_code == 200
    assert clients["indicators"].get("/indicators").status_code == 200
    # forwarded as a Bearer token (initiatives reads indicators this way)
    bearer = client(apps["ingest"]).get("/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert bearer.json()["person"]["email"] == person.email

    # logging out on one service ends the session on all of them
    indicators = clients["indicators"]
    out = indicators.post("/logout", data={"csrf_token": csrf_of(indicators.get("/login").text)})
    assert out.status_code == 303 and 'samstat_session=""' in out.headers["set-cookie"]
    assert live_sessions(db_url, person)[0].revoked_at is not None
    for s in SERVICES:
        c = client(apps[s])
        c.cookies.set("samstat_session", secret)
        assert c.get("/v1/me").status_code == 401, s
    c = client(apps["initiatives"])
    c.cookies.set("samstat_session", secret)
    assert c.get("/reports").status_code == 303


def test_unknown_and_disabled_addresses_get_the_same_answer(
        db_url: str, mail: tuple[MailSink, int], make_person: Callable[..., Person]) -> None:
    sink, port = mail
    known, disabled = make_person(), make_person()
    with session_scope(session_factory(db_url)) as s:
        disable_person(session=s, email=disabled.email)
    c = client(build_app("initiatives", db_url, smtp_port=port), ORIGIN)

    def answer(address: str) -> str:  # without what differs per request anyway
        return re.sub(r'(value|nonce)="[^"]*"', "", ask_link(c, address))

    assert answer(known.email) == answer("nobody-" + known.email) == answer(disabled.email)
    assert len(mails_to(sink, known.email)) == 1
    assert not mails_to(sink, "nobody-" + known.email) and not mails_to(sink, disabled.email)

    bad = c.post("/login/email", data={"email": "no address", "next": "/reports",
                                       "csrf_token": csrf_of(c.get("/login").text)})
    assert bad.status_code == 400 and "giltig e-postadress" in bad.text


def test_a_flood_of_requests_sends_few_mails(db_url: str, mail: tuple[MailSink, int],
                                             make_person: Callable[..., Person]) -> None:
    sink, port = mail
    person = make_person()
    c = client(build_app("initiatives", db_url, smtp_port=port), ORIGIN)
    for _ in range(8):
        ask_link(c, person.email)
    assert len(mails_to(sink, person.email)) == 5


def test_expired_tampered_and_disabled_links_sign_nobody_in(
        db_url: str, make_person: Callable[..., Person]) -> None:
    person, gone = make_person(), make_person()
    with session_scope(session_factory(db_url)) as s:
        expired = store.issue_link(session=s, person=person, next_path="/reports",
                                   ttl=timedelta(seconds=-1))
        fresh = store.issue_link(session=s, person=person, next_path="/reports",
                                 ttl=timedelta(minutes=15))
        of_gone = store.issue_link(session=s, person=gone, next_path="/reports",
                                   ttl=timedelta(minutes=15))
        disable_person(session=s, email=gone.email)
    c = client(build_app("initiatives", db_url), ORIGIN)
    tampered = fresh[:-1] + ("A" if fresh[-1] != "A" else "B")
    for token in (expired, tampered, of_gone, "", "x" * 200):
        status, _html = confirm(c, token)
        assert status in (410, 422) and "samstat_session" not in c.cookies
        if status == 410:
            assert use(c, token) == 410
    assert not live_sessions(db_url, person) and not live_sessions(db_url, gone)
    status, _html = confirm(c, fresh)
    assert status == 200 and use(c, fresh) == 303


def test_the_link_never_points_to_a_host_the_request_only_claimed(
        db_url: str, mail: tuple[MailSink, int], make_person: Callable[..., Person]) -> None:
    sink, port = mail
    person = make_person()
    app = build_app("initiatives", db_url, smtp_port=port)
    ask_link(client(app, "http://evil.example"), person.email)
    ask_link(client(app, "http://127.0.0.1.evil.example:8003"), person.email)
    app.state.auth_settings = app.state.auth_settings.model_copy(
        update={"public_hosts": ["samstat.example.se"]})
    ask_link(client(app, "https://samstat.example.se"), person.email)
    ask_link(client(app, "https://samstat.example.se:4444"), person.email)  # another port
    origins = [link_in(m)[0] for m in mails_to(sink, person.email)]
    public = app.state.settings.public_base_url.rstrip("/")
    assert origins == [public, public, "https://samstat.example.se", public]


@pytest.mark.parametrize("service", SERVICES)
def test_every_sign_in_form_needs_the_csrf_token(db_url: str, service: str,
                                                 make_person: Callable[..., Person]) -> None:
    person = make_person()
    with session_scope(session_factory(db_url)) as s:
        token = store.issue_link(session=s, person=person, next_path="/reports",
                                 ttl=timedelta(minutes=15))
    c = client(build_app(service, db_url), ORIGIN)
    good = csrf_of(c.get("/login").text)
    forms = {"/login/email": {"email": person.email}, "/login/link": {"token": token},
             "/login": {"token": "sst_x_y"}, "/logout": {}}
    for path, data in forms.items():
        assert c.post(path, data=data).status_code == 403, path
        assert c.post(path, data=data | {"csrf_token": "x" * 43}).status_code == 403, path
        cross = c.post(path, data=data | {"csrf_token": good},
                       headers={"Origin": "https://evil.example"})
        assert cross.status_code == 403, path
        sibling = c.post(path, data=data | {"csrf_token": good},
                         headers={"Sec-Fetch-Site": "cross-site"})
        assert sibling.status_code == 403, path
    assert not live_sessions(db_url, person)
    status, _html = confirm(c, token)  # still usable: the refused POSTs did not consume it
    assert status == 200 and use(c, token) == 303


@pytest.mark.parametrize("service", SERVICES)
def test_behind_a_tls_proxy_the_cookie_is_secure_and_may_span_the_domain(
        db_url: str, service: str, make_person: Callable[..., Person]) -> None:
    person = make_person()

    def sign_in(base: str, headers: dict[str, str], **auth: object) -> str:
        with session_scope(session_factory(db_url)) as s:
            token = store.issue_link(session=s, person=person, next_path="/reports",
                                     ttl=timedelta(minutes=15))
        c = client(build_app(service, db_url, **auth), base)
        html = c.get("/login/link", params={"token": token}, headers=headers).text
        # the browser talks https to the proxy, so it sends the Secure CSRF cookie back;
        # this client sees plain http and would not
        c.cookies.set("samstat_csrf", csrf_of(html))
        r = c.post("/login/link", data={"token": token, "csrf_token": csrf_of(html)},
                   headers=headers)
        assert r.status_code == 303
        return str(r.headers["set-cookie"]).lower()

    proxied = {"X-Forwarded-Proto": "https"}
    assert "; secure" in sign_in("http://127.0.0.1:8003", proxied, trust_forwarded_proto=True)
    assert "; secure" not in sign_in("http://127.0.0.1:8003", proxied)  # not trusted: ignored
    assert "; secure" in sign_in("https://127.0.0.1:8003", {})
    wide = sign_in("https://127.0.0.1:8003", {}, cookie_domain="127.0.0.1")
    assert "domain=127.0.0.1" in wide and "; secure" in wide


def test_behind_a_proxy_that_rewrites_host_the_public_origin_is_ours(
        db_url: str, make_person: Callable[..., Person]) -> None:
    """nginx sends Host: <upstream> by default; the browser's Origin is the public host."""
    person = make_person()
    with session_scope(session_factory(db_url)) as s:
        token = store.issue_link(session=s, person=person, next_path="/reports",
                                 ttl=timedelta(minutes=15))
    app = build_app("initiatives", db_url, public_hosts=["samstat.example.se"])
    c = client(app, "http://initiatives:8003")
    html = c.get("/login/link", params={"token": token}).text
    form = {"token": token, "csrf_token": csrf_of(html)}
    assert c.post("/login/link", data=form,
                  headers={"Origin": "https://samstat.example.se.evil.example"}
                  ).status_code == 403
    assert c.post("/login/link", data=form,
                  headers={"Origin": "https://samstat.example.se"}).status_code == 303


@pytest.mark.parametrize(("env", "public", "logs"), [
    ("dev", "http://127.0.0.1:8002", True), ("test", "http://127.0.0.1:8002", False),
    # SAMSTAT_ENV left at dev on a deployment others reach: its log is no place for a
    # secret that signs a person in (a security review)
    ("dev", "https://samstat.example.se", False)])
def test_without_a_mail_server_only_dev_on_this_machine_logs_the_link(
        db_url: str, make_person: Callable[..., Person], env: str, public: str, logs: bool,
        caplog: pytest.LogCaptureFixture) -> None:
    person = make_person()
    app = build_app("initiatives", db_url, smtp_port=free_port(), smtp_timeout_seconds=2)
    app.state.settings = app.state.settings.model_copy(
        update={"env": env, "public_base_url": public})
    with caplog.at_level(logging.INFO, logger="samstat_kit.auth.signin"):
        ask_link(client(app, ORIGIN if on_this_machine(public) else public), person.email)
    logged = [r.getMessage() for r in caplog.records]
    assert any("sign-in link not sent" in m for m in logged)
    assert any("/login/link?token=" in m for m in logged) == logs


def test_the_answers_language_switch_shows_it_again_without_sending(
        db_url: str, mail: tuple[MailSink, int], make_person: Callable[..., Person]) -> None:
    """The "check your e-mail" page answers a POST: its English link is a GET of the same
    address, which answered 405 Method Not Allowed (a usability review)."""
    sink, port = mail
    person = make_person()
    c = client(build_app("initiatives", db_url, smtp_port=port), ORIGIN)
    sent = ask_link(c, person.email)
    switch = re.search(r'href="(/login/email\?[^"]*lang=en[^"]*)"', sent)
    assert switch, "the answer has no English switch to itself"
    again = c.get(switch.group(1).replace("&amp;", "&"))
    assert again.status_code == 200 and 'lang="en"' in again.text
    assert "e-mail" in again.text.lower()
    assert len(mails_to(sink, person.email)) == 1  # the GET sent nothing more


def test_a_loopback_host_with_userinfo_or_a_path_is_no_loopback_link(
        db_url: str, mail: tuple[MailSink, int], make_person: Callable[..., Person]) -> None:
    """Outside production the link may point to the loopback host it was asked on, but only
    to that host: ``Host: 127.0.0.1:1@evil.example`` made ``http://127.0.0.1:1@evil.example/
    login/link?token=...``, a link to evil.example (127.0.0.1:1 being its user and password)
    that handed the victim's sign-in to whoever sent the header."""
    sink, port = mail
    person = make_person()
    app = build_app("initiatives", db_url, smtp_port=port)
    assert app.state.settings.env != "prod"
    c = client(app, ORIGIN)
    claimed = ["127.0.0.1:1@evil.example", "localhost:@evil.example",
               "[::1]:80@evil.example", "localhost:8003/evil", "127.0.0.1:8003"]
    for host in claimed:
        page = c.get("/login", headers={"Host": host})
        r = c.post("/login/email", headers={"Host": host},
                   data={"email": person.email, "next": "/reports",
                         "csrf_token": csrf_of(page.text)})
        assert r.status_code == 200, (host, r.text)
    origins = [link_in(m)[0] for m in mails_to(sink, person.email)]
    public = app.state.settings.public_base_url.rstrip("/")
    assert origins == [public] * (len(claimed) - 1) + ["http://127.0.0.1:8003"]


def test_the_address_is_looked_up_only_after_the_answer(
        db_url: str, mail: tuple[MailSink, int], make_person: Callable[..., Person],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Looking a known address up, counting its links and issuing one (a database write)
    took about 5 ms more than an unknown address's lookup, before the answer: its timing
    told which addresses are people. All of it happens after the answer now."""
    from samstat_kit.auth import routes

    sink, port = mail
    person = make_person()
    app = build_app("initiatives", db_url, smtp_port=port)
    events: list[str] = []

    async def answered_first(scope: Any, receive: Any, send: Any) -> None:
        async def noting(message: Any) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                events.append("answered")
            await send(message)
        await app(scope, receive, noting)

    looked_up = routes.active_person

    def noted(**kwargs: Any) -> Person | None:
        events.append("looked up")
        return looked_up(**kwargs)

    monkeypatch.setattr(routes, "active_person", noted)
    c = TestClient(answered_first, base_url=ORIGIN, follow_redirects=False)
    for address in (person.email, "nobody@example.se"):
        events.clear()
        ask_link(c, address)
        assert events == ["answered", "looked up"], address
    assert len(mails_to(sink, person.email)) == 1  # the link is still sent


def test_a_stored_address_inside_the_deployment_gets_no_link(
        db_url: str, mail: tuple[MailSink, int], caplog: pytest.LogCaptureFixture) -> None:
    """An address stored before ``add_person`` applied the mail receiver rule (netguard) is
    sent no link: the relay would deliver it to the host its domain names, inside."""
    sink, port = mail
    legacy = f"p-{uuid.uuid4().hex[:10]}@127.0.0.1"
    with session_scope(session_factory(db_url)) as s:
        s.add(User(id=uuid.uuid4().hex, email=legacy, name="Legacy", agency="scb",
                   role="convener", created_at=datetime.now(UTC)))
    try:
        c = client(build_app("initiatives", db_url, smtp_port=port), ORIGIN)
        with caplog.at_level(logging.WARNING, logger="samstat_kit.auth.routes"):
            ask_link(c, legacy)
        assert sink.messages == []
        assert "not sent: the e-mail domain must be a name" in caplog.text
    finally:
        with session_scope(session_factory(db_url)) as s:
            s.execute(delete(SignInLink).where(SignInLink.user_id.in_(
                select(User.id).where(User.email == legacy))))
            s.execute(delete(User).where(User.email == legacy))


@pytest.mark.parametrize("service", SERVICES)
def test_a_csrf_token_planted_in_the_browser_is_worthless_in_its_session(
        db_url: str, service: str, make_person: Callable[..., Person]) -> None:
    """A token put in the browser by someone else (a sibling host can toss a cookie onto
    ours) must not carry a forged form into the person's session: a token is made for one
    identity (none, a session, a pasted token), and a sign-in or sign-out forgets it."""
    person, other = make_person(), make_person()
    with session_scope(session_factory(db_url)) as s:
        link = store.issue_link(session=s, person=person, next_path="/reports",
                                ttl=timedelta(minutes=15))
        theirs = store.start_session(session=s, person=other, method="email",
                                     max_age=timedelta(hours=1))
    app = build_app(service, db_url)
    attacker = client(app, ORIGIN)
    attacker.cookies.set("samstat_session", theirs)
    their_token = csrf_of(attacker.get("/login").text)  # made for the attacker's session
    assert attacker.post("/logout", data={"csrf_token": their_token}).status_code == 303

    c = client(app, ORIGIN)
    planted = csrf_of(c.get("/login").text)  # what a stranger can get, and set, too
    signed_in = c.post("/login/link", data={"token": link, "csrf_token": planted})
    assert signed_in.status_code == 303
    assert 'samstat_csrf=""' in signed_in.headers["set-cookie"]  # forgotten
    assert c.get("/v1/me").status_code == 200
    for token in (planted, their_token):  # tossed in again after the sign-in
        c.cookies.set("samstat_csrf", token)
        assert c.post("/logout", data={"csrf_token": token}).status_code == 403
        assert c.get("/v1/me").status_code == 200
    page_token = csrf_of(c.get("/login").text)  # the page makes one for this session
    assert page_token not in (planted, their_token)
    c.cookies.set("samstat_csrf", page_token)  # as the page's Set-Cookie did
    out = c.post("/logout", data={"csrf_token": page_token})
    assert out.status_code == 303 and 'samstat_csrf=""' in out.headers["set-cookie"]
    assert c.get("/v1/me").status_code == 401
