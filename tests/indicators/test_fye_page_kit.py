"""The FYE page (presentation kit): Umeå beside Umeåregionen, Västerbotten and Riket for every
year since 2014 from SCB's figures, by sex, benefit x sex, a date picker that shows what the
board saw, downloads; and the same page in a real headless Chromium."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from services.indicators.app import create_app
from services.indicators.config import IndicatorsSettings

from .conftest import reader_page
from .official_data import delete, load, official_docs, processor, scb_observations

NBSP = "\u00a0"
REVISED_AT = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)


def _revised_nation() -> list[dict[str, Any]]:
    """SCB revises the nation's 2023 figure in September 2024 (+10 000 FYE)."""
    fye = processor(REVISED_AT)
    fye.apply_observations(scb_observations())
    fye.emitter.confirm()
    fye.clock = lambda: REVISED_AT
    months = [f"2023-{m:02d}" for m in range(1, 13)]  # every month +10 000: the year too
    return [d for _k, d in fye.apply_observations([{
        "agency": "scb", "measure": "fye_official", "area": "0000", "period": month,
        "revision": 2, "value": fye.official[f"0000|{month}"]["scb/_T/_T"][1] + 10_000,
        "dimensions": {"benefit": "_T", "sex": "_T"}} for month in months])
        if d["area"] == "0000" and d["period"] == "2023"]


@pytest.fixture
def data(db_url: str) -> Iterator[list[dict[str, Any]]]:
    docs = official_docs() + _revised_nation()
    load(db_url, docs)
    yield docs
    delete(db_url, docs)


@pytest.fixture
def token(db_url: str) -> str:
    with session_scope(session_factory(db_url)) as session:
        return tokens.issue(session=session, scope="agency", agency="kommun-2480")


def test_fye_page_compares_every_year_from_scb(db_url: str, data: list, token: str) -> None:
    client = TestClient(create_app(IndicatorsSettings(database_url=db_url)))
    bearer = {"Authorization": f"Bearer {token}"}
    html = client.get("/fye/2480", headers=bearer).text
    assert "Helårsekvivalenter i Umeå" in html
    for name in ("Samordningsförbundet Umeåregionen", "Västerbottens län", "Riket"):
        assert name in html
    for year in range(2014, 2025):
        assert f'<th scope="row">{year}</th>' in html
    assert "13,3" in html  # Riket 2021, SCB: 13.3 %
    assert 'class="src official"' in html and "Andel per kön" in html
    assert "Ersättning och kön" in html and "Sjukpenning och rehabiliteringspenning" in html
    assert "/v1/fye/export.xlsx?areas=2480%2Cumearegionen%2C24%2C0000" in html
    # what the board saw in June 2024: before SCB's revision of 2023
    latest = client.get("/v1/fye/0000/2023", headers=bearer).json()
    june = client.get("/v1/fye/0000/2023", params={"as_of": "2024-06-10"},
                      headers=bearer).json()
    assert latest["fye"] == june["fye"] + 10_000
    old = f"{june['share'] * 100:.1f}".replace(".", ",")
    new = f"{latest['share'] * 100:.1f}".replace(".", ",")
    assert old != new
    page = client.get("/fye/2480", params={"as_of": "2024-06-10"}, headers=bearer).text
    assert 'value="2024-06-10"' in page and "10 juni 2024" in page
    assert f"{old}{NBSP}%" in page
    assert f"{new}{NBSP}%" in client.get("/fye/2480", headers=bearer).text
    # the export with every version: 2023 as first published and as revised
    text = client.get("/v1/fye/export.csv", params={"areas": "0000", "include_history": "true"},
                      headers=bearer).text
    rows = list(csv.DictReader(io.StringIO(text)))
    y2023 = [r for r in rows if r["period"] == "2023"]
    assert [float(r["fye"]) for r in y2023] == [june["fye"], latest["fye"]]
    assert [r["computed_at"][:10] for r in y2023] == ["2024-03-01", "2024-09-02"]
    assert {r["source"] for r in rows} == {"scb-official"} and len(rows) == 12
    assert {r["partial"] for r in rows} == {"false"}
    # ... and in Excel: the same versions, each with the time samstat showed it from
    book = client.get("/v1/fye/export.xlsx", params={"areas": "0000", "include_history": "true"},
                      headers=bearer)
    sheet = openpyxl.load_workbook(io.BytesIO(book.content))["Helårsekvivalenter"]
    head, *body = list(sheet.iter_rows(values_only=True))
    assert head[-1] == "Visades från (UTC)" and len(body) == 12
    y2023 = [r for r in body if r[2] == "2023"]
    assert [r[5] for r in y2023] == [june["fye"], latest["fye"]]
    assert [r[-1].date().isoformat() for r in y2023] == ["2024-03-01", "2024-09-02"]
    sv = client.get("/v1/fye/export", params={"areas": "0000", "include_history": "true",
                                               "format": "csv-sv"}, headers=bearer)
    assert sv.status_code == 200 and "Visades från (UTC)" in sv.content.decode("utf-8-sig")
    for cube in ({"format": "json-stat"}, {"format": "sdmx-csv"}):
        refused = client.get("/v1/fye/export", params={"areas": "0000",
                                                         "include_history": "true", **cube},
                             headers=bearer)
        assert refused.status_code == 422 and "one value per key" in refused.text
    refused = client.get("/v1/fye/export.sdmx.csv", params={"areas": "0000",
                                                             "include_history": "true"},
                         headers=bearer)
    assert refused.status_code == 422
    english = client.get("/fye/2480", params={"lang": "en"}, headers=bearer).text
    assert "Full-year equivalents in Umeå" in english and "Share by sex" in english
    bad = client.get("/fye/2480", params={"as_of": "juni", "lang": "sv"}, headers=bearer)
    assert bad.status_code == 200 and "kunde inte läsas" in bad.text


