"""The upload page in real headless Chromium: an analyst at Vännäs (kommun-2460), signed in
as a person (the deployment's session cookie, as the e-mailed link leaves it), uploads last
month's figures as an Excel file, sees the one wrong row named by its row number and column,
fixes it in the browser, publishes, and sees the receipt and the history. Screenshots go to
the test's tmp_path (or $SAMSTAT_SCREENSHOTS) for a human to look at."""

from __future__ import annotations

import io
import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from samstat_kit.auth.people import add_person
from samstat_kit.auth.sessions import start_session
from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import IngestObservation
from tests.agency.conftest import RunningIngest, running_ingest  # noqa: F401 (fixture)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AGENCY = "kommun-2460"
PERIOD = "2026-11"
HEADER = ["measure", "area", "period", "value", "dim_duration", "dim_cause", "dim_sex"]
# The first row's period typed as Excel keeps "2026-11": the date 1 November 2026.
ROWS = [  # sheet rows 2..8; row 5 has a negative count
    ["econ_assistance_recipients", "2460", datetime(2026, 11, 1), 41, "0-10", "ill_health", "K"],
    ["econ_assistance_recipients", "2460", PERIOD, 37, "0-10", "ill_health", "M"],
    ["econ_assistance_recipients", "2460", PERIOD, 52, "0-10", "unemployment", "K"],
    ["econ_assistance_recipients", "2460", PERIOD, -48, "0-10", "unemployment", "M"],
    ["econ_assistance_recipients", "2460", PERIOD, 33, "0-10", "other", "K"],
    ["econ_assistance_recipients", "2460", PERIOD, 29, "0-10", "other", "M"],
    ["econ_assistance_recipients", "2460", PERIOD, 64, "11-36", "ill_health", "K"],
]


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _stored(db_url: str) -> int:
    with session_scope(session_factory(db_url)) as s:
        return int(s.scalar(select(func.count()).select_from(IngestObservation).where(
            IngestObservation.agency == AGENCY, IngestObservation.period == PERIOD)) or 0)


@pytest.mark.integration
def test_vannas_uploads_excel_fixes_one_row_and_publishes(running_ingest: RunningIngest,  # noqa: F811
                                                          tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    xlsx = tmp_path / "ekonomiskt-bistand-november.xlsx"
    xlsx.write_bytes(_workbook())
    address = f"anna.berg.{uuid.uuid4().hex[:6]}@vannas.se"
    with session_scope(session_factory(running_ingest.db_url)) as s:
        person = add_person(session=s, email=address, agency=AGENCY, name="Anna Berg",
                            role="analyst")
        secret = start_session(session=s, person=person, method="link",
                               max_age=timedelta(hours=1))
    base = running_ingest.url
    before = _stored(running_ingest.db_url)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        failed: list[str] = []  # every resource a page asked for answers (the icon too)
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        errors: list[str] = []  # the pages' own <style> carries the CSP nonce
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        page.goto(f"{base}/upload")  # not signed in: to the sign-in page
        assert "/login?next=%2Fupload" in page.url
        context.add_cookies([{"name": "samstat_session", "value": secret, "url": base}])
        page.goto(f"{base}/upload")
        assert page.locator("h1").inner_text() == "Ladda upp statistik"
        # the icon is in the page: no request for /favicon.ico (a 404 in every console)
        assert page.evaluate("document.querySelector('link[rel=icon]').href").startswith(
            "data:image/svg+xml")
        assert "Anna Berg · Vännäs kommun" in page.inner_text("header")
        page.screenshot(path=str(shots / "1_upload.png"), full_page=True)

        page.set_input_files("#file", str(xlsx))
        page.click("button:has-text('Granska filen')")
        page.wait_for_url(f"{base}/upload/*")
        assert "7 rader: 6 kan publiceras, 1 har fel." in page.inner_text("main")
        problems = page.locator("table.problems tbody tr")
        assert problems.count() == 1
        assert problems.first.locator("td").nth(0).inner_text() == "5"  # the sheet's row
        assert problems.first.locator("td").nth(1).inner_text() == "value"
        assert "Värdet är inte tillåtet" in problems.first.inner_text()
        page.screenshot(path=str(shots / "2_preview_one_wrong_row.png"), full_page=True)
        assert _stored(running_ingest.db_url) == before  # a preview stores nothing

        page.fill("#fix-5 input[name=c3]", "48")
        page.click("#fix-5 button")
        page.wait_for_url("**fixed=5**")
        assert "Alla 7 rader kan publiceras." in page.inner_text("main")
        page.screenshot(path=str(shots / "3_fixed.png"), full_page=True)

        page.click("button:has-text('Publicera 7 rader')")
        page.wait_for_selector("#receipt")
        facts = page.inner_text("section.card")
        assert "Avvisade\n0 rader" in facts and "av Anna Berg" in facts and "Kvittonummer" in facts
        # what was published, in two parts that add up: shown, and hidden with why
        shown = int(facts.split("Publicerade och synliga\n")[1].split()[0])
        hidden = int(facts.split("Publicerade men dolda\n")[1].split()[0])
        assert shown + hidden == 7
        assert page.locator("table.hidden-values tbody a").count() == hidden  # each row
        main = page.inner_text("main")  # words, not "secondary: would narrow …"
        assert not [w for w in ("secondary", "primary", "held:") if w in main]
        assert "T00:00:00" not in main  # the Excel date as its month
        page.screenshot(path=str(shots / "4_receipt.png"), full_page=True)

        page.click("text=Tillbaka till uppladdningar")
        row = page.locator("table tbody tr").first
        assert "ekonomiskt-bistand-november.xlsx" in row.inner_text()
        assert "Publicerad" in row.inner_text()
        page.goto(f"{base}/upload?lang=en")
        assert page.locator("h1").inner_text() == "Upload figures"
        page.screenshot(path=str(shots / "5_history_en.png"), full_page=True)
        assert failed == []
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
    assert _stored(running_ingest.db_url) == before + 7
