"""Acknowledging several alerts at once, on SQLite and PostgreSQL: the inbox list's
checkboxes (POST /inbox/acknowledge: CSRF, back to the same filters and page, a sentence
saying what was done and why not) and POST /v1/alerts/ack (each alert answered as its own
acknowledgement would answer, bounded, in the OpenAPI document)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from samstat_kit.auth import sessions as store
from samstat_kit.auth.models import SignInLink, User, WebSession
from samstat_kit.auth.people import Person, add_person
from samstat_kit.db import session_factory, session_scope
from services.notify.alerts.models import Alert, AlertEvent
from services.notify.inbox import bulk, list_view
from services.notify.inbox.models import InboxRead
from tests.auth.helpers import build_app, client, csrf_of

from .factory import agency_id, tokens
from .test_inbox_listing import ACK, FIRING, RESOLVED, add

KOMMUN = "kommun-2404"  # a person's agency must be in the catalogue


def plain_id() -> str:
    """A unique id without digits. The forms and the API post alert ids, and a random id's
    digits now and then look like a personal identity number, which the body guard
    refuses (samstat_kit/bodyguard.py): a test would fail once in a while."""
    return uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))


def named(alert: Alert) -> Alert:
    """``alert`` (just added) under a :func:`plain_id`."""
    alert.id = plain_id()
    return alert


def seed(url: str, convener: str, *statuses: str, owner: str | None = None,
         area: str = "2480", start: int = 0) -> list[str]:
    """Alerts that fired an hour apart from ``start`` hours after NOW."""
    with session_scope(session_factory(url)) as s:
        return [named(add(s, convener, status=st, hours=start + i, owner=owner,
                          area=area)).id for i, st in enumerate(statuses)]


def state(url: str, alert_id: str) -> tuple[str, str | None, list[tuple[str, str, str | None]]]:
    """(status, acknowledged_by, the history's (transition, actor, comment))."""
    with session_scope(session_factory(url)) as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None
        events = s.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                           .order_by(AlertEvent.id))
        return alert.status, alert.acknowledged_by, [(e.transition, e.actor, e.comment)
                                                     for e in events]


# --- the API ----------------------------------------------------------------------------------