@pytest.mark.integration
def test_fye_page_in_chromium(server: str, sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    docs = official_docs() + _revised_nation()
    load(sqlite_url, docs)
    try:
        with sync_playwright() as p:
            page = reader_page(p, sqlite_url, "kommun-2480", 1200, 900)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{server}/fye/2480")
            assert page.locator("h1").inner_text() == "Helårsekvivalenter i Umeå"
            assert page.locator("svg.chart").count() == 1
            assert page.locator("table").first.locator("tbody tr").count() == 11
            page.screenshot(path=str(tmp_path / "fye_2480_sv.png"), full_page=True)
            page.fill("#as_of", "2024-06-10")
            page.click("form.asof button")
            page.wait_for_url("**as_of=2024-06-10**")
            assert "10 juni 2024" in page.locator(".asof-note").inner_text()
            page.screenshot(path=str(tmp_path / "fye_2480_asof.png"), full_page=True)
            page.click("a.lang")
            assert page.locator("h1").inner_text() == "Full-year equivalents in Umeå"
            page.screenshot(path=str(tmp_path / "fye_2480_en.png"), full_page=False)
            assert not [e for e in errors if "Content Security Policy" in e], errors
            page.context.browser.close()
    finally:
        delete(sqlite_url, docs)


@pytest.mark.parametrize("as_of", [" ", "   ", " 2024-06-10", "\n2024-06-10", "\t2024-06-10 ",
                                   "2024-06-10T12:00:00+02:00", "2024-13-45", "igår"])
def test_fye_page_takes_a_pasted_date_as_typed(db_url: str, data: list, token: str,
                                               as_of: str) -> None:
    """A date picked from a pasted link can come with spaces around it: the page shows that
    date (or the page's own "not a date" message), never a server error."""
    client = TestClient(create_app(IndicatorsSettings(database_url=db_url)),
                        raise_server_exceptions=False)
    r = client.get("/fye/2480", params={"as_of": as_of},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text[:300]
    if as_of.strip().startswith("2024-06-10"):
        assert 'value="2024-06-10"' in r.text and "10 juni 2024" in r.text
