"""The HTML pages and the browser login, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from samstat_kit.present.formatting import NBSP, percent
from services.indicators.app import create_app
from services.indicators.config import IndicatorsSettings
from tests.auth.helpers import csrf_of
from tests.echo import said

from .test_readmodel_data import REGION, delete, fye_docs, load, value_doc

YEARS = (2093, 2094, 2095)  # the last one has six months in


@pytest.fixture
def client(db_url: str) -> TestClient:
    # Not entered as a context manager: no lifespan, so no Kafka consumer is started.
    return TestClient(create_app(IndicatorsSettings(database_url=db_url)),
                      follow_redirects=False)


@pytest.fixture
def token(db_url: str) -> str:
    with session_scope(session_factory(db_url)) as session:
        return tokens.issue(session=session, scope="agency", agency="forsakringskassan")


@pytest.fixture
def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def fye(db_url: str) -> Iterator[list[dict[str, Any]]]:
    docs = fye_docs(YEARS, last_year_months=6)
    load(db_url, docs)
    yield docs
    delete(db_url, docs)


@pytest.fixture
def counts(db_url: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    ind = "t_" + uuid.uuid4().hex[:12]
    docs = []
    for n, year in enumerate((2081, 2082)):
        for q in range(1, 5):
            docs.append(value_doc(ind, "2480", f"{year}-Q{q}", 1230.0 + 10 * n + q,
                                  year_ago=(1220.0 + q) if n else None,
                                  complete=not (n == 1 and q == 4)))
            docs.append(value_doc(ind, "umearegionen", f"{year}-Q{q}", 2000.0 + 7 * n + q))
    load(db_url, docs)
    yield ind, docs
    delete(db_url, docs)


def doc(docs: list[dict[str, Any]], area: str, period: str) -> dict[str, Any]:
    return next(d for d in docs if d["area"] == area and d["period"] == period)


def test_pages_without_a_token_go_to_login(client: TestClient) -> None:
    for url in ("/indicators/fye_share?area=2480", "/fye/2480", "/indicators"):
        r = client.get(url)
        assert r.status_code == 303
        assert r.headers["location"] == f"/login?next={quote(url, safe='')}"
    client.cookies.set("samstat_token", "sst_nope_nope")
    assert client.get("/fye/2480").status_code == 303
    client.cookies.clear()
    assert client.get("/fye/2480", headers={"Authorization": "Bearer sst_x_y"}).status_code == 303


def test_login_sets_a_cookie_and_returns(client: TestClient, token: str) -> None:
    nxt = "/fye/2480?x=1"
    form = client.get("/login", params={"next": nxt})
    assert form.status_code == 200 and 'name="token"' in form.text
    assert 'value="/fye/2480?x=1"' in form.text
    assert form.headers["cache-control"] == "private, no-store"
    assert "default-src 'none'" in form.headers["content-security-policy"]

    csrf = {"csrf_token": csrf_of(form.text)}  # the kit's CSRF check (samstat_kit.web)

    bad = client.post("/login", data={"token": "sst_abc_secret-guess", "next": nxt} | csrf)
    assert bad.status_code == 401 and "set-cookie" not in bad.headers
    assert "Ogiltig" in bad.text and "secret-guess" not in bad.text
    assert client.post("/login", data={"token": "", "next": nxt} | csrf).status_code == 401

    ok = client.post("/login", data={"token": token, "next": nxt} | csrf)
    assert ok.status_code == 303 and ok.headers["location"] == nxt
    cookie = ok.headers["set-cookie"]
    assert cookie.startswith(f"samstat_token={token};")
    low = cookie.lower()
    assert "httponly" in low and "samesite=lax" in low and "path=/" in low
    assert "max-age=43200" in low and "secure" not in low  # plain http in the test
    page = client.get("/fye/2480")  # the client sends the cookie now
    assert page.status_code == 200 and "Logga ut" in page.text

    out = client.post("/logout", data={"csrf_token": csrf_of(page.text)})  # renewed
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert 'samstat_token=""' in out.headers["set-cookie"]
    client.cookies.clear()
    assert client.get("/fye/2480").status_code == 303


def test_login_never_redirects_elsewhere(client: TestClient, token: str) -> None:
    for evil in ("https://evil.example/x", "//evil.example", "/\\evil.example"):
        csrf = {"csrf_token": csrf_of(client.get("/login").text)}  # each sign-in renews it
        r = client.post("/login", data={"token": token, "next": evil} | csrf)
        assert r.status_code == 303 and r.headers["location"] == "/indicators"
    r = client.post("/login", content=b'{"token": "x"}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 415


def test_fye_page(client: TestClient, bearer: dict, fye: list[dict]) -> None:
    r = client.get("/fye/2480", headers=bearer)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 1  # the areas by year
    assert "Helårsekvivalenter i Umeå" in html
    assert "Samordningsförbundet Umeåregionen" in html and "Västerbottens län" in html
    # key figures are for the last whole year, 2094 (2095 has six months in)
    umea = doc(fye, "2480", "2094")
    assert percent(umea["value"]) in html
    assert f"79{NBSP}021" in html
    fye_2094 = f"{round(umea['components']['fye']):,}".replace(",", NBSP)
    assert fye_2094 in html
    members = [doc(fye, m, "2094")["components"] for m in REGION]
    region_share = sum(m["fye"] for m in members) / sum(m["population"] for m in members)
    assert percent(region_share) in html
    assert "Del av året: 6 av 12" in html  # the part-year is named, not drawn
    # a month by its whole name, as in the e-mails and the report
    assert "Andel per månad" in html and f"juni{NBSP}2095" in html
    assert "Ersättning och kön 2094" in html
    assert "Sjukpenning och rehabiliteringspenning" in html and "Kvinnor" in html
    assert "/v1/fye/export.xlsx?areas=2480%2Cumearegionen%2C24%2C0000&amp;granularity=year" \
        in html

    # the population card says which year's population it is (it said no year at all)
    assert '<div class="label">Befolkning 20–64 år, 2094</div>' in html
    assert "inte ute än" not in html

    region = client.get("/fye/umearegionen", headers=bearer)
    assert region.status_code == 200 and percent(region_share) in region.text
    english = client.get("/fye/2480", params={"lang": "en"}, headers=bearer).text
    assert '<div class="label">Population aged 20–64, 2094</div>' in english
    assert client.get("/fye/9999", headers=bearer).status_code == 404


def test_indicator_page(client: TestClient, bearer: dict,
                        counts: tuple[str, list[dict]]) -> None:
    ind, _docs = counts
    r = client.get(f"/indicators/{ind}", params={"area": "2480"}, headers=bearer)
    assert r.status_code == 200
    html = r.text
    assert "<svg" in html and f"<h1>{ind}</h1>" in html
    assert f"1{NBSP}244" in html  # 2082-Q4, the latest value
    assert f"1{NBSP}224" in html  # its year-ago value
    assert "+20" in html  # the change
    assert "Preliminär" in html and "Definitiv" in html
    # drawn beside it, named as readers name it (the legend read "… (umearegionen)")
    assert "Jämförs med Samordningsförbundet Umeåregionen." in html
    assert "(umearegionen)" not in html and "(2480)" not in html
    assert f"2{NBSP}011" in html  # the region's latest value, in the comparison line
    assert "personer" in html and "Enhet" in html  # the unit, Swedish first
    assert f"/v1/indicators/{ind}/export.sdmx.csv?area=2480&amp;granularity=quarter" in html
    english = client.get(f"/indicators/{ind}", params={"area": "2480", "lang": "en"},
                         headers=bearer).text  # the language switch, not a gloss
    assert "Latest value" in english and "Provisional" in english and "Senaste" not in english
    # a quarter by its months, as in the e-mails and the inbox (it said "Q4 2082")
    assert "1,244" in english and f"Oct–Dec{NBSP}2082" in english
    assert "Q4" not in said(english)
    # the same page without an area lists the areas
    listing = client.get(f"/indicators/{ind}", headers=bearer)
    assert listing.status_code == 200 and f"/indicators/{ind}?area=umearegionen" in listing.text
    index = client.get("/indicators", headers=bearer)
    assert index.status_code == 200 and f'href="/indicators/{ind}"' in index.text
    assert client.get(f"/indicators/{ind}", params={"area": "9999"},
                      headers=bearer).status_code == 404


def test_a_change_agrees_with_the_values_beside_it(client: TestClient, bearer: dict,
                                                  db_url: str) -> None:
    """The change is worked out from the values as the page writes them: 7,24 against 6,87
    is +0,37 unrounded, but the page writes them 7,2 and 6,9 (the nation's 12,5 makes the
    column one decimal) and the change +0,3 (it said "+0,37" beside them), on the card and
    in the table, and in points between two shares as written."""
    ind, share = ("t_" + uuid.uuid4().hex[:12] for _ in range(2))
    docs = [value_doc(ind, "2480", "2081", 6.87), value_doc(ind, "2480", "2082", 7.24,
                                                            year_ago=6.87),
            value_doc(ind, "0000", "2082", 12.5),
            value_doc(share, "2480", "2082", 0.1224, year_ago=0.1186, unit="share")]
    load(db_url, docs)
    try:
        html = client.get(f"/indicators/{ind}", params={"area": "2480"}, headers=bearer).text
        assert "7,2" in html and "6,9" in html and "7,24" not in html
        cells = re.findall(r'<td class="num">([^<]*)</td>', html)
        assert cells[:3] == ["7,2", "6,9", "+0,3"], cells
        assert "+0,37" not in html and "+0,4" not in html
        page = client.get(f"/indicators/{share}", params={"area": "2480"},
                          headers=bearer).text
        cells = re.findall(r'<td class="num">([^<]*)</td>', page)
        assert cells[:3] == [f"12,2{NBSP}%", f"11,9{NBSP}%", "+0,3"], cells  # not +0,4
    finally:
        delete(db_url, docs)


def test_fye_share_indicator_page_for_a_region(client: TestClient, bearer: dict,
                                               fye: list[dict]) -> None:
    r = client.get("/indicators/fye_share", params={"area": "umearegionen",
                                                    "granularity": "year"}, headers=bearer)
    assert r.status_code == 200
    members = [doc(fye, m, "2094")["components"] for m in REGION]
    share = sum(m["fye"] for m in members) / sum(m["population"] for m in members)
    assert percent(share) in r.text and "<svg" in r.text
    assert "Helårsekvivalenter, andel av befolkningen 20–64 år" in r.text


def test_everything_shown_is_escaped(client: TestClient, bearer: dict) -> None:
    evil = '<svg onload=alert(1)>"x'  # no slash: it must reach the page as one path segment
    r = client.get(f"/indicators/{quote(evil, safe='')}", params={"area": "2480"},
                   headers=bearer)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert evil not in r.text and "&lt;svg onload=alert(1)&gt;&#34;x" in r.text
    r = client.get("/indicators/fye_share", params={"area": '"><img src=x onerror=alert(1)>'},
                   headers=bearer)
    assert r.status_code == 404
    # not repeated at all: no area code has that shape (markup.echoed)
    assert "<img" not in r.text and "&lt;img src=x" not in r.text
    r = client.get("/login", params={"next": '/x"><script>alert(1)</script>'})
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text


def test_an_indicator_is_headed_by_its_plan_title(client: TestClient, bearer: dict,
                                                  counts: tuple[str, list[dict]],
                                                  db_url: str) -> None:
    """The registry's titles (kept by the read model's consumer) head the page in the
    reader's language. The last event in topic order wins, whatever its version (a version
    starts again at 1 in next year's plan); events that cannot be read are skipped."""
    from services.indicators.api import titles
    from services.indicators.api.models import IndicatorTitle

    ind, _ = counts
    url = f"/indicators/{ind}?area=2480"
    assert f"<h1>{ind}</h1>" in client.get(url, headers=bearer).text.replace("\n", "")

    def event(version: Any, sv: str, en: str) -> dict[str, Any]:
        return {"type": "indicator.upserted", "plan_year": 2024, "version": version,
                "indicator": {"id": ind, "title_sv": sv, "title_en": en}}

    factory = session_factory(db_url)
    try:
        with session_scope(factory) as session:
            assert titles.record(session=session, events=[
                event(7, "Gammal titel", "Old title"),
                event(1, "Unga i <Torget>", "Young people in Torget"),  # next year's plan
                {"type": "indicator.deleted", "plan_year": 2024, "id": ind},
                None, "not an event", {"type": "indicator.upserted", "indicator": {}},
                {"type": "indicator.upserted", "indicator": [ind]}]) == 1
        with session_scope(factory) as session:  # republished as it stands: nothing changes
            assert titles.record(session=session, events=[
                event("x", "Unga i <Torget>", "Young people in Torget")]) == 1  # version 0
            assert titles.record(session=session, events=[
                event("x", "Unga i <Torget>", "Young people in Torget")]) == 0
        html = client.get(url, headers=bearer).text
        assert "Unga i &lt;Torget&gt;" in html and "Gammal" not in html
        assert "Young people in Torget" in client.get(url + "&lang=en", headers=bearer).text
        # (the switch to English is remembered: back to Swedish by the switch)
        assert "Unga i &lt;Torget&gt;" in client.get("/indicators?lang=sv", headers=bearer).text
        english = client.get("/indicators?lang=en", headers=bearer).text
        assert "Young people in Torget" in english
    finally:
        with session_scope(factory) as session:
            session.query(IndicatorTitle).filter_by(indicator=ind).delete()


