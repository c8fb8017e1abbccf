"""A usability walk: the board report's pages (``/reports``, ``/reports/{year}``,
``/experience-bank``) looked like another product - a header and colours of their own,
default blue links, nobody named as signed in - while every other service's page wears the
presentation kit (its ``base.html`` and stylesheet, the services bar, the person in the
header, the language switch). They wear the kit now; the PDF prints the same page, without
the header, from a self-contained document.

The report's data come from test_report's fake indicators service (a real HTTP server)."""

from __future__ import annotations

import base64
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from samstat_kit.auth.models import User, WebSession
from samstat_kit.auth.people import add_person
from samstat_kit.auth.sessions import start_session
from samstat_kit.db import session_factory, session_scope
from services.initiatives.app import create_app
from services.initiatives.config import InitiativesSettings
from services.initiatives.report import frame
from services.initiatives.report.pdf import find_chromium
from tests.auth.helpers import serve

from .test_report import FakeIndicators, _seeded, indicators, plan2024  # noqa: F401

KIT_CSS = '<link rel="stylesheet" href="/static/samstat/present.css">'
PERSON = "Karin Lund · Försäkringskassan"


@contextmanager
def _signed_in(url: str) -> Iterator[str]:
    """A person of Försäkringskassan signed in: the session cookie's secret."""
    factory = session_factory(url)
    with session_scope(factory) as s:
        person = add_person(session=s, email=f"karin-{uuid.uuid4().hex[:8]}@example.se",
                            agency="forsakringskassan", name="Karin Lund")
        secret = start_session(session=s, person=person, method="email",
                               max_age=timedelta(hours=1))
        person_id = person.id
    try:
        yield secret
    finally:
        with session_scope(factory) as s:
            s.execute(delete(WebSession).where(WebSession.user_id == person_id))
            s.execute(delete(User).where(User.id == person_id))


def _app(url: str, fake: FakeIndicators) -> TestClient:
    return TestClient(create_app(InitiativesSettings(
        database_url=url, registry_publish=False, indicators_url=fake.url)))


def _header(html: str) -> str:
    return html.split('<header class="site">', 1)[1].split("</header>", 1)[0]


def test_the_report_pages_wear_the_kit_and_name_the_reader(
        db_url: str, indicators: FakeIndicators, plan2024: int) -> None:  # noqa: F811
    client = _app(db_url, indicators)
    with _signed_in(db_url) as secret:
        client.cookies.set("samstat_session", secret)
        for path, status in (("/reports/2024", 200), ("/reports", 200),
                             ("/experience-bank", 200), ("/reports/1999", 404)):
            page = client.get(path)
            assert page.status_code == status, path
            html = page.text
            assert KIT_CSS in html, path  # the kit's stylesheet, the file every page uses
            assert html.count("<header class=\"site\">") == 1 and html.count("<main") == 1, path
            header = _header(html)
            assert f'<span class="account">{PERSON}</span>' in header, path
            assert '<nav class="services" aria-label="Sidor i samstat">' in header, path
            assert 'action="/logout"' in header and 'name="csrf_token"' in header, path
            assert f'<a class="lang" href="{path}?lang=en"' in header, path
            # every page here is the follow-up's, the experience bank's too
            assert '/reports?lang=sv" aria-current="page">Uppföljning</a>' in header, path
            # the report's own bar and colours are gone
            assert 'class="top"' not in html and "#12355b" not in html, path
        report = client.get("/reports/2024").text
        assert ' · <a href="/experience-bank"><span class="sv">Erfarenhetsbank' in report
        assert "<title>Uppföljning 2024 – samverkansinitiativ · samstat</title>" in report
        assert report.count("<h1") == 1 and "Så bedöms indikatorerna" in report
        en = client.get("/reports/2024?lang=en")
        assert '<html lang="en">' in en.text
        assert "<title>Follow-up 2024 – collaboration initiatives · samstat</title>" in en.text
        assert '<a class="lang" href="/reports/2024?lang=sv"' in en.text
        assert '<span class="en">Follow-up of the collaboration initiatives 2024</span>' in en.text
        assert "samstat_lang=en" in en.headers["set-cookie"]
        client.cookies.clear()


