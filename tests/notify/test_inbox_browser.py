"""The convener's path in real headless Chromium against the real notify app (uvicorn, its
dispatcher running, mail through a real aiosmtpd server): sign in through the e-mailed link,
open the inbox, open an alert, acknowledge it with a comment, see the person in the history;
and the acknowledge link taken from a real alert e-mail acknowledges after the confirmation
POST, a GET alone changing nothing. Screenshots go to the test's tmp_path (or to
``$SAMSTAT_SCREENSHOTS``) for a human to look at."""

from __future__ import annotations

import email
import email.policy
import os
import re
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from samstat_kit.auth.models import SignInLink, User, WebSession
from samstat_kit.auth.people import add_person
from samstat_kit.auth.settings import AuthSettings
from samstat_kit.broker import free_port
from samstat_kit.db import session_factory, session_scope
from services.notify.alerts.models import Alert
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.inbox.links import Links
from services.notify.subscriptions.models import Subscription
from tests.auth.helpers import serve

from .factory import NOW, indicator_id, record, registry_doc, value_doc
from .receivers import smtp_server

SIGN_IN = re.compile(r"https?://\S+/login/link\?token=\S+")
ACK = re.compile(r"https?://\S+/inbox/ack/\S+")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FK = "forsakringskassan"


def wait(predicate, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (got := predicate()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return got


def mails(sink, address: str) -> list[email.message.EmailMessage]:  # type: ignore[no-untyped-def]
    return [email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[misc]
            for raw in sink.to(address)]


@pytest.mark.integration
def test_convener_signs_in_reads_and_acknowledges_in_chromium(sqlite_url: str,
                                                              tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    address = f"karin-{uuid.uuid4().hex[:8]}@example.se"
    factory = session_factory(sqlite_url)
    with session_scope(factory) as s:
        person = add_person(session=s, email=address, agency=FK, name="Karin Lund")
        sub = Subscription(id=str(uuid.uuid4()), convener=FK, channel="email", target=address,
                           secret=None, lang="sv", format="json", created_at=NOW,
                           created_by="test")
        s.add(sub)
    ind = indicator_id("andel")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        with smtp_server() as (sink, smtp_port):
            app = create_app(NotifySettings(
                database_url=sqlite_url, kafka_enabled=False, smtp_port=smtp_port,
                public_base_url=base, group_wait_seconds=0, group_interval_seconds=0,
                dispatch_idle_seconds=0.1, sweep_interval_seconds=3600, digest_enabled=False))
            app.state.auth_settings = AuthSettings(smtp_port=smtp_port)
            app.state.links = app.state.dispatcher.links = Links(
                ["a-browser-test-secret-16+"], base, 3600)
            with serve(app, port, lifespan="on"), sync_playwright() as p:
                doc = registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.005}],
                                   convener=FK, title_sv="Andel i arbete efter insats bland "
                                   "deltagare som avslutat insatsen och följts upp efter ett år",
                                   title_en="Share in work after the programme",
                                   # a long initiative name in the filter's options (a walk:
                                   # the select made the inbox 521 px wide on a phone)
                                   initiative_title="Medicinska underlag för sjukskrivna "
                                   "arbetslösa och gemensam kartläggning hos FK och AF")
                doc["indicator"]["unit"] = "share"
                app.state.processor.registry([record(doc)])
                # Robertsfors: a one-word place name in a column the titles squeeze
                values = [(area, str(y), v, ago) for area in ("2480", "2482", "2409")
                          for y, v, ago in
                          ((2019, .094, .092), (2020, .098, .094), (2021, .101, .098),
                           (2022, .100, .101), (2023, .1057, .1040), (2024, .121795, .1057))]
                app.state.processor.indicator_values([record(value_doc(
                    ind, period, v, ago, area=area), offset=i) for i, (area, period, v, ago)
                    in enumerate(values)])
                alert_mails = wait(lambda: [m for m in mails(sink, address)
                                            if m["X-Samstat-Transition"]] or None)
                browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                        else None)

                # Sign in through the e-mailed link.
                page.goto(f"{base}/inbox")
                assert "/login?next=%2Finbox" in page.url
                page.fill("#email", address)
                page.click("text=Skicka inloggningslänk")
                signin = wait(lambda: [m for m in mails(sink, address)
                                       if SIGN_IN.search(m.get_body(("plain",)).get_content())])
                link = SIGN_IN.search(signin[0].get_body(("plain",)).get_content()).group(0)
                page.goto(link)
                page.click("button:has-text('Logga in')")
                page.wait_for_url(f"{base}/inbox")

                # The inbox, in Swedish.
                assert page.locator("h1").inner_text() == "Inkorg"
                rows = page.locator("tr:has(a:has-text('Andel i arbete efter insats'))")
                assert rows.count() >= 1
                page.screenshot(path=str(shots / "inbox_sv.png"), full_page=True)
                # A place name breaks between words only: "Robertsfors" stays on one line
                # even when long titles squeeze its column (the table made narrow here).
                place = page.locator("td.area", has_text="Robertsfors").first
                for squeeze in ("", "400px"):
                    assert place.evaluate(
                        "(e, w) => { e.closest('table').style.width = w; "
                        "const r = document.createRange(); r.selectNodeContents(e); "
                        "return r.getClientRects().length; }", squeeze) == 1, squeeze
                place.evaluate("e => { e.closest('table').style.cssText = ''; }")

                # Open the 2480 alert of 2024; acknowledge it with a comment.
                with session_scope(factory) as s:
                    mine = {a.area: a.id for a in s.scalars(select(Alert).where(
                        Alert.indicator == ind, Alert.period == "2024"))}
                page.click(f"tr[data-alert='{mine['2480']}'] a.what")
                page.wait_for_url(f"{base}/inbox/{mine['2480']}")
                assert "Vad har hänt" in page.content()
                assert "+1,6\u00a0procentenheter" in page.locator("#h-happened + p").inner_text()
                assert page.locator("svg.chart circle.marked").count() == 1
                page.screenshot(path=str(shots / "alert_sv.png"), full_page=True)
                page.fill("#ack-comment", "Vi har sett det och tar upp det på nästa möte.")
                page.click("#ack-form button")
                page.wait_for_url(f"{base}/inbox/{mine['2480']}?done=acknowledged")
                assert "Larmet är kvitterat." in page.locator(".notice.ok").inner_text()
                history = page.locator("ol.history").inner_text()
                # People by name, not by address.
                assert "Karin Lund kvitterade" in history and address not in history
                assert "Vi har sett det" in history
                page.screenshot(path=str(shots / "alert_acknowledged_sv.png"), full_page=True)
                # On a phone (390 px) neither page is wider than the screen.
                page.set_viewport_size({"width": 390, "height": 844})
                for path in (f"/inbox/{mine['2480']}", "/inbox"):
                    page.goto(f"{base}{path}")
                    width = page.evaluate("document.documentElement.scrollWidth")
                    assert width <= 390, (path, width)
                    if path != "/inbox":  # the chart fits: the alert's point is on screen
                        chart = page.locator("svg.chart").bounding_box()
                        ring = page.locator("svg.chart circle.marked").bounding_box()
                        assert chart is not None and chart["x"] + chart["width"] <= 390
                        assert ring is not None and ring["x"] + ring["width"] <= 390
                        assert page.locator("svg.chart text.tick:visible").count() >= 3
                    page.screenshot(path=str(shots / f"phone{path.replace('/', '_')}.png"),
                                    full_page=True)
                # Periods as words, never broken over two lines.
                cell = page.locator(f"tr[data-alert='{mine['2480']}'] td.period").first
                assert cell.inner_text() == "2024" and cell.evaluate(
                    "e => getComputedStyle(e).whiteSpace") == "nowrap"
                page.set_viewport_size({"width": 1200, "height": 900})
                page.goto(f"{base}/inbox/{mine['2480']}")

                # English by the switch, remembered.
                page.click("a.lang")
                assert "What happened" in page.content()
                page.screenshot(path=str(shots / "alert_en.png"), full_page=True)
                page.goto(f"{base}/inbox")
                assert page.locator("h1").inner_text() == "Inbox"
                page.screenshot(path=str(shots / "inbox_en.png"), full_page=True)

                # The other alert's acknowledge link from its real e-mail, in a browser that
                # is not signed in: GET shows the confirmation page and changes nothing.
                # (Both alerts mostly come in one grouped mail, each with its own link; on a
                # loaded machine the second came in a mail of its own after the first was
                # read, and the test found no link for it: the mails are read again until
                # it is there.)
                def links_to(alert_id: str) -> list[str] | None:
                    found = [u for m in [*alert_mails, *mails(sink, address)]
                             for u in ACK.findall(m.get_body(("plain",)).get_content())]
                    return list(dict.fromkeys(u for u in found if app.state.links.read(
                        u.rsplit("/", 1)[1]).alert_id == alert_id)) or None
                [ack_link] = wait(lambda: links_to(mine["2482"]))
                assert ack_link.startswith(base)
                stranger = browser.new_context(viewport={"width": 1200, "height": 900})
                confirm = stranger.new_page()
                confirm.goto(ack_link)
                confirm.goto(ack_link)  # a scanner, twice
                assert "Vill du kvittera larmet?" in confirm.content()
                confirm.screenshot(path=str(shots / "confirm_sv.png"), full_page=True)
                with session_scope(factory) as s:
                    assert s.get(Alert, mine["2482"]).status == "firing"  # type: ignore[union-attr]
                confirm.click("#confirm-form button")
                assert "Tack! Larmet är kvitterat." in confirm.locator("#outcome").inner_text()
                confirm.screenshot(path=str(shots / "confirm_done_sv.png"), full_page=True)
                with session_scope(factory) as s:
                    acked = s.get(Alert, mine["2482"])
                    assert acked is not None and acked.status == "acknowledged"
                    assert acked.acknowledged_by == f"link:{address}"
                confirm.goto(ack_link)  # used: no form again
                assert "redan använts" in confirm.locator("#outcome").inner_text()
                assert not [e for e in errors if "Content Security Policy" in e], errors
                browser.close()
    finally:
        with session_scope(factory) as s:
            for model in (WebSession, SignInLink):
                s.execute(delete(model).where(model.user_id == person.id))
            s.execute(delete(User).where(User.id == person.id))
            sub_row = s.get(Subscription, sub.id)
            if sub_row is not None:
                sub_row.deleted_at = NOW
