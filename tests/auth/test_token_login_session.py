"""One identity per browser after any sign-in. A browser still holding person A's session
(Vännäs, kommun-2460) that signed in with Försäkringskassan's pasted token went on as A: the
session cookie is read before the token cookie, and the token sign-in neither ended A's
session nor deleted its cookie, so an upload was kept as A's, for Vännäs. The other way
round, a person's sign-in left a pasted token's cookie behind, to speak for the browser again
once the session ended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.auth import sessions as store
from samstat_kit.auth.people import Person
from samstat_kit.db import session_factory, session_scope
from services.ingest.upload.models import IngestUpload

from .helpers import build_app, client, csrf_of
from .test_hardening import signed_in

CSV = b"measure,area,period,value,dim_sex\nbenefit_net_days,2460,2023-10,31000,K\n"


def _fk_token(db_url: str) -> str:
    with session_scope(session_factory(db_url)) as s:
        return tokens.issue(session=s, scope="agency", agency="forsakringskassan")


def _live(db_url: str, secret: str) -> bool:
    with session_scope(session_factory(db_url)) as s:
        return store.session_person(session=s, secret=secret,
                                    idle=timedelta(hours=1)) is not None


def _paste(c: TestClient, token: str) -> list[str]:
    """Sign in with a pasted token; the Set-Cookie headers of the answer."""
    r = c.post("/login", data={"csrf_token": csrf_of(c.get("/login").text), "token": token,
                               "next": "/upload"})
    assert r.status_code == 303 and r.headers["location"] == "/upload", r.text
    return r.headers.get_list("set-cookie")


def _deleted(headers: list[str], name: str) -> str:
    [found] = [h for h in headers if h.startswith(f"{name}=")]
    assert "max-age=0" in found.lower(), found
    return found


def test_a_pasted_token_ends_the_session_it_replaces(
        db_url: str, make_person: Callable[..., Person]) -> None:
    person = make_person(agency="kommun-2460", role="analyst", name="Person A")
    secret = signed_in(db_url, person)
    c = client(build_app("ingest", db_url))
    c.cookies.set("samstat_session", secret)
    assert c.get("/v1/me").json()["actor"] == person.email

    cookies = _paste(c, _fk_token(db_url))
    assert c.get("/v1/me").json()["actor"] == "token:forsakringskassan"
    assert not _live(db_url, secret)  # ended on the server, for every service
    gone = _deleted(cookies, "samstat_session")
    assert "Path=/" in gone and "HttpOnly" in gone
    assert any(h.startswith("samstat_token=sst_") for h in cookies)

    page = c.get("/upload").text
    assert "Försäkringskassan" in page and "Vännäs" not in page
    r = c.post("/upload", data={"csrf_token": csrf_of(page)}, files={"file": ("f.csv", CSV)})
    assert r.status_code == 303, r.text
    with session_scope(session_factory(db_url)) as s:
        upload = s.get(IngestUpload, r.headers["location"].rsplit("/", 1)[1])
        assert upload is not None
        assert (upload.agency, upload.actor) == ("forsakringskassan", "token:forsakringskassan")

    # A browser that kept the old cookie anyway (or a copy of it) is not A either.
    c.cookies.set("samstat_session", secret)
    assert c.get("/v1/me").json()["actor"] == "token:forsakringskassan"


def test_the_session_cookie_is_deleted_for_the_domain_it_was_set_for(
        db_url: str, make_person: Callable[..., Person]) -> None:
    person = make_person(agency="kommun-2460")
    c = client(build_app("ingest", db_url, cookie_domain="testserver.local"),
               base_url="http://ingest.testserver.local")
    c.cookies.set("samstat_session", signed_in(db_url, person))
    gone = _deleted(_paste(c, _fk_token(db_url)), "samstat_session")
    assert "Domain=testserver.local" in gone and "Path=/" in gone


def test_a_person_s_sign_in_ends_a_pasted_token_s_cookie(
        db_url: str, make_person: Callable[..., Person]) -> None:
    person = make_person(agency="kommun-2460", role="analyst", name="Person B")
    c = client(build_app("ingest", db_url))
    _paste(c, _fk_token(db_url))
    assert c.get("/v1/me").json()["actor"] == "token:forsakringskassan"

    with session_scope(session_factory(db_url)) as s:
        link = store.issue_link(session=s, person=person, next_path="/upload",
                                ttl=timedelta(minutes=15))
    r = c.post("/login/link", data={"csrf_token": csrf_of(c.get("/login").text),
                                    "token": link})
    assert r.status_code == 303, r.text
    assert c.get("/v1/me").json()["actor"] == person.email
    assert "samstat_token" not in c.cookies
    gone = _deleted(r.headers.get_list("set-cookie"), "samstat_token")
    assert "Path=/" in gone and "HttpOnly" in gone

    # When the session ends (here: on the server, as a logout elsewhere ends it), the
    # browser is nobody, not Försäkringskassan again.
    with session_scope(session_factory(db_url)) as s:
        store.revoke_session(session=s, secret=c.cookies["samstat_session"])
    assert c.get("/v1/me").status_code == 401
