"""A convener acknowledges several alerts at once in real headless Chromium (the real notify
app on uvicorn, its own SQLite database): ticks rows, "select all on this page", the count
and the bar that follows down the page, the confirmation back on the same list; on a phone
(390 px) every alert is a card and nothing scrolls sideways; in English; and without
scripts the boxes still work. Screenshots go to the test's tmp_path (or to
``$SAMSTAT_SCREENSHOTS``) for a human to look at."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samstat_kit.auth import sessions as store
from samstat_kit.auth.people import add_person
from samstat_kit.db import session_factory, session_scope
from services.notify.alerts.models import Alert, Definition
from tests.auth.helpers import build_app, serve

from .factory import NOW, indicator_id
from .test_inbox_bulk import named
from .test_inbox_listing import ACK, FIRING, RESOLVED, add

LATE = datetime(2024, 12, 16, 12, 0, tzinfo=UTC)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ME, FK = "kommun-2480", "forsakringskassan"
TITLES = [("Andel i arbete efter insats", "Share in work after the programme", "share", .121),
          ("Dagar till gemensam kartläggning", "Days to joint mapping", "days", 46.0),
          ("Unga med aktivitetsersättning i studier", "Young people on activity "
           "compensation in studies", "persons", 14.0)]


def seed(url: str) -> tuple[list[str], str]:
    """Eight firing alerts of the convener's (two areas, three indicators), two acknowledged,
    one resolved, and one it follows up only; the firing ones newest first, and the session
    of a person of the convener's agency."""
    indicators = [indicator_id("bulk") for _ in TITLES]
    firing = []
    with session_scope(session_factory(url)) as s:
        for ind, (sv, en, unit, _v) in zip(indicators, TITLES, strict=True):
            s.add(Definition(id=ind, plan_year=2024, version=1, initiative=2, convener=ME,
                             updated_at=NOW, body={"id": ind, "title_sv": sv,
                                                   "title_en": en, "unit": unit}))
        n = 0
        for status, count in ((FIRING, 8), (ACK, 2), (RESOLVED, 1)):
            for _ in range(count):
                alert = named(add(s, ME, status=status, hours=n, initiative=(2, 3)[n % 2],
                                  indicator=indicators[n % 3], area=("2480", "2482")[n % 2],
                                  owner="samordningsforbundet"))
                alert.value = TITLES[n % 3][3]
                if n == 4:  # a long date: "16 december 2024" fits its card on a phone
                    alert.fired_at = alert.created_at = alert.updated_at = LATE
                if status == FIRING:
                    firing.append(alert.id)
                n += 1
        add(s, FK, hours=n, indicator=indicators[0], owner=ME)
        person = add_person(session=s, email="britt.berg@umea.example.se", agency=ME,
                            name="Britt Berg")
        secret = store.start_session(session=s, person=person, method="email",
                                     max_age=timedelta(hours=1))
    return firing[::-1], secret


