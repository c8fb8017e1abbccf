"""A usability walk on a phone (390 px): an alert card of the association's own area put
"Samordningsförbundet Umeåregionen" on top of the period beside it ("Samordningsförb2023et");
broken inside its cell instead, it read "Samordningsf/örbundet/Umeåregione/n". A long area
name has a line of its own on the card, and no word of a card is split mid-word: every word
of every cell is on one line, no cell is drawn over another and none is wider than itself, in
Swedish and English, with and without the acknowledge checkboxes, in real Chromium against the
real notify app. Screenshots go to the test's tmp_path (or ``$SAMSTAT_SCREENSHOTS``)."""

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

# Each visible cell of each card: its box, how much wider its text is than itself, and the
# words drawn on more than one line (a word split mid-word; a range over a word has a client
# rect per line it is on).
CELLS = """() => [...document.querySelectorAll('table.inbox tbody tr')].map(tr =>
  [...tr.querySelectorAll('td')].filter(td => td.offsetParent !== null).map(td => {
    const split = [];
    const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) split.push(m[0]);
      }
    }
    return {cls: td.className, text: td.innerText, over: td.scrollWidth - td.clientWidth,
            box: td.getBoundingClientRect().toJSON(), split};
  }))"""


def _overlap(a: dict, b: dict) -> bool:
    x, y = a["box"], b["box"]
    return (min(x["right"], y["right"]) - max(x["left"], y["left"]) > 0.5 and
            min(x["bottom"], y["bottom"]) - max(x["top"], y["top"]) > 0.5)


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
            cards = page.evaluate(CELLS)
            assert cards and all(cards)
            for cells in cards:
                for c in cells:
                    assert c["over"] <= 0, (lang, c)  # no text wider than its cell
                    assert not c["split"], (lang, c)  # no word broken over two lines
                for a, b in itertools.combinations(cells, 2):  # none drawn over another
                    assert not _overlap(a, b), (lang, a, b)
                [area] = [c for c in cells if "c-area" in c["cls"]]
                if "Samordningsförbundet" in area["text"]:  # a line of its own (beside
                    # the checkbox's column, which runs down the whole card)
                    assert all(c["box"]["bottom"] <= area["box"]["top"] + 0.5 or
                               c["box"]["top"] >= area["box"]["bottom"] - 0.5
                               for c in cells if c is not area and "c-pick" not in c["cls"]
                               ), (lang, cells)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()
