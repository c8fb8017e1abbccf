"""The convener's pages on SQLite: the inbox, an alert's page and its actions, and the
one-click acknowledge link (GET shows, POST acts once; tampered, expired, replayed refused)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from samstat_kit.db import session_factory, session_scope
from services.notify.alerts.models import Alert, AlertEvent
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.inbox.links import Links

from .factory import indicator_id, record, registry_doc, tokens, value_doc

FK, AF, OUT = "forsakringskassan", "arbetsformedlingen", "samordningsforbundet"
NBSP = "\u00a0"


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    settings = NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                              dispatch_idle_seconds=0.1, sweep_interval_seconds=3600,
                              digest_enabled=False)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def auth(sqlite_url: str) -> dict[str, dict[str, str]]:
    return tokens(sqlite_url, FK, AF, OUT)


YEARS = [("2022", 0.100, 0.098), ("2023", 0.1057, 0.100), ("2024", 0.121795, 0.1057)]


def alert_of(client: TestClient, *, unit: str = "share", convener: str = FK,
             years: list[tuple[str, float, float]] = YEARS, initiative: int = 2,
             initiative_title: str | None = None) -> Alert:
    ind = indicator_id()
    doc = registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.005}], convener=convener,
                       follow_up_owner=AF, title_sv="Andel i arbete efter insats",
                       title_en="Share in work", initiative=initiative,
                       initiative_title=initiative_title)
    doc["indicator"]["unit"] = unit
    processor = client.app.state.processor  # type: ignore[attr-defined]
    processor.registry([record(doc)])
    processor.indicator_values([record(value_doc(ind, p, v, ago), offset=i) for i, (p, v, ago)
                                in enumerate(years)])
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with session_scope(factory) as s:
        alert = s.scalars(select(Alert).where(Alert.indicator == ind,
                                              Alert.period == "2024")).one()
        s.expunge(alert)
    return alert


def test_inbox_lists_the_agencys_alerts_unread_then_read(client: TestClient,
                                                         auth: dict) -> None:
    alert = alert_of(client)
    page = client.get("/inbox", headers=auth[FK])
    assert page.status_code == 200 and '<html lang="sv">' in page.text
    row = re.search(rf'<tr class="(\w+)" data-alert="{alert.id}">', page.text)
    assert row and row.group(1) == "unread"
    assert "Andel i arbete efter insats" in page.text and f"12,2{NBSP}%" in page.text

    detail = client.get(f"/inbox/{alert.id}", headers=auth[FK])
    assert detail.status_code == 200
    text = detail.text
    assert "Vad har hänt" in text and f"+1,6{NBSP}procentenheter" in text
    assert f"0,5{NBSP}procentenheter" in text  # the rule's threshold in words
    assert "0,121795" not in text and "0.0160" not in text
    assert '<svg' in text and 'class="marked"' in text and "Vad du gör nu" in text
    # the indicator's whole series is a click away (the alert shows one period)
    assert re.search(rf'href="[^"]*/indicators/{alert.indicator}\?area={alert.area}"', text)
    again = client.get("/inbox", headers=auth[FK]).text
    assert re.search(rf'<tr class="read" data-alert="{alert.id}">', again)

    # The follow-up owner sees it too; another agency sees neither the row nor the page.
    assert alert.id in client.get("/inbox", headers=auth[AF]).text
    assert alert.id not in client.get("/inbox", headers=auth[OUT]).text
    assert client.get(f"/inbox/{alert.id}", headers=auth[OUT]).status_code == 404
    # Filters
    assert alert.id not in client.get("/inbox?status=resolved", headers=auth[FK]).text
    assert alert.id in client.get("/inbox?status=firing&initiative=2&area=2480",
                                  headers=auth[FK]).text


def test_counts_of_one_are_singular(client: TestClient, auth: dict) -> None:
    alert_of(client, years=YEARS[2:], initiative=901)  # one firing alert: 2024

    def counts(lang: str) -> str:
        page = client.get(f"/inbox?initiative=901&lang={lang}", headers=auth[FK]).text
        found = re.search(r'data-initiative="901">(.*?)</li>', page, re.S)
        assert found
        return " ".join(found.group(1).split()) + page[page.index('id="showing"'):][:200]

    sv = counts("sv")
    assert '<span class="n">1</span> öppet' in sv and "1 okvitterat<" in sv
    assert "1 oläst " in sv
    en = counts("en")
    assert '<span class="n">1</span> open' in en and "1 unacknowledged" in en
    alert_of(client, years=YEARS[2:], initiative=901)
    two = counts("sv")
    assert '<span class="n">2</span> öppna' in two and "2 okvitterade" in two


def test_the_associations_own_alert_is_not_escalated(client: TestClient, auth: dict) -> None:
    own = alert_of(client, convener=OUT)
    text = client.get(f"/inbox/{own.id}", headers=auth[OUT]).text
    assert "Vad du gör nu" in text and "samordningsförbundet" not in text
    assert "visas som kvitterat" in text
    en = client.get(f"/inbox/{own.id}?lang=en", headers=auth[OUT]).text
    assert "escalated" not in en and "shows as acknowledged" in en
    other = client.get(f"/inbox/{alert_of(client).id}?lang=sv", headers=auth[FK]).text
    assert "lyfts inte till samordningsförbundet" in other
    # how long, as configured (escalate_after_days, 7 by default): it said "efter en tid"
    assert f"lyfts till samordningsförbundet efter 7{NBSP}dagar." in other


def test_english_by_the_switch(client: TestClient, auth: dict) -> None:
    alert = alert_of(client)
    page = client.get(f"/inbox/{alert.id}?lang=en", headers=auth[FK])
    assert "What happened" in page.text and "Vad har hänt" not in page.text
    assert f"+1.6{NBSP}percentage points" in page.text and "Share in work" in page.text
    assert "What happened" in client.get(f"/inbox/{alert.id}", headers=auth[FK]).text


def test_actions_are_recorded_with_who(client: TestClient, auth: dict) -> None:
    alert = alert_of(client)
    base = f"/inbox/{alert.id}"
    r = client.post(f"{base}/comment", data={"text": "Vi tittar på det"}, headers=auth[FK],
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{base}?done=commented"
    r = client.post(f"{base}/snooze", data={"until": "2099-01-01"}, headers=auth[FK])
    assert r.status_code == 422  # more than a year ahead
    r = client.post(f"{base}/assign", data={"assignee": "nobody@example.org"},
                    headers=auth[FK])
    assert r.status_code == 422 and "nobody@example.org är inte en aktiv person" in r.text
    r = client.post(f"{base}/acknowledge", data={"comment": "Sett, åtgärd planeras"},
                    headers=auth[AF])
    assert r.status_code == 403  # the follow-up owner reads and comments; the convener acts
    r = client.post(f"{base}/acknowledge", headers=auth[OUT])
    assert r.status_code == 404
    r = client.post(f"{base}/acknowledge", data={"comment": "Sett, åtgärd planeras"},
                    headers=auth[FK], follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"{base}?done=acknowledged", headers=auth[FK]).text
    # The history names the agency (the token's), not its code.
    assert "Larmet är kvitterat." in page and "token:forsakringskassan" not in page
    assert "<strong>Försäkringskassan</strong> kvitterade" in page
    assert "Sett, åtgärd planeras" in page and "Vi tittar på det" in page
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with session_scope(factory) as s:
        events = s.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                           .order_by(AlertEvent.id)).all()
        assert [(e.transition, e.actor, e.comment) for e in events][-2:] == [
            ("commented", "token:forsakringskassan", "Vi tittar på det"),
            ("acknowledged", "token:forsakringskassan", "Sett, åtgärd planeras")]
        assert s.get(Alert, alert.id).status == "acknowledged"  # type: ignore[union-attr]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form carries a CSRF token"
    return found.group(1)


def test_one_click_link(client: TestClient, sqlite_url: str) -> None:
    alert = alert_of(client)
    links: Links = client.app.state.links  # type: ignore[attr-defined]
    url = links.for_alert(alert.id, alert.episode).acknowledge
    path = url.split("://", 1)[1].split("/", 1)[1]
    factory = session_factory(sqlite_url)

    def status() -> str:
        with session_scope(factory) as s:
            return s.get(Alert, alert.id).status  # type: ignore[union-attr]

    for _ in range(3):  # a mail scanner fetching the link changes nothing
        shown = client.get("/" + path)
        assert shown.status_code == 200 and "Vill du kvittera larmet?" in shown.text
    assert status() == "firing"
    assert "Vad har hänt" in shown.text  # the page says what happened before asking

    assert client.post("/" + path, data={}).status_code == 403  # no CSRF token
    tampered = "/" + path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 400
    token = _csrf(shown.text)
    assert client.post(tampered, data={"csrf_token": token}).status_code == 400
    assert status() == "firing"

    done = client.post("/" + path, data={"csrf_token": token, "comment": "Från mejlet"})
    assert done.status_code == 200 and "Tack! Larmet är kvitterat." in done.text
    assert status() == "acknowledged"
    replay = client.post("/" + path, data={"csrf_token": token})
    assert replay.status_code == 409 and "redan använts" in replay.text
    metrics = client.get("/metrics").text
    assert 'notify_link_actions_total{outcome="done"}' in metrics
    assert 'notify_link_actions_total{outcome="used"}' in metrics

    # Expired: the same kind of link, read by a deployment whose links last 0 seconds.
    other = alert_of(client)
    late = links.for_alert(other.id, other.episode).acknowledge.split("/inbox/", 1)[1]
    client.app.state.links = Links(["samstat-development-link-secret-not-for-production"],
                                   links.base_url, 0)  # type: ignore[attr-defined]
    time.sleep(1.1)
    gone = client.post(f"/inbox/{late}", data={"csrf_token": token})
    assert gone.status_code == 410 and "gått ut" in gone.text
    with session_scope(factory) as s:
        assert s.get(Alert, other.id).status == "firing"  # type: ignore[union-attr]


def test_muted_alerts_say_so(client: TestClient, auth: dict) -> None:
    """A quiet time of the convener, and an open data-quality alert on the inputs: the inbox
    and the alert page say the alert is muted, and why."""
    alert = alert_of(client)
    assert client.post("/v1/mute-windows", headers=auth[AF], json={
        "convener": FK, "start": "01-01", "end": "12-31"}).status_code == 403
    assert client.post("/v1/mute-windows", headers=auth[FK], json={
        "convener": FK, "start": "02-30", "end": "03-01"}).status_code == 422
    made = client.post("/v1/mute-windows", headers=auth[FK], json={
        "convener": FK, "start": "01-01", "end": "12-31", "comment": "test"})
    assert made.status_code == 201, made.text
    try:
        inbox = client.get("/inbox", headers=auth[FK]).text
        row = inbox.split(f'data-alert="{alert.id}"', 1)[1].split("</tr>", 1)[0]
        assert 'class="badge muted">Tystat<' in row
        assert "Tysta perioder" in inbox and "1 januari" in inbox and "31 december" in inbox
        page = client.get(f"/inbox/{alert.id}", headers=auth[FK]).text
        assert "Tystat: Försäkringskassan har en tyst period till" in page
    finally:
        assert client.delete(f"/v1/mute-windows/{made.json()['id']}",
                             headers=auth[FK]).status_code == 204
    assert "Tystat" not in client.get(f"/inbox/{alert.id}", headers=auth[FK]).text


def test_an_inhibited_alert_says_why(client: TestClient, auth: dict, sqlite_url: str) -> None:
    import uuid

    from services.notify.alerts.models import Definition
    from services.notify.alerts.quality import handle_data_quality

    alert = alert_of(client)
    measure = f"m_{uuid.uuid4().hex[:8]}"
    factory = session_factory(sqlite_url)
    with session_scope(factory) as s:
        d = s.get(Definition, alert.indicator)
        assert d is not None
        d.body = {**d.body, "formula": {"kind": "sum", "filters": {"measure": measure}}}
        dq = handle_data_quality(session=s, now=datetime.now(UTC), doc={
            "event_id": str(uuid.uuid4()), "kind": "total_mismatch", "status": "mismatch",
            "agency": FK, "measure": measure, "area": alert.area, "period": "2024",
            "dimension": "sex", "dimensions": {}, "total": 10, "parts": {}, "parts_sum": 12,
            "difference": 2, "detected_at": datetime.now(UTC).isoformat()})
        assert dq is not None
    page = client.get(f"/inbox/{alert.id}", headers=auth[FK]).text
    assert "Tystat: uppgifterna bakom värdet har ett öppet larm (datakvalitet)" in page
    assert f'href="/inbox/{dq.id}"' in page
    row = client.get("/inbox", headers=auth[FK]).text.split(
        f'data-alert="{alert.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="badge muted">Tystat<' in row


def test_a_form_error_is_said_on_the_alert_page_in_its_language(client: TestClient,
                                                                auth: dict) -> None:
    """The reviewer's "until: at most 366 days ahead" under "Kvittera larmet", without the
    name or the menu: the picker has a max, and a date past it shows the alert page itself
    (its heading, the signed-in header) with the reason in the page's language."""
    alert = alert_of(client)
    base = f"/inbox/{alert.id}"
    page = client.get(base, headers=auth[FK]).text
    last = re.search(r'id="snooze-until"[^>]* max="([\d-]+)"', page)
    assert last is not None
    assert date.fromisoformat(last.group(1)) - date.today() >= timedelta(days=365)
    for lang, words in (("sv", "Välj ett datum högst 366 dagar fram, alltså senast"),
                        ("en", "Choose a date at most 366 days ahead, that is")):
        r = client.post(f"{base}/snooze?lang={lang}", data={"until": "2099-01-01"},
                        headers=auth[FK])
        assert r.status_code == 422 and words in r.text
        assert "until: at most" not in r.text and "Kvittera larmet" not in r.text
        h1 = re.search(r"<h1>(.*?)</h1>", r.text)
        assert h1 is not None and ("Andel i arbete" if lang == "sv" else "Share in work") in h1[1]
        assert 'class="account"' in r.text and 'action="/logout"' in r.text
        assert 'id="snooze-until"' in r.text  # the form, to choose again
    for lang, words in (("sv", "Välj ett datum i kalendern"), ("en", "Choose a date in the")):
        for until in ("abc", "2024-02-30", ""):  # not a date: the page says so, not JSON
            r = client.post(f"{base}/snooze?lang={lang}", data={"until": until},
                            headers=auth[FK])
            assert r.status_code == 422 and words in r.text, (until, r.text[:200])
            assert 'id="snooze-until"' in r.text


