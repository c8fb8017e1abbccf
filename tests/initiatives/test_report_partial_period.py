"""A plan year's last quarter while its months are still arriving, through the real components:
the indicators worker's pipeline computes ``fye_share`` from agency cells, its events go into
the read model (a real database), the indicators API serves it over HTTP, and the follow-up
report (the 2024 plan, seeded) reads it from there. Nothing is faked but the agencies.

A review saw "okt–dec 2024: 5,3 %, året innan 10,2 %" shortly after the demo started: a quarter
of which only one agency's months had arrived, written and compared as if it were complete.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from services.indicators.api import service as readmodel
from services.indicators.app import create_app as indicators_app
from services.indicators.config import IndicatorsSettings
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.pipeline import Pipeline
from services.initiatives.app import create_app as initiatives_app
from services.initiatives.config import InitiativesSettings
from services.initiatives.registry import service as registry
from services.initiatives.report.frame import KIT_CSS
from services.initiatives.report.pdf import find_chromium
from tests.auth.helpers import serve
from tests.conftest import migrated

MEMBERS = ("2480", "2460", "2404", "2409", "2401", "2403")
NOW = datetime(2025, 1, 20, tzinfo=UTC)
# Two sources of benefit days; per month, each a tenth of a full year for every 1,000 people.
SOURCES = (("forsakringskassan", "sickness", "K"), ("arbetsformedlingen", "unemployment", "M"))


def _cell(area: str, period: str, source: tuple[str, str, str], value: float
          ) -> dict[str, Any]:
    agency, benefit, sex = source
    return {"agency": agency, "measure": "benefit_net_days", "area": area, "period": period,
            "dimensions": {"benefit": benefit, "sex": sex}, "value": value, "revision": 1}


def _observations(missing: set[tuple[str, ...]]) -> list[dict[str, Any]]:
    """2023 and 2024 for the six members, but for the (agency, month)s in ``missing`` (of
    every member; (agency, month, member) of that one)."""
    out = [{"agency": "scb", "measure": "population", "area": a, "period": "2023",
            "dimensions": {"sex": sex, "age": "20-64"}, "value": 500, "revision": 1}
           for a in MEMBERS for sex in ("K", "M")]
    for a in MEMBERS:
        for y in (2023, 2024):
            for m in range(1, 13):
                period = f"{y}-{m:02d}"
                days = 30 if m in (4, 6, 9, 11) else 28 if m == 2 else 31
                out += [_cell(a, period, s, 50.0 * days) for s in SOURCES
                        if (s[0], period) not in missing and (s[0], period, a) not in missing]
    return out


@pytest.fixture
def report(tmp_path: Path) -> Iterator[Any]:
    """``report(missing)``: the 2024 follow-up (JSON and HTML) over the pipeline's values of
    :func:`_observations` (``missing``); a database of its own."""
    url = migrated(f"sqlite:///{tmp_path / 'partial.db'}")
    with session_scope(session_factory(url)) as s:
        registry.seed(session=s, year=2024)
        token = tokens.issue(session=s, scope="agency", agency="kommun-2480")
    with serve(indicators_app(IndicatorsSettings(database_url=url))) as base:
        yield _report_of(url, token, base)


def _report_of(url: str, token: str, base: str) -> Any:
    client = TestClient(initiatives_app(InitiativesSettings(
        database_url=url, registry_publish=False, indicators_url=base)))

    def make(missing: set[tuple[str, ...]]) -> tuple[dict[str, Any], str]:
        pipeline = Pipeline(lambda name, store={}: store.setdefault(name, {}),  # type: ignore
                            Definitions(load_catalogue()), clock=lambda: NOW)
        out = pipeline.observations([{"observations": _observations(missing)}])
        with session_scope(session_factory(url)) as s:
            readmodel.upsert_values(session=s, docs=[doc for _key, doc in out.values])
        headers = {"Authorization": f"Bearer {token}"}
        body = client.get("/v1/plans/2024/report", headers=headers)
        page = client.get("/reports/2024", headers=headers)
        assert body.status_code == page.status_code == 200, body.text
        make.english = client.get("/reports/2024?lang=en", headers=headers).text  # type: ignore
        return body.json(), page.text

    return make


def _sentence(page: str, lang: str = "sv") -> str:
    """The report's top line in ``lang``, its no-break spaces as spaces."""
    start = page.index("Helårsekvivalenter som andel" if lang == "sv" else
                       "Full-year equivalents as a share")
    return page[start:page.index("</span>", start)].replace("\xa0", " ")


