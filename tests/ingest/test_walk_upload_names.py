"""A usability walk (Vännäs staff, not developers): the preview's "Alla rader" showed
``econ_assistance_recipients``, ``2460`` and ``_T`` where people say "Personer med
ekonomiskt bistånd", "Vännäs" and "totalt", and the receipt said who published by an e-mail
address where the inbox says people's names. Known codes are named from the catalogue in the
page's language; anything else shows as the file wrote it; the headings stay the file's."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit.auth.people import add_person
from samstat_kit.auth.sessions import start_session
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from services.ingest.upload import service
from services.ingest.upload.texts import FIELD_HINTS, PREVIEW
from tests.agency.conftest import RunningIngest, running_ingest  # noqa: F401 (fixture)
from tests.ingest.test_upload_browser import CHROMIUM_ARGS
from tests.ingest.test_upload_pages import _text, _upload
from tests.workbooks import xlsx

Staff = tuple[TestClient, str]
SV = ["Mått", "Område", "Period", "Värde", "Orsak", "Varaktighet", "Kön"]
M = "econ_assistance_recipients"
ROWS = [
    [M, "2460", "2026-11", 61, "_T", "0-10", "K"],  # row 2: every cell a code
    [M, "2460", "2026-11", 48, "ill_health", "0-10", "Män"],  # row 3: sex by its name
    # row 4: no such measure (shown as written; its codes are still the catalogue's)
    ["ekbistand", "2460", "2026-11", 30, "other", "0-10", "K"],
    [M, "Vännäs", "2026-11", 52, "sjukdom", "0-10", "M"],  # row 5: area by name, a bad cause
]
NAMED = {
    "sv": [
        ["Personer med ekonomiskt bistånd", "Vännäs", "2026-11", "61", "Totalt",
         "0–10 månader", "Kvinnor"],
        ["Personer med ekonomiskt bistånd", "Vännäs", "2026-11", "48", "Ohälsa",
         "0–10 månader", "Män"],
        ["ekbistand", "Vännäs", "2026-11", "30", "Annat", "0–10 månader", "Kvinnor"],
        ["Personer med ekonomiskt bistånd", "Vännäs", "2026-11", "52", "sjukdom",
         "0–10 månader", "Män"],
    ],
    "en": [
        ["Recipients of economic assistance", "Vännäs", "2026-11", "61", "Total",
         "0–10 months", "Women"],
        ["Recipients of economic assistance", "Vännäs", "2026-11", "48", "Ill health",
         "0–10 months", "Män"],
        ["ekbistand", "Vännäs", "2026-11", "30", "Other", "0–10 months", "Women"],
        ["Recipients of economic assistance", "Vännäs", "2026-11", "52", "sjukdom",
         "0–10 months", "Men"],
    ],
}


def _rows_table(html: str) -> tuple[list[str], list[list[str]]]:
    """The "all rows" table: its headings and each row's cells (row number and badge off)."""
    table = html.split('<table class="rows">', 1)[1].split("</table>", 1)[0]
    head = [unescape(_text(h)).strip()
            for h in re.findall(r"<th[^>]*>(.*?)</th>", table.split("</thead>")[0], re.S)]
    body = table.split("<tbody>", 1)[1]
    rows = [[unescape(_text(c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    return head[1:-1], [r[1:-1] for r in rows]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_rows_show_names_where_the_file_has_known_codes(upload_staff: Staff,
                                                            lang: str) -> None:
    client, _ = upload_staff
    page = str(_upload(upload_staff, xlsx(SV, ROWS)).headers["location"])  # type: ignore[attr-defined]
    html = client.get(f"{page}?lang={lang}").text
    head, rows = _rows_table(html)
    assert head == SV  # the file's own headings, on the English page too
    assert rows == NAMED[lang]
    # the code is still there to match against the file, on a hover
    assert 'title="econ_assistance_recipients"' in html and 'title="_T"' in html
    # the correction form edits the file's row: its cells as written
    assert f'name="c0" value="{M}"' in html.split('id="fix-5"', 1)[1]


def test_the_english_page_says_its_own_words_in_english(upload_staff: Staff) -> None:
    client, csrf = upload_staff
    page = str(_upload(upload_staff, xlsx(SV, ROWS)).headers["location"])  # type: ignore[attr-defined]
    client.post(f"{page}/publish", data={"csrf_token": csrf})
    html = client.get(f"{page}?lang=en").text
    # Off the page: the file's headings and cells (the user's), the place names, the nav.
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r'<table class="rows">.*?</table>', "", main, flags=re.S)
    text = unescape(_text(main))
    swedish = [sv for k, sv in PREVIEW["sv"].items() if "{" not in sv and sv != PREVIEW["en"][k]]
    assert not [w for w in swedish if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)], text
    assert PREVIEW["en"]["rows_title"] in text and PREVIEW["en"]["receipt"] in text


@pytest.mark.parametrize(("lang", "says"), [
    ("sv", "Enheten ska vara dagar – eller lämna cellen tom."),
    ("en", "The unit must be days – or leave the cell empty.")])
def test_a_wrong_unit_is_said_in_the_template_s_words(upload_staff: Staff, lang: str,
                                                      says: str) -> None:
    """A unit the template writes ("dagar") is read; a wrong one is said by the template's
    word for the right one, not by its code ("days" on a Swedish page)."""
    client, _ = upload_staff
    header = ["Mått", "Område", "Period", "Värde", "Ersättning", "Kön", "Enhet"]
    rows = [["benefit_net_days", "2460", "2026-11", 100, "economic_assistance", "K", "dagar"],
            ["benefit_net_days", "2460", "2026-11", 100, "economic_assistance", "M", "personer"]]
    page = str(_upload(upload_staff, xlsx(header, rows)).headers["location"])  # type: ignore[attr-defined]
    text = unescape(_text(client.get(f"{page}?lang={lang}").text))
    assert f"3 Enhet {FIELD_HINTS[lang]['unit']} {says}" in text, text
    assert "2 Enhet" not in text


def _receipt_by(html: str) -> str:
    card = html.split('<dl class="facts receipt">', 1)[1].split("</dl>", 1)[0]
    return unescape(_text(re.findall(r"<dd>(.*?)</dd>", card, re.S)[0])).strip()


def test_the_receipt_names_the_person_who_published(upload_staff: Staff) -> None:
    client, csrf = upload_staff
    page = str(_upload(upload_staff, xlsx(SV, ROWS[:1])).headers["location"])  # type: ignore[attr-defined]
    assert client.post(f"{page}/publish", data={"csrf_token": csrf}).status_code == 303
    sv, en = (_receipt_by(client.get(f"{page}?lang={lang}").text) for lang in ("sv", "en"))
    assert sv.endswith(" av Granskare") and en.endswith(" by Granskare")  # the fixture's
    assert "@" not in sv + en


def test_who_published_is_a_name_else_the_address_or_the_agency(ingest_db: str) -> None:
    agencies = load_catalogue().agencies
    named = f"lisa.ek.{uuid.uuid4().hex[:6]}@vannas.se"
    unnamed = f"nn.{uuid.uuid4().hex[:6]}@vannas.se"
    with session_scope(session_factory(ingest_db)) as s:
        add_person(session=s, email=named, agency="kommun-2460", name="Lisa Ek",
                   role="analyst")
        add_person(session=s, email=unnamed, agency="kommun-2460", role="analyst")
    with session_scope(session_factory(ingest_db)) as s:
        assert service.who(session=s, actor=named, agencies=agencies) == "Lisa Ek"
        assert service.who(session=s, actor=unnamed, agencies=agencies) == unnamed
        gone = "gone@vannas.se"  # no such person (any more): the address kept
        assert service.who(session=s, actor=gone, agencies=agencies) == gone
        assert service.who(session=s, actor="token:kommun-2460",
                           agencies=agencies) == "Vännäs kommun"


@pytest.mark.integration
def test_the_names_in_chromium_on_a_desktop_and_a_phone(running_ingest: RunningIngest,  # noqa: F811
                                                        tmp_path: Path) -> None:
    """The walk's file in real Chromium, Swedish and English, 1366 and 390 px wide: the rows
    by name, the receipt by the person's name, no page wider than a phone. Screenshots go to
    $SAMSTAT_SCREENSHOTS (else the test's tmp_path) for a person to look at."""
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    xlsx_file = tmp_path / "vannas-november.xlsx"
    xlsx_file.write_bytes(xlsx(SV, ROWS))
    with session_scope(session_factory(running_ingest.db_url)) as s:
        person = add_person(session=s, email=f"lisa.ek.{uuid.uuid4().hex[:6]}@vannas.se",
                            agency="kommun-2460", name="Lisa Ek", role="analyst")
        secret = start_session(session=s, person=person, method="link",
                               max_age=timedelta(hours=1))
    base = running_ingest.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_cookies([{"name": "samstat_session", "value": secret, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/upload?lang=sv")
        page.set_input_files("#file", str(xlsx_file))
        page.click("button:has-text('Granska filen')")
        page.wait_for_url(f"{base}/upload/*")
        preview = page.url.split("?")[0]
        first = page.locator("table.rows tbody tr").first.inner_text()
        assert "Personer med ekonomiskt bistånd" in first and "Vännäs" in first, first
        assert M not in first
        _shoot(page, preview, "preview", shots)
        page.goto(f"{preview}?lang=sv")
        page.click("button:has-text('Publicera')")
        page.wait_for_selector("#receipt")
        assert "av Lisa Ek" in page.inner_text("section.card")
        _shoot(page, preview, "receipt", shots)
        page.goto(f"{preview}?lang=en")
        assert "by Lisa Ek" in page.inner_text("section.card")
        assert "Recipients of economic assistance" in page.inner_text("table.rows")
        browser.close()


def _shoot(page: Any, url: str, name: str, shots: Path) -> None:
    for lang in ("sv", "en"):
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{url}?lang={lang}")
            assert int(page.evaluate("document.documentElement.scrollWidth")) <= width
            page.screenshot(path=str(shots / f"walk_{name}_{lang}_{width}.png"),
                            full_page=True)
