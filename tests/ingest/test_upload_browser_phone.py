"""The Vännäs journey on a 390 px phone in headless Chromium, with the headings staff write:
an Excel file headed "Mått, Område, … Kön" with one wrong code is read, the wrong row is named
by its row number with the allowed codes, a fix still wrong is no green notice, the fixed file
publishes, and the receipt and the history fit the phone (no page wider than the screen)."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from samstat_kit.auth.people import add_person
from samstat_kit.auth.sessions import start_session
from samstat_kit.db import session_factory, session_scope
from tests.agency.conftest import RunningIngest, running_ingest  # noqa: F401 (fixture)
from tests.ingest.test_upload_browser import CHROMIUM_ARGS
from tests.ingest.test_upload_pages import ROWS, SV
from tests.ingest.test_upload_words import ROWS as WALK_ROWS
from tests.ingest.test_upload_words import SV as WALK_HEADER
from tests.workbooks import xlsx as workbook

WIDTH = 390


def _fits(page: object) -> bool:
    return int(page.evaluate("document.documentElement.scrollWidth")) <= WIDTH  # type: ignore[attr-defined]


@pytest.mark.integration
def test_vannas_on_a_phone_swedish_headings_fix_publish(running_ingest: RunningIngest,  # noqa: F811
                                                        tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    xlsx = tmp_path / "ekonomiskt-bistand.xlsx"
    xlsx.write_bytes(workbook(SV, [[*r[:2], "2019-08", *r[3:]] for r in ROWS]))
    with session_scope(session_factory(running_ingest.db_url)) as s:
        person = add_person(session=s, email=f"lisa.{uuid.uuid4().hex[:6]}@vannas.se",
                            agency="kommun-2460", name="Lisa Holm", role="analyst")
        secret = start_session(session=s, person=person, method="link",
                               max_age=timedelta(hours=1))
    base = running_ingest.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": WIDTH, "height": 844})
        context.add_cookies([{"name": "samstat_session", "value": secret, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/upload?lang=sv")
        assert _fits(page)
        page.set_input_files("#file", str(xlsx))
        page.click("button:has-text('Granska filen')")
        page.wait_for_url(f"{base}/upload/*")
        [problem] = page.locator("table.problems tbody tr").all()
        assert problem.locator("td").nth(0).inner_text() == "3"
        assert problem.locator("td").nth(1).inner_text() == "Orsak"
        assert ("Tillåtna koder: _T (totalt), ill_health (ohälsa), other (annat), "
                "unemployment (arbetslöshet)") in problem.inner_text()
        page.screenshot(path=str(shots / "phone_1_preview.png"), full_page=True)

        page.fill("#fix-3 input[name=c5]", "sjuk")
        page.click("#fix-3 button")
        page.wait_for_url("**fixed=3**")
        assert page.locator("p.notice[role=status]").get_attribute("class") == "notice"
        page.fill("#fix-3 input[name=c5]", "ill_health")
        page.click("#fix-3 button")
        page.wait_for_url("**fixed=3**")
        assert "Alla 3 rader kan publiceras." in page.inner_text("main")
        page.click("button:has-text('Publicera 3 rader')")
        page.wait_for_selector("#receipt")
        assert page.locator("h1").inner_text() == "Kvitto på publiceringen"
        assert _fits(page)
        page.screenshot(path=str(shots / "phone_2_receipt.png"), full_page=True)
        page.goto(f"{base}/upload?lang=en")
        assert "ekonomiskt-bistand.xlsx" in page.inner_text("table")
        assert _fits(page)
        page.screenshot(path=str(shots / "phone_3_history_en.png"), full_page=True)

        # The walk's November (Excel dates, totals, a foreign area, a measure by its name):
        # why values are hidden, and what to write instead, in Swedish words on the phone.
        walk = tmp_path / "vannas-nov.xlsx"
        walk.write_bytes(workbook(WALK_HEADER, WALK_ROWS))
        page.goto(f"{base}/upload?lang=sv")
        page.set_input_files("#file", str(walk))
        page.click("button:has-text('Granska filen')")
        page.wait_for_url(f"{base}/upload/*")
        main = page.inner_text("main")
        assert "Skriv 2460 (Vännäs) i kolumnen Område." in main
        # the measure written by its title is read as its code (no "write the code")
        assert "Skriv måttets kod" not in main
        assert "2026-11" in main and "T00:00:00" not in main and "unit" not in main
        assert _fits(page)
        page.screenshot(path=str(shots / "phone_4_walk_preview.png"), full_page=True)
        page.click("button:has-text('Publicera 6 rader')")
        page.wait_for_selector("#receipt")
        why = page.inner_text("table.hidden-values")
        assert "summorna per orsak, varaktighet och kön" in why and "secondary" not in why
        assert _fits(page)
        page.screenshot(path=str(shots / "phone_5_walk_receipt.png"), full_page=True)
        browser.close()
