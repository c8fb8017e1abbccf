"""What an analyst reads besides the numbers (a usability walk): an indicator page names no
code outside its technical details, says which comparisons are drawn and which have no values,
and says in words which way the plan wants the indicator to go; the list is grouped by
initiative with the plan's abbreviations explained; English pages say "Sweden"; the FYE
chart's legend names areas without their codes. The indicator page in a real Chromium at
1366 and 390 px."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from services.indicators.api import titles
from services.indicators.api.models import IndicatorTitle
from services.indicators.web.reading import abbreviations, aim

from .conftest import reader_page
from .official_data import delete as delete_official
from .official_data import load as load_official
from .official_data import official_docs
from .test_readmodel_data import delete, load, value_doc

# Where the browser test keeps its screenshots, for a person to look at (else a temp dir).
SHOTS = os.environ.get("SAMSTAT_SCREENSHOTS")


def upsert(ind: str, sv: str, en: str, **definition: Any) -> dict[str, Any]:
    return {"type": "indicator.upserted", "plan_year": 2024, "version": 1,
            "indicator": {"id": ind, "title_sv": sv, "title_en": en, **definition}}


@pytest.fixture
def bearer(db_url: str) -> dict[str, str]:
    with session_scope(session_factory(db_url)) as session:
        token = tokens.issue(session=session, scope="agency", agency="samordningsforbundet")
    return {"Authorization": f"Bearer {token}"}


def _days_indicator(url: str) -> tuple[str, list[dict[str, Any]]]:
    """Like i02: days until a GK referral, computed for Vännäs only (no region, no nation),
    the plan wanting it to fall, in initiative 2."""
    ind = "t_" + uuid.uuid4().hex[:12]
    docs = [value_doc(ind, "2460", f"2091-Q{q}", 200.0 + 5 * q, unit="days") for q in (1, 2)]
    load(url, docs)
    with session_scope(session_factory(url)) as session:
        titles.record(session=session, events=[upsert(
            ind, "Sjukfallslängd till aktualisering GK", "Days until referral to GK",
            initiative=2, rules=[{"kind": "yoy_wrong_direction", "direction": "fall"}])])
    return ind, docs


def _forget(url: str, ind: str, docs: list[dict[str, Any]]) -> None:
    delete(url, docs)
    with session_scope(session_factory(url)) as session:
        session.query(IndicatorTitle).filter_by(indicator=ind).delete()


@pytest.fixture
def days(db_url: str) -> Iterator[str]:
    ind, docs = _days_indicator(db_url)
    yield ind
    _forget(db_url, ind, docs)


def _visible(html: str) -> str:
    """The page's text a reader sees at once: without the technical details."""
    return re.sub(r"<details class=\"technical\">.*?</details>", "", html, flags=re.S)


def test_the_indicator_page_reads_without_codes(client: TestClient, bearer: dict,
                                                days: str) -> None:
    html = client.get(f"/indicators/{days}?area=2460&lang=sv", headers=bearer).text
    shown = _visible(html)
    assert days not in shown.replace(f"/indicators/{days}", "")  # links may carry it
    assert "(2460)" not in html and "<code>2460</code>" in html  # in the details only
    assert f"Indikatorns kod: <code>{days}</code>" in html
    # the region and the nation have no values: said so, not claimed as compared
    assert "Jämförs med" not in html
    assert ("Det finns inga värden för indikatorn ännu i Samordningsförbundet Umeåregionen "
            "och Riket.") in html
    assert "Målet är att tiden ska minska: en minskning är bra." in html
    assert "<dt>GK</dt><dd>gemensam kartläggning" in html
    # not a dead end (a walk): the indicator's other areas are a click away
    assert f'<a href="/indicators/{days}">välj ett annat område</a>' in html
    en = client.get(f"/indicators/{days}?area=2460&lang=en", headers=bearer).text
    assert "The aim is for the time to fall: a fall is good." in en
    assert "Sweden" in en and "Riket" not in en


def test_the_list_is_grouped_by_initiative(client: TestClient, bearer: dict, db_url: str,
                                           days: str) -> None:
    other = "t_" + uuid.uuid4().hex[:12]
    docs = [value_doc(other, "2480", "2091-Q1", 3.0)]
    load(db_url, docs)
    try:
        html = client.get("/indicators?lang=sv", headers=bearer).text
        heading = html.index("<h3>Initiativ 2 ")
        assert html.index("Sjukfallslängd till aktualisering GK") > heading
        assert "/reports/2024?lang=sv#i-2024-2" in html[heading:heading + 300]
        # one the registry has not described is listed apart, not under an initiative
        assert html.index(f'href="/indicators/{other}"') > html.index("<h3>Övriga indikatorer")
        assert "<dt>GK</dt>" in html and "<dt>SDK</dt>" not in html  # only those used
    finally:
        _forget(db_url, other, docs)


