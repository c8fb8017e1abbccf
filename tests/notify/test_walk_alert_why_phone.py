"""A usability walk: on a phone (390 px) the alert page's "Varför" table (the figures behind
the value, from ingest's provenance) scrolled sideways inside its card with the period column
cut off and no hint. There it reads as label/value lines, nothing wider than the card; at
1366 px it stays a table. The page is rendered by the real notify app (provenance from the real
ingest app) and laid out in real Chromium with the kit's stylesheet, in Swedish and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .test_walk_provenance_words import KIT_CSS, alert_of, apps  # noqa: F401 (a fixture)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# What the card must show of the row (the period column was the one cut off)
PERIOD = {"sv": "2019", "en": "2019"}
LABELS = {"sv": ("Myndighet", "Mått", "Period", "Uppdelning", "Värde", "Revision", "Inkom"),
          "en": ("Agency", "Measure", "Period", "Breakdown", "Value", "Revision", "Received")}


@pytest.fixture
def pages(apps: tuple[TestClient, TestClient], sqlite_url: str) -> dict[str, str]:  # noqa: F811
    """The alert page of a rise in Försäkringskassan's sickness days, in Swedish and
    English."""
    i, n = apps
    alert_id, auth = alert_of(i, n, sqlite_url)
    out = {}
    for lang in ("sv", "en"):
        page = n.get(f"/inbox/{alert_id}?lang={lang}", headers=auth)
        assert page.status_code == 200 and '<table class="cells">' in page.text
        out[lang] = page.text
    return out


LAYOUT = """() => {
  const box = document.querySelector('table.cells').closest('.scroll');
  const card = box.closest('.card').getBoundingClientRect();
  const cells = [...document.querySelectorAll('table.cells tbody td')].map(td => {
    const r = td.getBoundingClientRect();
    return {text: td.innerText, label: getComputedStyle(td, '::before').content,
            left: r.left, right: r.right};
  });
  return {sideways: box.scrollWidth - box.clientWidth, page: document.documentElement.scrollWidth,
          width: window.innerWidth, card: [card.left, card.right], cells,
          head: getComputedStyle(document.querySelector('table.cells thead')).display};
}"""


@pytest.mark.integration
def test_the_why_table_reads_without_sideways_scrolling_on_a_phone(
        pages: dict[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for lang, html in pages.items():
                for width in (390, 1366):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.set_content(html)
                    page.add_style_tag(path=str(KIT_CSS))  # the kit's sheet, as linked
                    got = page.evaluate(LAYOUT)
                    page.screenshot(path=str(tmp_path / f"why_{lang}_{width}.png"),
                                    full_page=True)
                    page.close()
                    assert got["sideways"] <= 0 and got["page"] <= got["width"], (lang, width)
                    left, right = got["card"]
                    for c in got["cells"]:  # every figure inside its card, none cut off
                        assert left <= c["left"] and c["right"] <= right + 0.5, (lang, c)
                    shown = [c["text"] for c in got["cells"]]
                    if width == 390:  # label/value lines, the labels the table's heads
                        assert got["head"] == "none"
                        assert [c["label"].strip('"') for c in got["cells"]] == \
                            list(LABELS[lang]), lang
                        assert any(PERIOD[lang] in t for t in shown)
                    else:  # the desktop keeps its table, heads and all
                        assert got["head"] == "table-header-group", lang
                        assert all(c["label"] in ("none", "normal") for c in got["cells"])
        finally:
            browser.close()