def test_a_snooze_is_to_a_day_after_today_on_the_page_and_in_the_api(
        client: TestClient, auth: dict) -> None:
    """A black-box test: ``until=2020-01-01`` answered 303 "snoozed" and the history said
    "lade larmet åt sidan till 1 januari 2020". Today or earlier is refused as the picker's
    ``min`` says: the page in its language, the API a 422 naming the field; nothing is
    recorded."""
    alert = alert_of(client)
    base = f"/inbox/{alert.id}"
    today = datetime.now(UTC).date()
    for until in ("2020-01-01", (today - timedelta(days=1)).isoformat()):
        for lang, words in (("sv", "Välj ett datum efter i dag"),
                            ("en", "Choose a date after today")):
            r = client.post(f"{base}/snooze?lang={lang}", data={"until": until},
                            headers=auth[FK], follow_redirects=False)
            assert r.status_code == 422 and words in r.text, (until, r.text[:300])
            assert 'id="snooze-until"' in r.text
        api = client.post(f"/v1/alerts/{alert.id}/snooze", json={"until": until},
                          headers=auth[FK])
        assert api.status_code == 422 and api.json()["detail"].startswith("until:")
    history = client.get(f"/v1/alerts/{alert.id}", headers=auth[FK]).json()["history"]
    assert not any(h["transition"] == "snoozed" for h in history)
    soon = (today + timedelta(days=2)).isoformat()  # after today in Stockholm too
    ok = client.post(f"{base}/snooze", data={"until": soon}, headers=auth[FK],
                     follow_redirects=False)
    assert ok.status_code == 303