def test_the_api_acknowledges_each_as_its_own_call_would(db_url: str) -> None:
    me, other = agency_id(), agency_id()
    auth = tokens(db_url, me, other)
    c = client(build_app("notify", db_url))
    mine = seed(db_url, me, FIRING, FIRING, ACK, RESOLVED)
    followed = seed(db_url, other, FIRING, owner=me)  # I follow it up; the other convenes
    foreign = seed(db_url, other, FIRING)
    missing = plain_id()
    asked = [*mine, mine[0], *followed, *foreign, missing]  # mine[0] twice: counted once
    r = c.post("/v1/alerts/ack", headers=auth[me],
               json={"ids": asked, "comment": "Sett i veckomötet"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["acknowledged"], body["already"], body["refused"]) == (2, 1, 4)
    got = {i["id"]: (i["outcome"], i["status"]) for i in body["results"]}
    assert [i["id"] for i in body["results"]] == list(dict.fromkeys(asked))
    assert got == {mine[0]: ("acknowledged", 200), mine[1]: ("acknowledged", 200),
                   mine[2]: ("already", 200), mine[3]: ("resolved", 409),
                   followed[0]: ("forbidden", 403), foreign[0]: ("forbidden", 403),
                   missing: ("missing", 404)}
    # Each refusal is what that alert's own acknowledgement answers, word for word.
    for item in body["results"]:
        if item["status"] != 200:
            one = c.post(f"/v1/alerts/{item['id']}/ack", headers=auth[me])
            assert (one.status_code, one.json()["detail"]) == (item["status"],
                                                                item["detail"])
    # The lifecycle of one acknowledgement: who, when, the comment in the history.
    for alert_id in mine[:2]:
        status, by, history = state(db_url, alert_id)
        assert (status, by) == ("acknowledged", f"token:{me}")
        assert history == [("acknowledged", f"token:{me}", "Sett i veckomötet")]
    # Acknowledged before: the comment is kept as a comment, as POST .../ack does it.
    assert state(db_url, mine[2])[2] == [("commented", f"token:{me}", "Sett i veckomötet")]
    for untouched in (mine[3], *followed, *foreign):
        assert state(db_url, untouched)[2] == []


def test_an_id_no_alert_can_have_is_missing_and_the_rest_still_done(db_url: str) -> None:
    """A red team: a NUL in the second id made PostgreSQL refuse its query after the first
    alert was acknowledged, and the answer said "nothing was stored"."""
    me = agency_id()
    auth = tokens(db_url, me)
    c = client(build_app("notify", db_url))
    mine = seed(db_url, me, FIRING, FIRING)
    r = c.post("/v1/alerts/ack", headers=auth[me],
               json={"ids": [mine[0], "a\u0000b", "a\u0007b", mine[1]]})
    assert r.status_code == 200, r.text
    assert [i["outcome"] for i in r.json()["results"]] == [
        "acknowledged", "missing", "missing", "acknowledged"]
    assert [state(db_url, i)[0] for i in mine] == ["acknowledged", "acknowledged"]


def test_the_api_refuses_a_request_out_of_bounds_whole(db_url: str) -> None:
    me = agency_id()
    auth = tokens(db_url, me)
    c = client(build_app("notify", db_url))
    [alert] = seed(db_url, me, FIRING)
    too_many = [alert, *(plain_id() for _ in range(bulk.MAX_BULK))]
    for body in ({"ids": []}, {"ids": too_many}, {"ids": [alert], "extra": 1},
                 {"ids": ["x" * 65]}, {"ids": [alert], "comment": "x" * 2001}, {}):
        r = c.post("/v1/alerts/ack", headers=auth[me], json=body)
        assert r.status_code == 422, (body, r.text)
    # blank ids are no ids (the service's own check, behind the schema's)
    r = c.post("/v1/alerts/ack", headers=auth[me], json={"ids": [" ", "  "]})
    assert r.status_code == 422 and "at least one" in r.json()["detail"]
    assert c.post("/v1/alerts/ack", json={"ids": [alert]}).status_code == 401
    assert state(db_url, alert)[0] == "firing"  # nothing was done by any of them
    assert c.post("/v1/alerts/ack", headers=auth[me],
                  json={"ids": [alert]}).json()["acknowledged"] == 1


def test_the_api_is_in_the_openapi_document(db_url: str) -> None:
    doc = client(build_app("notify", db_url)).get("/openapi.json").json()
    op = doc["paths"]["/v1/alerts/ack"]["post"]
    assert {"401", "403", "422", "503"} <= set(op["responses"])
    assert "404" not in op["responses"]  # a missing alert is a result, not the answer
    assert op["responses"]["401"]["description"].startswith("Missing, invalid")
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["properties"]["ids"]["maxItems"] == bulk.MAX_BULK
    assert schema["properties"]["ids"]["minItems"] == 1
    assert schema["additionalProperties"] is False


# --- the inbox page ---------------------------------------------------------------------------

@pytest.fixture
def person(db_url: str) -> Iterator[Person]:
    with session_scope(session_factory(db_url)) as s:
        made = add_person(session=s, email=f"b-{plain_id()[:10]}@example.se",
                          agency=KOMMUN, name="Britt Berg")
    yield made
    with session_scope(session_factory(db_url)) as s:
        for model in (WebSession, SignInLink):
            s.execute(delete(model).where(model.user_id == made.id))
        s.execute(delete(InboxRead).where(InboxRead.reader == made.id))
        s.execute(delete(User).where(User.id == made.id))


def signed_in(db_url: str, person: Person) -> TestClient:
    """A browser of ``person``'s: the session cookie (so forms need the CSRF token)."""
    with session_scope(session_factory(db_url)) as s:
        secret = store.start_session(session=s, person=person, method="email",
                                     max_age=timedelta(hours=1))
    c = client(build_app("notify", db_url))
    c.cookies.set("samstat_session", secret)
    return c


def boxes(html: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="alert" value="([^"]+)"', html)


def hidden(html: str) -> list[tuple[str, str]]:
    form = html.split('id="bulk"', 1)[1].split("</form>", 1)[0]
    return [(k, unescape(v)) for k, v in re.findall(
        r'<input type="hidden" name="(\w+)" value="([^"]*)"', form) if k != "csrf_token"]


