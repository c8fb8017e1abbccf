"""A usability walk on a phone (390 px): an alert card of the association's own area put
"Samordningsförbundet Umeåregionen" on top of the period beside it ("Samordningsförb2023et"),
the long first word wider than its column and drawn across the next. Every cell of a card
keeps its text inside itself, in Swedish and English, in real Chromium against the real
notify app. Screenshots go to the test's tmp_path (or ``$SAMSTAT_SCREENSHOTS``)."""

from __future__ import annotations

import itertools
import os
from datetime import timedelta
from pathlib import Path

import pytest

from samstat_kit.auth import sessions as store
from samstat_kit.auth.people import add_person
from samstat_kit.db import session_factory, session_scope
from tests.auth.helpers import build_app, serve

from .test_inbox_bulk import named
from .test_inbox_listing import FIRING, RESOLVED, add

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ME = "samordningsforbundet"

CELLS = """() => [...document.querySelectorAll('table.inbox tbody td')]
  .filter(td => td.offsetParent !== null)
  .map(td => ({cls: td.className, text: td.innerText, over: td.scrollWidth - td.clientWidth,
               box: td.getBoundingClientRect().toJSON()}))"""


@pytest.mark.integration
def test_an_alert_card_of_a_long_area_name_keeps_its_text_apart(fresh_url: str,
                                                                 tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with session_scope(session_factory(fresh_url)) as s:
        named(add(s, ME, status=FIRING, area="umearegionen", period="2023"))
        named(add(s, ME, status=RESOLVED, hours=1, area="umearegionen", period="2024-12"))
        person = add_person(session=s, email="karin.s@example.se", agency=ME, name="Karin S")
        secret = store.start_session(session=s, person=person, method="email",
                                     max_age=timedelta(hours=1))
    with serve(build_app("notify", fresh_url)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        context.add_cookies([{"name": "samstat_session", "value": secret, "url": base}])
        page = context.new_page()
        for lang in ("sv", "en"):
            page.goto(f"{base}/inbox?lang={lang}")
            assert "Samordningsförbundet Umeåregionen" in page.inner_text("table.inbox")
            page.screenshot(path=str(shots / f"inbox_card_390_{lang}.png"), full_page=True)
            cells = page.evaluate(CELLS)
            assert cells
            for c in cells:  # no text wider than its cell (drawn over the next one)
                assert c["over"] <= 0, (lang, c)
            by_row: dict[float, list[dict]] = {}
            for c in cells:
                by_row.setdefault(round(c["box"]["top"]), []).append(c)
            for row in by_row.values():  # cells side by side do not overlap
                row.sort(key=lambda c: c["box"]["left"])
                for a, b in itertools.pairwise(row):
                    assert a["box"]["right"] <= b["box"]["left"] + 0.5, (lang, a, b)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()