@pytest.mark.integration
def test_a_convener_acknowledges_several_alerts_at_once(fresh_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import Page, sync_playwright

    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    firing, secret = seed(fresh_url)

    def status(alert_id: str) -> tuple[str, str | None]:
        with session_scope(session_factory(fresh_url)) as s:
            a = s.get(Alert, alert_id)
            assert a is not None
            return a.status, a.acknowledged_by

    def tick(page: Page, alert_id: str) -> None:
        page.click(f"tr[data-alert='{alert_id}'] label.pick")

    with serve(build_app("notify", fresh_url)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_cookies([{"name": "samstat_session", "value": secret, "url": base}])
        page = context.new_page()
        errors: list[str] = []  # the script's own, and the page's policy refusing it
        page.on("console", lambda m: errors.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        # The desktop: a table, a box on each firing row of the convener's, none elsewhere.
        page.goto(f"{base}/inbox?status=open")
        assert page.locator("table.inbox tbody tr").first.evaluate(
            "e => getComputedStyle(e).display") == "table-row"
        assert page.locator("input[name=alert]").count() == 8
        assert page.locator("#pick-all-wrap").inner_text() == \
            "Markera alla okvitterade på sidan (8)"
        assert page.locator("#bulk-count").inner_text() == "0 markerade"
        page.screenshot(path=str(shots / "bulk_1366_sv.png"), full_page=True)

        tick(page, firing[0])
        tick(page, firing[3])
        assert page.locator("#bulk-count").inner_text() == "2 markerade"
        assert page.locator("#pick-all").evaluate("e => e.indeterminate")
        page.check("#pick-all")
        assert page.locator("input[name=alert]:checked").count() == 8
        assert page.locator("#bulk-count").inner_text() == "8 markerade"
        page.uncheck("#pick-all")
        assert page.locator("input[name=alert]:checked").count() == 0
        for a in (*firing[:3], firing[7]):
            tick(page, a)
        with session_scope(session_factory(fresh_url)) as s:  # resolved while ticked
            ended = s.get(Alert, firing[7])
            assert ended is not None
            ended.status = RESOLVED
        # While something is ticked the button stays in view, however far down the list.
        page.evaluate("document.getElementById('bulk').scrollIntoView()")
        bar = page.locator(".bulk-bar").bounding_box()
        assert bar is not None and bar["y"] + bar["height"] <= 900
        page.screenshot(path=str(shots / "bulk_1366_sv_ticked.png"))
        page.fill("#bulk-comment", "Tas upp på styrgruppsmötet")
        page.click(".bulk-bar button")
        page.wait_for_url(f"{base}/inbox?status=open&bulk=done&acknowledged=3&resolved=1")
        assert page.locator("#bulk-done p").all_inner_texts() == [
            "3 larm kvitterades.", "1 kunde inte kvitteras: 1 har upphört."]
        for a in firing[:3]:
            assert status(a) == ("acknowledged", "britt.berg@umea.example.se")
            assert page.locator(f"tr[data-alert='{a}'] .badge.acknowledged").count() == 1
        assert page.locator("input[name=alert]").count() == 4
        page.screenshot(path=str(shots / "bulk_1366_sv_done.png"), full_page=True)

        # A phone: cards, nothing wider than the screen, every figure under its label.
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/inbox")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        rows = page.locator("table.inbox tbody tr")
        assert rows.first.evaluate("e => getComputedStyle(e).display") == "grid"
        assert page.locator("table.inbox thead").is_hidden()
        # Every card on the screen, and every word of a card inside it.
        spill = rows.evaluate_all("""rs => rs.flatMap(r => {
            const card = r.getBoundingClientRect();
            return Array.from(r.cells).map(c => {
                // the words, or the box (its name is read aloud only, clipped to a pixel)
                const box = c.querySelector("input[type=checkbox]");
                const range = document.createRange(); range.selectNodeContents(c);
                const words = (box || range).getBoundingClientRect();
                return [card.right, words.right, c.className];
            });
        })""")
        for card, words, cell in spill:
            assert card <= 390 and words <= card, (card, words, cell)
        label = page.locator(f"tr[data-alert='{firing[4]}'] td.c-area").evaluate(
            "e => getComputedStyle(e, '::before').content")
        assert label == '"Område"'
        area = page.locator(f"tr[data-alert='{firing[4]}'] td.c-area").bounding_box()
        period = page.locator(f"tr[data-alert='{firing[4]}'] td.c-period").bounding_box()
        value = page.locator(f"tr[data-alert='{firing[4]}'] td.c-value").bounding_box()
        # the area a line of its own (a long name breaks between words only, not beside
        # the period: test_inbox_card_phone), period and value side by side under it
        assert area and period and value and period["y"] >= area["y"] + area["height"]
        assert abs(period["y"] - value["y"]) < 2
        page.screenshot(path=str(shots / "bulk_390_sv.png"), full_page=True)
        page.check("#pick-all")
        assert page.locator("#bulk-count").inner_text() == "4 markerade"
        page.evaluate("document.getElementById('bulk').scrollIntoView()")
        bar = page.locator(".bulk-bar").bounding_box()
        assert bar is not None and bar["y"] + bar["height"] <= 844 and bar["width"] <= 390
        page.screenshot(path=str(shots / "bulk_390_sv_ticked.png"))

        # In English, on the phone: one alert.
        page.goto(f"{base}/inbox?lang=en")
        assert page.locator("#pick-all-wrap").inner_text() == \
            "Select all unacknowledged on this page (4)"
        tick(page, firing[4])
        assert page.locator("#bulk-count").inner_text() == "1 selected"
        page.click(".bulk-bar button")
        page.wait_for_url(f"{base}/inbox?bulk=done&acknowledged=1")
        assert page.locator("#bulk-done").inner_text() == "1 alert was acknowledged."
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "bulk_390_en_done.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
        page.screenshot(path=str(shots / "bulk_1366_en_done.png"), full_page=True)
        assert not errors, errors

        # Without scripts: no "select all", and a box ticked by hand acknowledges the same.
        plain = browser.new_context(viewport={"width": 390, "height": 844},
                                    java_script_enabled=False)
        plain.add_cookies([{"name": "samstat_session", "value": secret, "url": base}])
        bare = plain.new_page()
        bare.goto(f"{base}/inbox?lang=sv")
        assert bare.locator("#pick-all-wrap").is_hidden()
        bare.check(f"tr[data-alert='{firing[5]}'] input[name=alert]")
        bare.click(".bulk-bar button")
        bare.wait_for_url(f"{base}/inbox?bulk=done&acknowledged=1")
        assert bare.locator("#bulk-done").inner_text() == "1 larm kvitterades."
        assert status(firing[5])[0] == "acknowledged"
        browser.close()
