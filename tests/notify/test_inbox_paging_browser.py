"""A convener with 120 alerts pages through the inbox in real headless Chromium (the real
notify app on uvicorn, its own SQLite database): the open alerts per initiative at the top,
50 alerts a page, "Äldre" and "Nyare" keeping the filters, a count opening its initiative's
open alerts, and the same in English. Screenshots go to the test's tmp_path (or to
``$SAMSTAT_SCREENSHOTS``) for a human to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from samstat_kit.db import session_factory, session_scope
from services.notify.alerts.models import Definition
from tests.auth.helpers import build_app, serve

from .factory import NOW, agency_id, indicator_id, tokens
from .test_inbox_listing import ACK, FIRING, RESOLVED, add

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TITLES = [("Andel i arbete efter insats", "Share in work after the programme", "share"),
          ("Dagar till gemensam kartläggning", "Days to joint mapping", "days"),
          ("Unga med aktivitetsersättning i studier", "Young people on activity "
           "compensation in studies", "persons")]


def seed(url: str, convener: str) -> dict[str, int]:
    """120 alerts: initiatives 1-3 and overarching ones, every state; the open ones per
    initiative."""
    indicators = [indicator_id("page") for _ in TITLES]
    open_per: dict[str, int] = {}
    with session_scope(session_factory(url)) as s:
        for ind, (sv, en, unit) in zip(indicators, TITLES, strict=True):
            s.add(Definition(id=ind, plan_year=2024, version=1, initiative=1,
                             convener=convener, updated_at=NOW,
                             body={"id": ind, "title_sv": sv, "title_en": en, "unit": unit}))
        for n in range(120):
            status = (FIRING, ACK, RESOLVED)[n % 3]
            initiative = (1, 2, 3, None)[n % 4]
            add(s, convener, status=status, hours=n, initiative=initiative,
                indicator=indicators[n % len(indicators)], area=("2480", "2482")[n % 2])
            if status != RESOLVED:
                key = "none" if initiative is None else str(initiative)
                open_per[key] = open_per.get(key, 0) + 1
    return open_per


@pytest.mark.integration
def test_a_convener_pages_through_a_long_inbox(fresh_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import Page, sync_playwright

    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    me = agency_id()
    open_per = seed(fresh_url, me)
    token = tokens(fresh_url, me)[me]["Authorization"].split(" ", 1)[1]

    def showing(page: Page) -> str:
        return page.locator("#showing").inner_text()

    def rows(page: Page) -> list[str]:
        return page.locator("table.inbox tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.alert)")

    with serve(build_app("notify", fresh_url)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/inbox")
        page.click("details summary")  # the operators' token form
        page.fill("#token", token)
        page.press("#token", "Enter")
        page.wait_for_url(f"{base}/inbox")

        # The open alerts per initiative, at the top.
        counts = {a.get_attribute("data-initiative"): a.locator(".n").inner_text()
                  for a in page.locator("ul.counts a").all()}
        assert counts == {k: str(v) for k, v in open_per.items()}
        assert page.locator("ul.counts a").last.get_attribute("data-initiative") == "none"

        # Page 1: the open alerts, latest first; "Äldre" only.
        assert showing(page).startswith("Larm 1–50 av 120 · 120 olästa")
        first = rows(page)
        assert len(first) == 50
        badges = page.locator("table.inbox tbody tr .badge").all_inner_texts()
        assert "Upphört" not in badges
        assert page.locator("nav.pager a").all_inner_texts() == ["Äldre →"]
        page.screenshot(path=str(shots / "inbox_page1_sv.png"), full_page=True)

        page.click("nav.pager a[rel=next]")
        assert showing(page).startswith("Larm 51–100 av 120")
        second = rows(page)
        page.click("nav.pager a[rel=next]")
        assert showing(page).startswith("Larm 101–120 av 120")
        third = rows(page)
        assert page.locator("nav.pager a").all_inner_texts() == ["← Nyare"]
        assert "Aktivt" not in page.locator("table.inbox tbody tr .badge").all_inner_texts()
        assert len(set(first + second + third)) == 120  # every alert once
        page.screenshot(path=str(shots / "inbox_page3_sv.png"), full_page=True)
        page.click("nav.pager a[rel=prev]")
        assert rows(page) == second
        page.click("nav.pager a[rel=prev]")
        assert rows(page) == first and page.locator("a[rel=prev]").count() == 0

        # Filter: the open alerts (80), paged; the links keep the filter both ways.
        page.select_option("#f-status", "open")
        page.click("form.filters button")
        page.wait_for_url(re.compile(r".*status=open.*"))
        assert showing(page).startswith("Larm 1–50 av 80")
        assert "status=open" in (page.locator("a[rel=next]").get_attribute("href") or "")
        page.click("nav.pager a[rel=next]")
        assert showing(page).startswith("Larm 51–80 av 80")
        assert "status=open" in (page.locator("a[rel=prev]").get_attribute("href") or "")
        assert not {"Upphört"} & set(page.locator(
            "table.inbox tbody tr .badge").all_inner_texts())
        assert page.locator("#f-status").input_value() == "open"

        # ...and of initiative 2 only.
        page.select_option("#f-initiative", "2")
        page.click("form.filters button")
        page.wait_for_url(re.compile(r".*status=open.*initiative=2.*"))
        assert showing(page).startswith(f"Larm 1–{open_per['2']} av {open_per['2']}")
        assert page.locator("ul.counts li.current a").get_attribute("data-initiative") == "2"
        assert set(page.locator("table.inbox tbody tr .badge").all_inner_texts()) <= {
            "Aktivt", "Kvitterat", "Tystat"}
        page.screenshot(path=str(shots / "inbox_filtered_sv.png"), full_page=True)

        # Resolved ones, paged 50 at a time with the filter kept in both directions.
        page.select_option("#f-status", "resolved")
        page.select_option("#f-initiative", "")
        page.click("form.filters button")
        assert showing(page).startswith("Larm 1–40 av 40")
        assert page.locator("nav.pager").count() == 0

        # A count opens its initiative's open alerts.
        page.click("ul.counts a[data-initiative=none]")
        assert showing(page).endswith("överst.") and \
            f"av {open_per['none']}" in showing(page)
        assert page.locator("#f-initiative").input_value() == "none"

        # English by the switch: the same list, the links in English.
        page.goto(f"{base}/inbox?lang=en")
        assert page.locator("h1").inner_text() == "Inbox"
        assert showing(page).startswith("Alerts 1–50 of 120")
        page.click("nav.pager a[rel=next]")
        assert page.locator("nav.pager a").all_inner_texts() == ["← Newer", "Older →"]
        page.screenshot(path=str(shots / "inbox_page2_en.png"), full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