def test_the_printed_document_carries_the_kit_style_itself() -> None:
    """Chromium prints the page from a file: the kit's stylesheet is in the document (a link
    to /static/ reaches nothing there), and print leaves the header and the bars out."""
    doc = frame.printable(frame.Page({"sv": "Uppföljning", "en": "Follow-up"},
                                     "<h1>Rubrik</h1>", footer=True), "sv")
    assert "<script" not in doc and "href=\"/static/" not in doc
    [css] = re.findall(r'<link rel="stylesheet" href="data:text/css;base64,([^"]+)">', doc)
    kit = (Path(frame.present.__file__).parent / "static" / "present.css").read_bytes()
    assert base64.b64decode(css) == kit  # the same look as the page, the kit's own file
    assert "@media print {\n  header.site, footer.site" in doc
    assert '<header class="site">' in doc and "Logga ut" not in doc  # no one to sign out
    assert "<h1>Rubrik</h1>" in doc and "Så bedöms indikatorerna" in doc


def _sqlite_plan(sqlite_url: str, seeded: dict[str, set[str] | None]) -> None:
    """The 2024 plan in the SQLite database, as test_report's ``plan2024`` seeds it (and
    its module fixture removes it again)."""
    from samstat_kit.db import session_scope as scope
    from services.initiatives.registry import service
    from services.initiatives.registry.models import Plan

    if sqlite_url in seeded:
        return
    with scope(session_factory(sqlite_url)) as s:
        existed = s.get(Plan, 2024) is not None
        before = {c.agency for c in service.list_contacts(session=s)}
        service.seed(session=s, year=2024)
        after = {c.agency for c in service.list_contacts(session=s)}
    seeded[sqlite_url] = None if existed else after - before