def test_a_comment_too_long_is_said_on_the_alerts_own_page(client: TestClient,
                                                           auth: dict) -> None:
    """Past 2,000 characters the form's comment was FastAPI's 422: the kit's generic page
    ("could not be used: text") in place of the alert's, which now says why in the reader's
    language, on every form that takes a comment; nothing is recorded."""
    alert = alert_of(client)
    base = f"/inbox/{alert.id}"
    long = "x" * 2001
    for path, data in (("comment", {"text": long}), ("acknowledge", {"comment": long}),
                       ("assign", {"assignee": "a@b.se", "comment": long})):
        for lang, words in (("sv", "högst 2 000 tecken"), ("en", "at most 2,000 characters")):
            r = client.post(f"{base}/{path}?lang={lang}", data=data, headers=auth[FK],
                            follow_redirects=False)
            assert r.status_code == 422 and words in r.text, (path, r.text[:300])
            # not echoed in the message; back only in a comment box, to shorten there
            assert r.text.count(long) == 1 and re.search(f"<textarea[^>]*>{long}</textarea>",
                                                         r.text)
    history = client.get(f"/v1/alerts/{alert.id}", headers=auth[FK]).json()["history"]
    assert not any(h["transition"] in ("commented", "acknowledged", "assigned")
                   for h in history)
    ok = client.post(f"{base}/comment", data={"text": "x" * 2000}, headers=auth[FK],
                     follow_redirects=False)
    assert ok.status_code == 303