def _late(agency: str, months: tuple[int, ...], year: int = 2024) -> set[tuple[str, str]]:
    return {(agency, f"{year}-{m:02d}") for m in months}


def test_a_quarter_of_one_agencys_months_is_not_that_quarters_figure(report: Any) -> None:
    # Arbetsförmedlingen's October to December have not arrived; Försäkringskassan's have.
    # The worker called 2024 and its last quarter complete (a month counted as in when any
    # agency's cell was), and the report wrote "2024: 8,7 %, året innan 10,0 % (−1,3 p.e.,
    # minskat som önskat)"; with the year not complete, "okt–dec 2024: 5,0 %, året innan
    # 10,0 %", the review's figure.
    body, page = report(_late("arbetsformedlingen", (10, 11, 12)))
    region = body["fye"][0]
    assert (region["area"], region["period"], region["share"]) == (
        "umearegionen", "2024-Q3", pytest.approx(0.1)), region
    assert region["complete"] is True
    assert region["share"] == pytest.approx(0.1) and region["year_ago_share"] == (
        pytest.approx(0.1))
    assert {r["period"] for r in body["initiatives"][0]["fye"]} == {"2024-Q3"}
    line = _sentence(page)
    assert "jul–sep 2024: <strong>10,0 %</strong>, året innan 10,0 %" in line, line
    assert "okt–dec" not in line and "Umeåregionen, 2024:" not in line


def test_a_member_behind_keeps_the_region_to_its_last_complete_period(report: Any) -> None:
    # Only Umeå's Arbetsförmedlingen figures end in September. The region read "2024", most
    # members' period, over a sum of which Umeå's part lacked a quarter of one agency.
    body, page = report({(a, p, "2480") for a, p in _late("arbetsformedlingen", (10, 11, 12))})
    region = body["fye"][0]
    assert (region["period"], region["share"]) == ("2024-Q3", pytest.approx(0.1)), region
    assert region["complete"] is True
    assert region["year_ago_share"] == pytest.approx(0.1)
    assert "jul–sep 2024" in _sentence(page)


def test_a_plan_year_with_nothing_complete_says_so_and_compares_nothing(report: Any) -> None:
    # Only Försäkringskassan's January of 2024 is in: no period of the plan year is complete.
    body, page = report(_late("forsakringskassan", tuple(range(2, 13)))
                        | _late("arbetsformedlingen", tuple(range(1, 13))))
    region = body["fye"][0]
    assert (region["period"], region["year_ago_share"], region["change_pp"],
            region["moved"]) == ("2024-01", None, None, None), region
    assert region["complete"] is False
    line = _sentence(page)
    assert "januari 2024 (ofullständig)" in line and "hittills" in line, line
    assert "året innan" not in line.replace("inte jämförd med året innan", "")
    en = _sentence(page, "en")
    assert "January 2024 (incomplete)" in en and "so far" in en, en


@pytest.mark.integration
def test_the_partial_top_line_in_chromium(report: Any, tmp_path: Path) -> None:
    """What a reader sees of a plan year with nothing complete, in both languages (the
    screenshots go to ``SAMSTAT_SCREENSHOTS`` when set, to look at)."""
    from playwright.sync_api import sync_playwright

    _body, sv = report(_late("forsakringskassan", tuple(range(2, 13)))
                       | _late("arbetsformedlingen", tuple(range(1, 13))))
    kit = f"<style>{KIT_CSS.read_text(encoding='utf-8')}</style>"
    pages = {lang: re.sub(r'<link rel="stylesheet" href="[^"]*">', lambda _m: kit, html)
             for lang, html in (("sv", sv), ("en", report.english))}
    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for lang, html in pages.items():
            page.set_content(html)
            line = page.locator("p", has_text="20–64").first
            text = line.inner_text().replace("\xa0", " ")
            if lang == "sv":
                assert "januari 2024 (ofullständig): 5,0 % hittills" in text, text
                assert "året innan 10" not in text
            else:
                assert "January 2024 (incomplete): 5.0 % so far" in text, text
                assert "a year earlier 10" not in text
            line.screenshot(path=str(shots / f"report-partial-{lang}.png"))
            page.screenshot(path=str(shots / f"report-partial-page-{lang}.png"))
        browser.close()