def notice(html: str) -> str:
    found = re.search(r'id="bulk-done"[^>]*>(.*?)</div>', html, re.S)
    assert found, "the list says what was done"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_list_acknowledges_the_ticked_alerts_and_comes_back_to_the_same_page(
        db_url: str, person: Person) -> None:
    area = f"a{uuid.uuid4().hex[:8]}"  # this test's alerts alone under the area filter
    other = agency_id()
    # 53 open alerts, the 50 latest on page 1: page 2 holds the three oldest firing ones.
    firing = seed(db_url, KOMMUN, *[FIRING] * 50, area=area)
    done_before = seed(db_url, KOMMUN, ACK, area=area, start=100)
    [ended] = seed(db_url, KOMMUN, FIRING, area=area, start=101)  # resolved after it is shown
    [followed] = seed(db_url, other, FIRING, owner=KOMMUN, area=area, start=102)
    [foreign] = seed(db_url, other, FIRING, area=area, start=103)
    c = signed_in(db_url, person)
    first = c.get(f"/inbox?status=open&area={area}")
    assert first.status_code == 200
    # Only firing alerts the reader's agency convenes get a box; a row the reader only
    # follows up, or one already acknowledged, does not.
    assert followed in first.text and done_before[0] in first.text
    assert ended in boxes(first.text) and set(boxes(first.text)) <= {*firing, ended}
    older = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert older
    page2 = c.get(unescape(older.group(1)))
    after = dict(parse_qsl(urlsplit(unescape(older.group(1))).query))["after"]
    assert hidden(page2.text) == [("status", "open"), ("area", area), ("after", after)]
    ticked = boxes(page2.text)
    assert ticked == firing[2::-1]
    with session_scope(session_factory(db_url)) as s:  # resolved meanwhile
        row = s.get(Alert, ended)
        assert row is not None
        row.status = RESOLVED
    form = {"csrf_token": csrf_of(page2.text), "alert": [*ticked, ended, followed, foreign],
            "comment": "Kvitterat från listan", **dict(hidden(page2.text))}
    assert c.post("/inbox/acknowledge", data={**form, "csrf_token": "A" * 43}).status_code \
        == 403
    assert c.post("/inbox/acknowledge", data=form,
                  headers={"Origin": "https://evil.example"}).status_code == 403
    assert all(state(db_url, a)[0] == "firing" for a in ticked)  # refused: nothing done

    r = c.post("/inbox/acknowledge", data=form)
    assert r.status_code == 303 and r.headers["cache-control"] == "no-store"
    back = urlsplit(r.headers["location"])
    query = parse_qsl(back.query)
    assert back.path == "/inbox" and query[:3] == [("status", "open"), ("area", area),
                                                   ("after", after)]
    assert dict(query[3:]) == {"bulk": "done", "acknowledged": str(len(ticked)),
                               "resolved": "1", "forbidden": "1", "missing": "1"}
    shown = c.get(r.headers["location"]).text
    assert notice(shown) == "3 larm kvitterades. 3 kunde inte kvitteras: 1 har upphört; " \
        "1 kan bara kvitteras av sammankallande; 1 finns inte eller får du inte se."
    assert 'class="notice" id="bulk-done" role="status"' in shown  # some refused: a warning
    en = c.get(r.headers["location"] + "&lang=en").text
    assert notice(en) == "3 alerts were acknowledged. 3 could not be acknowledged: 1 has " \
        "ended; 1 can only be acknowledged by the convener; 1 does not exist or is not " \
        "yours to see."
    for a in ticked:  # as one acknowledgement by this person, and read by them
        assert state(db_url, a) == ("acknowledged", person.email, [
            ("acknowledged", person.email, "Kvitterat från listan")])
        assert f'data-alert="{a}"' in shown and a not in boxes(shown)
    with session_scope(session_factory(db_url)) as s:
        assert set(s.scalars(select(InboxRead.alert_id).where(
            InboxRead.reader == person.id))) == set(ticked)
    for a in (followed, foreign):
        assert state(db_url, a)[:2] == ("firing", None)