@pytest.fixture
def stand_in(db_url: str) -> Iterator[list[dict[str, Any]]]:
    """2098 and 2099, where Umeå's 2099 uses SCB's population of 2098 (2099's is not out
    yet), its five neighbours their own of 2099."""
    docs = fye_docs((2098, 2099))
    for d in docs:
        if d["area"] == "2480" and d["period"].startswith("2099"):
            d["components"]["population_year"] = 2098
    load(db_url, docs)
    yield docs
    delete(db_url, docs)


def test_the_population_card_says_the_year_of_the_population(
        client: TestClient, bearer: dict, stand_in: list[dict]) -> None:
    """The card of the population 20–64 said no year: beside "Andel …, 2099" a reader took
    it for 2099's, though SCB's figure of 2098 stood in. It says its year, and that the
    year before stands in, in both languages; a region whose members differ says both."""
    html = client.get("/fye/2480", headers=bearer).text
    assert '<div class="label">Andel av befolkningen 20–64 år, 2099</div>' in html
    assert '<div class="label">Befolkning 20–64 år, 2098</div>' in html
    assert ("Andelen räknas på befolkningen 2098: SCB:s siffra för 2099 är inte ute än."
            in html)
    english = unescape(client.get("/fye/2480", params={"lang": "en"}, headers=bearer).text)
    assert '<div class="label">Population aged 20–64, 2098</div>' in english
    assert ("The share uses the population of 2098: SCB's figure for 2099 is not out yet."
            in english)
    assert client.get("/v1/fye/2480/2099", headers=bearer).json()["population_years"] == [
        2098]

    region = client.get("/fye/umearegionen", params={"lang": "sv"}, headers=bearer).text
    assert '<div class="label">Befolkning 20–64 år, 2098 och 2099</div>' in region
    assert ("För några kommuner räknas andelen på befolkningen 2098: SCB:s siffra för 2099 "
            "är inte ute än.") in region
    region_en = unescape(client.get("/fye/umearegionen", params={"lang": "en"},
                                    headers=bearer).text)
    assert '<div class="label">Population aged 20–64, 2098 and 2099</div>' in region_en
    assert ("For some municipalities the share uses the population of 2098: SCB's figure "
            "for 2099 is not out yet.") in region_en
    assert client.get("/v1/fye/umearegionen/2099", headers=bearer).json()[
        "population_years"] == [2098, 2099]
    assert client.get("/v1/fye/2460/2099", headers=bearer).json()["population_years"] == [
        2099]
