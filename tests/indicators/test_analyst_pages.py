"""The analysts' pages in one language at a time (the kit's base, its switch keeping the page),
the nation, county and region reachable by clicking, the bar linking the services, one
precision per column, and a phone's width in a real headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope

from .conftest import reader_page
from .official_data import delete, load, official_docs
from .test_readmodel_data import fye_docs, value_doc

GLOSS = re.compile(r"\((indicators|all indicators|log out|none yet|unknown area|choose an "
                   r"area|full-year equivalents by municipality)")


@pytest.fixture
def data(db_url: str) -> Iterator[list[dict[str, Any]]]:
    """SCB's official figures (the nation, the county, the region's members) and samstat's
    own fye_share for the region's municipalities."""
    docs = official_docs() + fye_docs((2091, 2092))
    load(db_url, docs)
    yield docs
    delete(db_url, docs)


@pytest.fixture
def bearer(db_url: str) -> dict[str, str]:
    with session_scope(session_factory(db_url)) as session:
        token = tokens.issue(session=session, scope="agency", agency="samordningsforbundet")
    return {"Authorization": f"Bearer {token}"}


def test_the_index_in_one_language_with_the_wider_areas(client: TestClient, bearer: dict,
                                                       data: list) -> None:
    sv = client.get("/indicators?lang=sv", headers=bearer)
    assert sv.status_code == 200 and '<html lang="sv">' in sv.text
    assert not GLOSS.search(sv.text), GLOSS.search(sv.text)
    assert "<h1>Indikatorer</h1>" in sv.text and "Alla indikatorer med värden" in sv.text
    assert "Logga ut" in sv.text and "Sign out" not in sv.text
    # the nation, the county and the association's region, then the municipalities
    links = re.findall(r'<a href="/fye/([^"]+)">([^<]+)</a>', sv.text)
    assert links[:3] == [("0000", "Riket"), ("24", "Västerbottens län"),
                         ("umearegionen", "Samordningsförbundet Umeåregionen")]
    assert {code for code, _ in links[3:]} == {"2480", "2460", "2404", "2409", "2401", "2403"}
    # samstat's own indicators by their titles, never their ids
    assert "Helårsekvivalenter enligt SCB, andel av befolkningen 20–64 år" in sv.text
    assert ">fye_share_official<" not in sv.text and ">fye_share<" not in sv.text
    # the switch keeps the page; English is English only
    assert 'href="/indicators?lang=en"' in sv.text
    en = client.get("/indicators?lang=en", headers=bearer).text
    assert '<html lang="en">' in en and "<h1>Indicators</h1>" in en
    assert "All indicators with values" in en and "Sign out" in en
    assert "Logga ut" not in en and "Alla indikatorer" not in en
    assert "Full-year equivalents according to Statistics Sweden" in en
    assert 'href="/indicators?lang=sv"' in en


def test_the_services_bar(client: TestClient, bearer: dict, data: list) -> None:
    html = client.get("/indicators?lang=sv", headers=bearer).text
    bar = html[html.index('<nav class="services"'):html.index("</nav>",
                                                                html.index('class="services"'))]
    labels = re.findall(r">([^<>]+)</a>", bar)
    assert labels == ["Uppföljning", "Helårsekvivalenter", "Indikatorer", "Inkorg", "Ladda upp"]
    assert 'aria-current="page">Indikatorer' in bar
    assert "/fye/umearegionen?lang=sv" in bar and "/inbox?lang=sv" in bar
    fye = client.get("/fye/0000?lang=en", headers=bearer).text
    assert 'aria-current="page">Full-year equivalents' in fye and ">Upload</a>" in fye