@pytest.mark.integration
def test_the_report_in_chromium_looks_like_the_other_pages(
        sqlite_url: str, indicators: FakeIndicators,  # noqa: F811
        _seeded: dict[str, set[str] | None], tmp_path: Path) -> None:  # noqa: F811
    """In a real browser, from a real server: the kit's stylesheet is loaded (its type, its
    link colour, its dark header naming the reader), Swedish and English, at 1366 and 390 px
    (where nothing scrolls sideways); printed, the header is left out. The screenshots (and
    the PDF) are left in SAMSTAT_SCREENSHOTS or tmp_path to look at."""
    from playwright.sync_api import sync_playwright

    binary = find_chromium("chromium")
    if binary is None:
        pytest.skip("no Chromium binary (Debian: apt-get install -y chromium)")
    _sqlite_plan(sqlite_url, _seeded)
    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    app = create_app(InitiativesSettings(database_url=sqlite_url, registry_publish=False,
                                         indicators_url=indicators.url))
    with _signed_in(sqlite_url) as secret, serve(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_cookies([{"name": "samstat_session", "value": secret, "url": base}])
        page = context.new_page()
        errors: list[str] = []  # report.css is the page's own <style>: it needs the nonce
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pdf = context.request.get(f"{base}/reports/2024.pdf")
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
        (shots / "report-2024.pdf").write_bytes(pdf.body())
        for lang in ("sv", "en"):
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(f"{base}/reports/2024?lang={lang}")
            # first the pictures, then the checks: a failing check still leaves them
            page.screenshot(path=str(shots / f"report-{lang}-1366.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(shots / f"report-{lang}-390.png"), full_page=True)
            _on_a_phone(page)
            page.set_viewport_size({"width": 1366, "height": 900})
            assert page.locator("table.overview tr.head").is_visible()  # a table again
            _looks_like_the_kit(page)
            # each series' colour in the legend: an SVG fill, as the policy allows
            swatch = page.locator(".legend svg.swatch rect").first
            assert swatch.get_attribute("fill", timeout=2000)
            assert page.locator(".legend svg.swatch").first.bounding_box()["width"] == 10
        page.goto(f"{base}/experience-bank")
        _looks_like_the_kit(page)
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.goto(f"{base}/reports/2024?lang=sv")
        page.screenshot(path=str(shots / "report-print.png"))
        assert page.locator("h1").is_visible()
        assert not page.locator("header.site").is_visible()
        assert not page.locator("nav.services").is_visible()
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def _on_a_phone(page: Any) -> None:
    """At 390 px nothing scrolls sideways: a wide table scrolls in its own box at a width its
    columns read in, "Alla initiativ" stacks with every verdict on screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    widths = page.evaluate("[...document.querySelectorAll('.scroll > table:not(.overview)')]"
                           ".map(t => t.getBoundingClientRect().width)")
    assert widths and min(widths) >= 560
    boxes = page.evaluate("[...document.querySelectorAll('table.overview td.verdict')]"
                          ".map(c => c.getBoundingClientRect())"
                          ".map(r => [r.left, r.right, r.width])")
    assert boxes and all(left >= 0 and right <= 390 and w > 0 for left, right, w in boxes)


def _looks_like_the_kit(page: Any) -> None:
    """The kit's stylesheet is loaded (its type, its link colour, its dark header) and the
    header names the reader."""
    looks = page.evaluate("""() => ({
        font: getComputedStyle(document.body).fontFamily,
        link: getComputedStyle(document.querySelector('main a')).color,
        header: getComputedStyle(document.querySelector('header.site')).backgroundColor
    })""")
    assert looks["font"].startswith("system-ui"), looks
    assert looks["link"] == "rgb(31, 95, 168)", looks  # the kit's accent, not default blue
    assert looks["header"] == "rgb(29, 36, 48)", looks
    assert PERSON in page.locator("header.site .account").inner_text()


# A4 less the report's @page margins (210 mm - 2 x 12 mm) at 96 dpi: the width Chromium lays
# the PDF out in. A wider document is shrunk whole, every page's text with it.
A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)


@pytest.mark.integration
def test_the_printed_report_fits_the_paper_with_a_lifetime_bound(
        sqlite_url: str, indicators: FakeIndicators,  # noqa: F811
        _seeded: dict[str, set[str] | None]) -> None:  # noqa: F811
    """Initiative 1's "what is it worth" names the public cost a year and, for young people,
    the bound over a lifetime, in one cell: kept on one line as a figure is, it pushed the
    table out of its box and the page wider than A4's printable width, so Chromium printed
    the whole 18-page PDF about a fifth smaller. Printed, nothing is wider than the paper."""
    from playwright.sync_api import sync_playwright

    binary = find_chromium("chromium")
    if binary is None:
        pytest.skip("no Chromium binary (Debian: apt-get install -y chromium)")
    _sqlite_plan(sqlite_url, _seeded)
    app = create_app(InitiativesSettings(database_url=sqlite_url, registry_publish=False,
                                         indicators_url=indicators.url))
    with _signed_in(sqlite_url) as secret, serve(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": A4_PRINTABLE_PX, "height": 1000})
        context.add_cookies([{"name": "samstat_session", "value": secret, "url": base}])
        page = context.new_page()
        page.emulate_media(media="print")
        for lang in ("sv", "en"):
            page.goto(f"{base}/reports/2024?lang={lang}")
            worth = page.locator("#i-2024-1 table.worth")
            assert ("över livet" if lang == "sv" else "over a lifetime") in worth.inner_text()
            box = worth.bounding_box()
            assert box is not None and box["x"] + box["width"] <= A4_PRINTABLE_PX, (lang, box)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= A4_PRINTABLE_PX, (lang, width)
        browser.close()