def test_nothing_ticked_or_too_much_says_so_and_never_fails(db_url: str,
                                                             person: Person) -> None:
    area = f"a{uuid.uuid4().hex[:8]}"
    [alert] = seed(db_url, KOMMUN, FIRING, area=area)
    c = signed_in(db_url, person)
    page = c.get(f"/inbox?area={area}").text
    token = csrf_of(page)
    r = c.post("/inbox/acknowledge", data={"csrf_token": token, "area": area})
    assert r.status_code == 303 and r.headers["location"] == \
        f"/inbox?area={area}&bulk=bulk_none"
    shown = c.get(r.headers["location"]).text
    assert notice(shown) == "Inga larm var markerade. Markera de larm du vill kvittera " \
        "och försök igen." and 'role="alert"' in shown
    many = [plain_id() for _ in range(bulk.MAX_BULK + 1)]
    r = c.post("/inbox/acknowledge", data={"csrf_token": token, "alert": many})
    assert r.status_code == 303 and r.headers["location"] == "/inbox?bulk=bulk_too_many"
    assert notice(c.get(r.headers["location"]).text) == \
        f"Högst {bulk.MAX_BULK} larm kan kvitteras på en gång."
    # What a hand-made form may hold: a long id, cursors and filters that are none.
    r = c.post("/inbox/acknowledge", data={
        "csrf_token": token, "alert": ["x" * 500, alert], "status": "nonsense",
        "initiative": "'; drop", "after": "9.9.9", "before": "x" * 60})
    assert r.status_code == 303
    assert r.headers["location"] == "/inbox?bulk=done&acknowledged=1&missing=1"
    assert state(db_url, alert)[0] == "acknowledged"


def test_the_api_from_a_browser_needs_its_csrf_token(db_url: str, person: Person) -> None:
    """A signed-in browser's cookie is no Bearer header: the API asks it for the token."""
    [alert] = seed(db_url, KOMMUN, FIRING)
    c = signed_in(db_url, person)
    token = csrf_of(c.get("/inbox").text)
    assert c.post("/v1/alerts/ack", json={"ids": [alert]}).status_code == 403
    assert c.post("/v1/alerts/ack", json={"ids": [alert]}, headers={
        "X-CSRF-Token": token, "Origin": "https://evil.example"}).status_code == 403
    assert state(db_url, alert)[0] == "firing"
    r = c.post("/v1/alerts/ack", json={"ids": [alert]}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["acknowledged"] == 1
    assert state(db_url, alert)[1] == person.email


def test_signed_out_meanwhile_signs_in_back_to_the_list(db_url: str) -> None:
    [alert] = seed(db_url, KOMMUN, FIRING)
    c = client(build_app("notify", db_url))
    token = csrf_of(c.get("/login").text)  # the browser's CSRF cookie outlives the session
    r = c.post("/inbox/acknowledge", data={"csrf_token": token, "alert": alert,
                                           "status": "open", "area": "2480"})
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Finbox%3Fstatus%3Dopen%26area%3D2480"
    assert state(db_url, alert)[0] == "firing"


def test_who_gets_boxes(db_url: str, person: Person) -> None:
    """The follow-up owner reads; the convener's people and admins acknowledge."""
    area = f"a{uuid.uuid4().hex[:8]}"
    other = agency_id()
    [followed] = seed(db_url, other, FIRING, owner=KOMMUN, area=area)
    c = signed_in(db_url, person)
    page = c.get(f"/inbox?area={area}").text
    assert followed in page and boxes(page) == [] and 'id="bulk"' not in page
    admin = tokens(db_url)["admin"]
    page = client(build_app("notify", db_url)).get(f"/inbox?area={area}", headers=admin).text
    assert boxes(page) == [followed]
    assert "Markera alla okvitterade på sidan (1)" in page
    assert '<script nonce="' in page  # select-all: allowed by the page's policy only


def test_the_notice_reads_only_counts_it_could_have_made() -> None:
    said = list_view.notice({"bulk": "done", "acknowledged": "1", "already": "2"}, "sv")
    assert said == list_view.Notice("ok", ["1 larm kvitterades.",
                                           "2 var redan kvitterade."])
    said = list_view.notice({"bulk": "done", "already": "1"}, "en")
    assert said == list_view.Notice("ok", ["1 was already acknowledged."])
    # a hand-edited address: counts past what one request can do, or not numbers
    said = list_view.notice({"bulk": "done", "acknowledged": "99999999",
                             "missing": "-1", "resolved": "x"}, "sv")
    assert said == list_view.Notice("ok", ["Inga larm kvitterades."])
    assert list_view.notice({"bulk": "<script>"}, "sv") is None
    assert list_view.notice({}, "en") is None