def test_titles_keep_the_meaning_and_fill_it_in_later(session: Any) -> None:
    ind = "t_" + uuid.uuid4().hex[:12]
    bare = upsert(ind, "Andel", "Share", rules=[{"kind": "yoy_rise"}])
    assert titles.record(session=session, events=[bare]) == 1
    assert titles.meanings(session=session, indicators=[ind])[ind] == titles.Meaning(
        2024, None, "fall")
    # a null initiative becoming 5 is a change ("!=" on a null never is)
    assert titles.record(session=session, events=[upsert(
        ind, "Andel", "Share", initiative=5, rules=[],
        target={"value": 1, "direction": "rise"})]) == 1
    assert titles.meanings(session=session, indicators=[ind])[ind] == titles.Meaning(
        2024, 5, "rise")


def test_the_direction_is_read_as_the_report_reads_it() -> None:
    """A review: Timrå's plan states its directions only in relative-to-baseline and staged
    targets, and the page said the plan names none."""
    assert titles.direction({"rules": [{"kind": "relative_to_baseline", "change": 0.15,
                                        "direction": "fall"}]}) == "fall"
    assert titles.direction({"rules": [{"kind": "staged_target", "start": "2011-01-01",
                                        "stages": []}]}) == "rise"
    assert titles.direction({"rules": [{"kind": "yoy_rise"}],
                             "target": {"value": 1, "direction": "rise"}}) == "fall"
    assert titles.direction({"rules": [], "target": {"value": None, "direction": "rise"}}) \
        is None


def test_aims_and_abbreviations_in_words() -> None:
    assert aim("rise", "share", "sv") == "Målet är att andelen ska öka: en ökning är bra."
    assert aim("fall", "persons", "en") == "The aim is for the number to fall: a fall is good."
    assert aim("rise", "done", "sv") == "Målet är att det ska bli klart."
    assert aim(None, "days", "sv").startswith("Planen säger inte")
    assert [s for s, _ in abbreviations(["Andel av IM-årskullen", "Avhopp från GY"], "sv")] \
        == ["IM", "GY"]
    assert abbreviations(["GYMNASIET"], "sv") == []  # a word is not its abbreviation


def test_fye_legend_without_codes_and_sweden_in_english(client: TestClient, bearer: dict,
                                                         db_url: str) -> None:
    docs = official_docs()
    load_official(db_url, docs)
    try:
        sv = client.get("/fye/2460?lang=sv", headers=bearer).text
        assert "(0000)" not in sv and "(umearegionen)" not in sv and "(2460)" not in sv
        en = client.get("/fye/2460?lang=en", headers=bearer).text
        assert ">Sweden<" in en and "Riket" not in en
        nation = client.get("/fye/0000?lang=en", headers=bearer).text
        assert "Full-year equivalents in Sweden" in nation
        # what a page compares with is what it shows (a walk: the nation's page promised
        # the region and the county); from the nation each county is a click away
        words = re.sub(r"<[^>]+>", "", sv)
        assert "Jämförs med Samordningsförbundet Umeåregionen, Västerbottens län och Riket." \
            in words
        nation_sv = client.get("/fye/0000?lang=sv", headers=bearer).text
        assert "Jämförs med" not in nation_sv and nation_sv.count('href="/fye/') >= 21
        assert '<a href="/fye/24">Västerbottens län</a>' in nation_sv
    finally:
        delete_official(db_url, docs)


@pytest.mark.integration
@pytest.mark.parametrize("width", [1366, 390])
def test_the_indicator_page_in_chromium(server: str, sqlite_url: str, width: int,
                                        tmp_path: Path) -> None:
    """The sentence of the aim and the comparisons are on screen; the page never scrolls
    sideways; the screenshot is kept for a person to look at."""
    from playwright.sync_api import sync_playwright

    ind, docs = _days_indicator(sqlite_url)
    try:
        with sync_playwright() as p:
            page = reader_page(p, sqlite_url, "samordningsforbundet", width, 900)
            page.goto(f"{server}/indicators/{ind}?area=2460&lang=sv")
            assert page.locator("p.aim").is_visible()
            assert "inga värden för indikatorn ännu" in page.inner_text("main")
            assert not page.locator("details.technical code").first.is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shots = Path(SHOTS) if SHOTS else tmp_path
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"indicator-{width}.png"), full_page=True)
            page.goto(f"{server}/indicators?lang=sv")
            assert page.locator("h3", has_text="Initiativ 2").is_visible()
            page.screenshot(path=str(shots / f"indicators-{width}.png"), full_page=True)
            page.context.browser.close()
    finally:
        _forget(sqlite_url, ind, docs)