def test_a_snooze_ends_at_the_start_of_its_day_in_sweden_in_every_answer(
        client: TestClient, auth: dict, sqlite_url: str) -> None:
    """SQLite keeps no zone: a snooze stored as Swedish midnight was read back as UTC, so
    the API said 00:00Z for 23:00Z and the sweeps woke the alert an hour late."""
    from zoneinfo import ZoneInfo

    from services.notify.alerts.sweeps import awake

    alert = alert_of(client)
    until = datetime.now(UTC).date() + timedelta(days=3)
    r = client.post(f"/v1/alerts/{alert.id}/snooze", json={"until": until.isoformat()},
                    headers=auth[FK])
    assert r.status_code == 200, r.text
    ends = datetime(until.year, until.month, until.day,
                    tzinfo=ZoneInfo("Europe/Stockholm")).astimezone(UTC)
    got = client.get(f"/v1/alerts/{alert.id}", headers=auth[FK]).json()
    assert got["snoozed_until"] == ends.isoformat().replace("+00:00", "Z")
    with session_scope(session_factory(sqlite_url)) as s:
        def is_awake(at: datetime) -> bool:
            return s.scalar(select(Alert.id).where(Alert.id == alert.id, awake(at))) is not None
        assert not is_awake(ends - timedelta(seconds=1))
        assert is_awake(ends)