def test_an_indicators_areas_and_the_nation(client: TestClient, bearer: dict,
                                            data: list) -> None:
    areas = client.get("/indicators/fye_share?lang=sv", headers=bearer)
    assert areas.status_code == 200 and not GLOSS.search(areas.text)
    assert "<h1>Helårsekvivalenter, andel av befolkningen 20–64 år</h1>" in areas.text
    for code in ("0000", "24", "umearegionen", "2480"):
        assert f'href="/indicators/fye_share?area={code}"' in areas.text, code
    # the nation's page shows SCB's yearly figure, as /fye/0000 does (it said "no values")
    nation = client.get("/indicators/fye_share?area=0000&lang=sv", headers=bearer)
    fye = client.get("/fye/0000?lang=sv", headers=bearer).text
    latest = re.search(r'<div class="big">([^<]+)</div>', fye)
    assert nation.status_code == 200 and latest is not None
    assert "Det finns inga värden" not in nation.text
    assert f'<div class="big">{latest.group(1)}</div>' in nation.text
    assert ">År</a>" in nation.text and ">Månad</a>" not in nation.text  # only what it has
    assert 'href="/fye/0000"' in nation.text
    # from the municipality's FYE page, a click to the region, the county and the nation
    umea = client.get("/fye/2480?lang=sv", headers=bearer).text
    for code in ("umearegionen", "24", "0000"):
        assert f'<a href="/fye/{code}">' in umea, code
    # the helper indicators have titles of their own
    recon = client.get("/indicators/fye_reconciliation?area=2480&lang=en", headers=bearer)
    assert "<h1>fye_reconciliation</h1>" not in recon.text


def test_not_found_in_the_readers_language(client: TestClient, bearer: dict) -> None:
    sv = client.get("/indicators/fye_share?area=9999&lang=sv", headers=bearer)
    assert sv.status_code == 404 and "<h1>Hittades inte</h1>" in sv.text
    assert "Det finns inget område med koden <code>9999</code>" in sv.text
    assert not GLOSS.search(sv.text)
    en = client.get("/fye/9999?lang=en", headers=bearer)
    assert en.status_code == 404 and "<h1>Not found</h1>" in en.text
    assert "There is no area with the code" in en.text and "Okänt" not in en.text
    assert 'href="/fye/9999?lang=sv"' in en.text
    none = client.get("/indicators/t_never_any?lang=en", headers=bearer)
    assert none.status_code == 404 and "There are no values for the indicator" in none.text
    # /fye alone (it answered raw JSON): the association's region, the language kept
    home = client.get("/fye?lang=en", headers=bearer, follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/fye/umearegionen?lang=en"


def test_a_column_has_one_precision(client: TestClient, bearer: dict, db_url: str) -> None:
    """The reconciliation's column read "150,2 / −8,59 / −201 / 73"."""
    ind = "t_precision"
    values = {"2091-01": 73.0, "2091-02": -201.0, "2091-03": -8.59, "2091-04": 150.2}
    docs = [value_doc(ind, "2480", p, v, unit="fye") for p, v in values.items()]
    load(db_url, docs)
    try:
        html = client.get(f"/indicators/{ind}?area=2480&lang=sv", headers=bearer).text
        for text in ("150,2", "\u22128,6", "\u2212201,0", "73,0"):
            assert f'<td class="num">{text}</td>' in html, text
        assert "8,59" not in html
    finally:
        delete(db_url, docs)


# ------------------------------------------------------------------- a phone, in Chromium


@pytest.mark.integration
def test_a_phone_reaches_the_nation_by_clicking(server: str, sqlite_url: str,
                                                tmp_path: Path) -> None:
    """At 390 px the page never scrolls sideways; the chart fits the screen (its newest year
    with it: no swiping inside a box); the nation is two clicks from the index."""
    from playwright.sync_api import sync_playwright

    docs = official_docs()
    load(sqlite_url, docs)
    try:
        with sync_playwright() as p:
            page = reader_page(p, sqlite_url, "samordningsforbundet", 390, 844)
            page.goto(f"{server}/indicators?lang=sv")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.click("ul.areas a >> text=Riket")
            page.wait_for_url("**/fye/0000")
            assert page.locator("h1").inner_text() == "Helårsekvivalenter i Riket"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            chart = page.locator("svg.chart").first.bounding_box()
            assert chart is not None and chart["x"] >= 0 and chart["width"] >= 300
            assert chart["x"] + chart["width"] <= 390
            page.screenshot(path=str(tmp_path / "fye_0000_phone.png"), full_page=True)
            page.click("a.lang")
            assert page.locator("h1").inner_text() == "Full-year equivalents in Sweden"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.context.browser.close()
    finally:
        delete(sqlite_url, docs)

