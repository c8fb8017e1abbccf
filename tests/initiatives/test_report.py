"""The yearly follow-up report and the experience bank, end to end on both databases.

The indicators service is a real HTTP server (a small FastAPI app under uvicorn on a free port)
that answers the read-model API with fixed series; the registry is the seeded 2024 plan in the
shared ``db_url`` databases (removed again at the end of the module). The HTML report is
rendered by a real headless Chromium, as a PDF and as a screenshot.

What the fake indicators service says about 2024 (everything else has no data):

=====  ==========================================  ======================  ==============
 no.   indicator                                   values                  verdict
=====  ==========================================  ======================  ==============
  1    i01_ae_youth_in_torget (rise), all six       12 → 15 (year)          on track
  1    i01_ae_youth_gk_referrals (rise), Umeå       20 → 24                 on track
  2    i02_sick_case_days_to_gk (fall), Umeå        100 → 120               off track
  3    i03 review (milestone, due 2024-02-29)       1                       on track
  3    i03 part-time share (no direction), Umeå     0.31 vs 0.30            not judged
  8    i08 foreign-born share (fall), Umeå          year incomplete; H1     on track
                                                    0.42 → 0.38
 10    i10 Krami proposal (due 2024-12-31)          0 for the whole year    off track
 13    i13 SDK (due 2024-12-31)                     0 in March              not judged
 —     fye_share, six municipalities + region      12,0 % → 11,5 %         fell (wanted)
=====  ==========================================  ======================  ==============
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Header, HTTPException
from fastapi.testclient import TestClient

from samstat_kit.broker import free_port
from samstat_kit.db import session_factory, session_scope
from services.initiatives.app import create_app
from services.initiatives.config import InitiativesSettings
from services.initiatives.registry import service
from services.initiatives.registry.models import Plan
from services.initiatives.registry.schemas import InitiativeUpdate
from services.initiatives.report.pdf import chromium_flags, find_chromium, run_chromium
from tests.auth.helpers import csrf_of

from .helpers import bearer, tokens

MEMBERS = ["2480", "2460", "2404", "2409", "2401", "2403"]
Pt = dict[str, Any]


def pt(period: str, value: float | None, ago: float | None = None,
       complete: bool = True) -> Pt:
    return {"period": period, "value": value, "year_ago_value": ago, "complete": complete}


def _series() -> dict[tuple[str, str, str], list[Pt]]:
    data: dict[tuple[str, str, str], list[Pt]] = {}
    for area in MEMBERS:
        data["i01_ae_youth_in_torget", area, "year"] = [
            pt("2022", 10), pt("2023", 12, 10), pt("2024", 15, 12)]
        data["fye_share", area, "year"] = [
            pt("2022", 0.124), pt("2023", 0.120, 0.124), pt("2024", 0.115, 0.120)]
    data["i01_ae_youth_gk_referrals", "2480", "year"] = [pt("2023", 20), pt("2024", 24, 20)]
    data["i02_sick_case_days_to_gk", "2480", "year"] = [pt("2023", 100), pt("2024", 120, 100)]
    data["i03_sick_leave_pattern_review", "umearegionen", "year"] = [pt("2024", 1, 0)]
    data["i03_part_time_sick_leave_share", "2480", "year"] = [pt("2024", 0.31, 0.30)]
    # Initiative 8: the year is not complete yet, its first half is.
    def share(y: int, m: int) -> float:
        return round(0.45 - 0.004 * (12 * (y - 2023) + m), 4)

    months = [pt(f"{y}-{m:02d}", share(y, m), share(y - 1, m) if y > 2023 else None,
                 complete=(y, m) < (2024, 7))
              for y in (2023, 2024) for m in range(1, 13) if (y, m) <= (2024, 7)]
    data["i08_foreign_born_share_of_unemployed", "2480", "month"] = months
    data["i08_foreign_born_share_of_unemployed", "2480", "half"] = [
        pt("2023-H1", 0.42), pt("2023-H2", 0.41), pt("2024-H1", 0.38, 0.42),
        pt("2024-H2", 0.37, 0.41, complete=False)]
    data["i08_foreign_born_share_of_unemployed", "2480", "quarter"] = []
    data["i08_foreign_born_share_of_unemployed", "2480", "year"] = [
        pt("2023", 0.415), pt("2024", 0.375, 0.415, complete=False)]
    data["i10_krami_joint_proposal", "umearegionen", "year"] = [pt("2024", 0, None)]
    data["i13_sdk_prerequisites", "umearegionen", "year"] = [pt("2024", 0, None, False)]
    data["i13_sdk_prerequisites", "umearegionen", "month"] = [pt("2024-03", 0, None)]
    return data


FYE = {("umearegionen", "2024"): 0.115, ("umearegionen", "2023"): 0.120}


class FakeIndicators:
    """The indicators read model's HTTP API over fixed data, on a real port."""

    def __init__(self) -> None:
        self.series = _series()
        self.tokens: set[str] = set()
        self.requests = 0
        app = FastAPI()

        def seen(authorization: str | None) -> None:
            self.requests += 1
            if not authorization or not authorization.startswith("Bearer "):
                raise HTTPException(401, "missing bearer token")
            self.tokens.add(authorization.removeprefix("Bearer "))

        @app.get("/v1/indicators/{indicator}/series")
        async def series(indicator: str, area: str, granularity: str = "month",
                   authorization: str | None = Header(None)) -> dict[str, Any]:
            seen(authorization)
            return {"indicator": indicator, "area": area, "unit": "",
                    "points": self.series.get((indicator, area, granularity), [])}

        @app.get("/v1/fye/{area}/{period}")
        async def fye(area: str, period: str,
                authorization: str | None = Header(None)) -> dict[str, Any]:
            seen(authorization)
            share = FYE.get((area, period))
            if share is None:
                raise HTTPException(404, "nothing reported")
            return {"area": area, "period": period, "fye": share * 100_000,
                    "population": 100_000, "share": share, "by_benefit": {}, "by_sex": {},
                    "municipalities": MEMBERS, "complete": True}

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> FakeIndicators:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the fake indicators service did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def indicators() -> Iterator[FakeIndicators]:
    with FakeIndicators() as fake:
        yield fake


@pytest.fixture(scope="module")
def _seeded() -> Iterator[dict[str, set[str] | None]]:
    """Per database URL: the contacts the seed added, or None if 2024 was there already."""
    seeded: dict[str, set[str] | None] = {}
    yield seeded
    for url, contacts in seeded.items():
        if contacts is None:
            continue
        with session_scope(session_factory(url)) as s:
            plan = s.get(Plan, 2024)
            if plan is not None:
                plan.status = "draft"
                s.flush()
                service.delete_plan(session=s, year=2024, actor="test-cleanup")
            for agency in contacts:
                service.delete_contact(session=s, agency=agency, actor="test-cleanup")


@pytest.fixture
def plan2024(db_url: str, _seeded: dict[str, set[str] | None]) -> int:
    if db_url not in _seeded:
        with session_scope(session_factory(db_url)) as s:
            existed = s.get(Plan, 2024) is not None
            before = {c.agency for c in service.list_contacts(session=s)}
            service.seed(session=s, year=2024)
            after = {c.agency for c in service.list_contacts(session=s)}
        _seeded[db_url] = None if existed else after - before
    return 2024


@pytest.fixture
def client(db_url: str, indicators: FakeIndicators, plan2024: int) -> TestClient:
    settings = InitiativesSettings(database_url=db_url, registry_publish=False,
                                   indicators_url=indicators.url)
    return TestClient(create_app(settings))


@pytest.fixture
def token(db_url: str) -> str:
    return tokens(db_url)[1]  # an agency token: reading needs no more


def _by_number(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {i["number"]: i for i in report["initiatives"]}


def _indicator(ini: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in ini["indicators"] if i["id"] == code)


# ---------------------------------------------------------------------------------- JSON


def test_report_classifies_the_2024_initiatives(client: TestClient, token: str,
                                                indicators: FakeIndicators) -> None:
    resp = client.get("/v1/plans/2024/report", headers=bearer(token))
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["source_errors"] == []
    assert token in indicators.tokens  # the reader's own token was forwarded
    inis = _by_number(report)
    assert {n: i["verdict"] for n, i in inis.items()} == {
        1: "on_track", 2: "off_track", 3: "on_track", 4: "no_data", 5: "no_data",
        6: "no_data", 7: "no_data", 8: "on_track", 9: "no_data", 10: "off_track",
        12: "no_data", 13: "not_judged"}
    total = report["summary"]["total"]
    assert (total["initiatives"], total["not_started"], total["started"],
            total["completed"]) == (12, 0, 12, 0)
    assert (total["on_track"], total["off_track"], total["no_data"],
            total["not_judged"]) == (3, 2, 6, 1)
    ill = next(r for r in report["summary"]["by_area"] if r["key"] == "ill_health")
    assert (ill["initiatives"], ill["on_track"], ill["off_track"]) == (5, 2, 1)

    torget = _indicator(inis[1], "i01_ae_youth_in_torget")
    assert (torget["direction"], torget["verdict"], torget["areas_on_track"]) == (
        "rise", "on_track", 6)
    umea = torget["areas"][0]
    assert (umea["area"], umea["period"], umea["value"], umea["year_ago_value"],
            umea["change"], umea["moved"]) == ("2480", "2024", 15, 12, 3, "wanted")
    assert "series" not in torget  # chart data stays in the HTML

    days = _indicator(inis[2], "i02_sick_case_days_to_gk")
    assert (days["direction"], days["verdict"]) == ("fall", "off_track")
    assert days["areas"][0]["moved"] == "unwanted"

    review = _indicator(inis[3], "i03_sick_leave_pattern_review")
    assert review["areas"][0]["target_status"] == "met"
    assert _indicator(inis[3], "i03_part_time_sick_leave_share")["verdict"] == "not_judged"
    assert inis[3]["progress"]["milestones_done"] == inis[3]["progress"][
        "milestones_total"] == 1

    share = _indicator(inis[8], "i08_foreign_born_share_of_unemployed")["areas"][0]
    assert (share["period"], share["complete"], share["verdict"]) == (
        "2024-H1", True, "on_track")
    assert share["change"] == pytest.approx(-0.04)

    krami = _indicator(inis[10], "i10_krami_joint_proposal")["areas"][0]
    assert (krami["target_status"], krami["verdict"]) == ("missed", "off_track")
    sdk = _indicator(inis[13], "i13_sdk_prerequisites")["areas"][0]
    assert (sdk["period"], sdk["target_status"], sdk["verdict"]) == (
        "2024-03", "pending", "not_judged")

    # Impact beside the measured FYE change.
    assert (inis[8]["impact"], inis[10]["impact"]) == (5, None)
    region = inis[1]["fye"][0]
    assert (region["area"], region["period"], region["moved"]) == (
        "umearegionen", "2024", "wanted")
    assert region["change_pp"] == pytest.approx(-0.5)
    assert [r["area"] for r in inis[4]["fye"]] == ["2480"]  # Umeå's own initiative
    assert report["fye"][0]["share"] == pytest.approx(0.115)

    progress = inis[10]["progress"]
    assert (progress["phase"], progress["status"]) == ("started", "starting")
    assert progress["current_state_date"] == "2023-06-01"
    assert progress["current_state_outdated"] is True


def test_report_needs_a_token_and_a_plan(client: TestClient, token: str) -> None:
    assert client.get("/v1/plans/2024/report").status_code == 401
    assert client.get("/v1/plans/2024/report",
                      headers=bearer("sst_nope_nope")).status_code == 401
    assert client.get("/v1/plans/1999/report", headers=bearer(token)).status_code == 404


def test_indicators_service_down_is_reported_not_fatal(db_url: str, plan2024: int,
                                                       token: str) -> None:
    settings = InitiativesSettings(database_url=db_url, registry_publish=False,
                                   indicators_url=f"http://127.0.0.1:{free_port()}",
                                   indicators_timeout_seconds=2)
    report = TestClient(create_app(settings)).get("/v1/plans/2024/report",
                                                  headers=bearer(token)).json()
    assert report["source_errors"] and "did not answer" in report["source_errors"][0]
    assert report["summary"]["total"]["no_data"] == 12


def _copy_with_changes(db_url: str, year: int) -> None:
    """The 2024 plan copied to ``year`` and decided, with one initiative not started, one
    completed and a title that needs escaping."""
    with session_scope(session_factory(db_url)) as s:
        service.copy_plan(session=s, year=year, prev=2024, actor="test")
        service.decide_plan(session=s, year=year, actor="test")
        changes = {
            12: InitiativeUpdate(status="not_started",
                                 current_state="Ingen resurs är avsatt ännu."),
            13: InitiativeUpdate(status="completed"),
            4: InitiativeUpdate(title="Flöden <script>alert(1)</script> & daglig verksamhet"),
        }
        for number, body in changes.items():
            service.update_initiative(session=s, number=number, year=year, body=body,
                                      actor="test", expected_version=None)


def test_summary_counts_and_the_experience_bank(client: TestClient, token: str, db_url: str,
                                                plan_year: int) -> None:
    _copy_with_changes(db_url, plan_year)
    report = client.get(f"/v1/plans/{plan_year}/report", headers=bearer(token)).json()
    total = report["summary"]["total"]
    assert (total["not_started"], total["started"], total["completed"]) == (1, 10, 1)
    assert total["no_data"] + total["not_judged"] == 12  # nothing measured in that year
    assert _by_number(report)[12]["progress"]["reason_not_started"] == (
        "Ingen resurs är avsatt ännu.")

    bank = client.get("/v1/experience-bank", headers=bearer(token))
    assert bank.status_code == 200, bank.text
    body = bank.json()
    assert {2024, plan_year} <= set(body["plan_years"])
    dims = {d["dimension"]: {g["key"]: g for g in d["groups"]} for d in body["dimensions"]}
    assert set(dims) == {"area", "feasibility", "parties"}

    def ids(group: dict[str, Any], column: str) -> set[tuple[int, int]]:
        return {(x["plan_year"], x["number"]) for x in group[column]}

    ill = dims["area"]["ill_health"]
    assert ids(ill, "worked") >= {(2024, 1), (2024, 3)}
    assert (2024, 2) in ids(ill, "did_not_work")
    assert (plan_year, 1) in ids(ill, "not_measured")
    assert ids(dims["area"]["unemployment"], "worked") >= {(2024, 8)}
    assert (2024, 10) in ids(dims["area"]["unemployment"], "did_not_work")
    fk_region = dims["parties"]["forsakringskassan+region-vasterbotten"]
    assert fk_region["label_sv"] == "FK + Regionen"
    assert ((2024, 3) in ids(fk_region, "worked")
            and (2024, 2) in ids(fk_region, "did_not_work"))
    easy_long = dims["feasibility"]["easy/long"]
    assert {(2024, 1), (2024, 3)} <= ids(easy_long, "worked")
    assert "not_assessed" in dims["feasibility"]  # initiative 10

    page = client.get("/experience-bank", headers=bearer(token))
    assert page.status_code == 200
    assert "Erfarenhetsbank" in page.text and "FK + Regionen" in page.text
    assert re.search(r'<span class="sv">\d+ rätt / \d+ fel, påverkan (\d|ej bedömd)',
                     page.text)
    assert re.search(r'<span class="en">\d+ on / \d+ off, impact (\d|not assessed)',
                     page.text)
    assert "påverkan x" not in page.text and "impact x" not in page.text

    html = client.get(f"/reports/{plan_year}", headers=bearer(token)).text
    assert "<script>" not in html
    assert "Flöden &lt;script&gt;alert(1)&lt;/script&gt; &amp; daglig" in html
    assert "Ingen resurs är avsatt ännu." in html


# --------------------------------------------------------------------------------- pages


def test_pages_send_browsers_to_login_and_accept_the_cookie(client: TestClient,
                                                            token: str) -> None:
    resp = client.get("/reports/2024", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?next=%2Freports%2F2024"
    form = client.get("/login?next=/reports/2024")
    assert form.status_code == 200 and 'name="token"' in form.text
    csrf = {"csrf_token": csrf_of(form.text)}  # the kit's CSRF check (samstat_kit.web)

    bad = client.post("/login", data={"token": "sst_x_y", "next": "/reports/2024"} | csrf,
                      follow_redirects=False)
    assert bad.status_code == 401 and "Ogiltig" in bad.text

    ok = client.post("/login", data={"token": token, "next": "/reports/2024"} | csrf,
                     follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/reports/2024"
    cookie = ok.headers["set-cookie"]
    assert cookie.startswith("samstat_token=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()

    page = client.get("/reports/2024")  # the client keeps the cookie
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    index = client.get("/reports")
    assert index.status_code == 200 and 'href="/v1/plans/2024/report"' in index.text
    # ... and the JSON it links to opens for the signed-in browser (it said "missing bearer
    # token"), as the indicators' downloads do
    data = client.get("/v1/plans/2024/report")
    assert data.status_code == 200 and data.json()["plan_year"] == 2024
    # kept by no cache, as the pages are (it answers a browser's cookie)
    assert data.headers["cache-control"] == "private, no-store"
    assert client.get("/v1/experience-bank").headers["cache-control"] == "private, no-store"

    csrf = {"csrf_token": csrf_of(page.text)}  # a sign-in renews the browser's token
    evil = client.post("/login", data={"token": token, "next": "//evil.example/x"} | csrf,
                       follow_redirects=False)
    assert evil.headers["location"] == "/reports"
    foreign = client.post("/login", data={"token": token} | csrf,
                          headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert foreign.status_code == 403

    # The report's own sign-out form carries the CSRF field: one click signs out.
    page = client.get("/reports/2024")  # signed in again above: its token is new
    out = client.post("/logout", data={"csrf_token": csrf_of(page.text)},
                      follow_redirects=False)
    assert out.status_code == 303 and 'samstat_token=""' in out.headers["set-cookie"]
    client.cookies.clear()
    assert client.get("/reports/2024", follow_redirects=False).status_code == 303
    assert client.get("/reports/1999", headers=bearer(token)).status_code == 404
    for path in ("/reports/abc", "/reports/-1", "/reports/2024/x"):  # the page, not JSON
        missing = client.get(path, headers=bearer(token))
        assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
        assert "ingen sådan uppföljning" in missing.text


def test_html_report_reads_as_a_board_report(client: TestClient, token: str) -> None:
    html = client.get("/reports/2024", headers=bearer(token)).text
    for text in ("Uppföljning av samverkansinitiativ 2024", "Sammanfattning",
                 "Summary", "Ej påbörjade", "Not started", "På rätt väg", "Fel riktning",
                 "1. Unga med aktivitetsersättning", "Hur långt har det kommit?",
                 "Hur framgångsrikt?", "Bedömd påverkan och uppmätt förändring",
                 "ska öka", "ska minska", "jan–jun\u00a02024"):
        assert text in html, text
    assert "11,5\u00a0%" in html and "\u22120,5\u00a0p.e." in html  # Swedish numbers
    # both languages say which way the plan wants the nation's share to go
    assert "planen vill att den ska minska" in html and "the plan wants it to fall" in html
    assert html.count("<svg") >= 6  # one chart per indicator with data
    # an impact without a score is said in words, in the overview too (it read "x")
    assert "2 av 5" in html and '<span class="sv">ej bedömd</span>' in html
    assert '<td class="num">x</td>' not in html and "x – " not in html
    # the bar linking the services, each at its public address, in the reader's language
    assert '<nav class="services" aria-label="Sidor i samstat">' in html
    assert '/reports?lang=sv" aria-current="page">Uppföljning</a>' in html
    for label in ("Helårsekvivalenter", "Indikatorer", "Inkorg", "Ladda upp"):
        assert f">{label}</a>" in html, label


@contextlib.contextmanager
def _figures(indicators: FakeIndicators, series: dict[tuple[str, str, str], list[Pt]],
             fye: dict[tuple[str, str], float]) -> Iterator[None]:
    """The fake indicators service says these figures instead, for the block."""
    kept_series, kept_fye = dict(indicators.series), dict(FYE)
    indicators.series.update(series)
    FYE.update(fye)
    try:
        yield
    finally:
        indicators.series.clear()
        indicators.series.update(kept_series)
        FYE.clear()
        FYE.update(kept_fye)


def _section(html: str, n: int) -> str:
    start = html.index(f'id="i-2024-{n}"')
    end = html.find('<section class="initiative"', start)
    return html[start:end if end > 0 else None]


def test_a_change_agrees_with_the_figures_beside_it(client: TestClient, token: str,
                                                    indicators: FakeIndicators) -> None:
    """Every change the report writes beside two figures is their difference as written: a
    board member read "100,4 → 120,2" beside "+19,7", a share "30,9 % → 31,2 %" beside
    "+0,4 p.e." and the FYE share "12,2 % → 11,9 %" beside "−0,4 p.e." (worked out from the
    unrounded values), and "11,5 % → 11,5 %" as "+0,04 p.e., ökat"; the experience bank says
    what the report says. (The plan's initiatives all work in the six municipalities, so
    their FYE share is the association's.)"""
    changed = {("i02_sick_case_days_to_gk", "2480", "year"): [
                   pt("2023", 100.44), pt("2024", 120.16, 100.44)],
               ("i03_part_time_sick_leave_share", "2480", "year"): [
                   pt("2024", 0.3124, 0.3086)]}
    with _figures(indicators, changed, {("umearegionen", "2024"): 0.1186,
                                        ("umearegionen", "2023"): 0.1224}):
        html = client.get("/reports/2024", headers=bearer(token)).text
        bank = client.get("/experience-bank", headers=bearer(token)).text
    with _figures(indicators, {}, {("umearegionen", "2024"): 0.1152,
                                   ("umearegionen", "2023"): 0.1148}):
        alike = client.get("/reports/2024", headers=bearer(token)).text
    nb, minus = "\u00a0", "\u2212"
    days = _section(html, 2)
    assert (f'<td class="num sv">120,2</td><td class="num sv">100,4</td>'
            f'<td class="num sv">+19,8 <span class=muted>(+20{nb}%)</span></td>') in days
    assert "+19,7" not in days
    part_time = _section(html, 3)
    assert (f'<td class="num sv">31,2{nb}%</td><td class="num sv">30,9{nb}%</td>'
            f'<td class="num sv">+0,3{nb}p.e.</td>') in part_time
    assert (f'<td class="num en">31.2{nb}%</td><td class="num en">30.9{nb}%</td>'
            f'<td class="num en">+0.3{nb}pp</td>') in part_time
    # the association's FYE share, in the summary and beside initiative 1
    region = f"12,2{nb}% → <strong>11,9{nb}%</strong> ({minus}0,3{nb}p.e., minskat som önskat)"
    assert region in _section(html, 1)
    assert (f"året innan 12,2{nb}% ({minus}0,3{nb}p.e., minskat som önskat)" in html
            and f"{minus}0,4{nb}p.e." not in html)
    assert f"HÅE-andel {minus}0,3{nb}p.e." in bank and f"{minus}0,4{nb}p.e." not in bank
    # two shares written alike are unchanged, not "+0,04 p.e., ökat"
    assert f"11,5{nb}% → <strong>11,5{nb}%</strong> (±0,0{nb}p.e., oförändrat)" in alike
    assert f"(±0,0{nb}p.e., oförändrat)" in alike and "p.e., ökat)" not in alike
    assert "0,04" not in alike and "0.04" not in alike


def test_a_verdict_and_the_worth_follow_the_figures_as_shown(
        client: TestClient, token: str, indicators: FakeIndicators) -> None:
    """A verdict was judged on the unrounded values: days to GK written "100,4 → 100,4"
    beside "±0,0" read "✖ Fel riktning" (100,43 against 100,41). And what the change is
    worth added the unrounded changes: six municipalities written "12,4 → 12,5" (+0,1 each)
    were worth "+0 personer", 5 700 kr (0,12 people), not the +0,6 their rows add up to.
    The verdict, the JSON and the worth follow the figures as the report writes them."""
    changed = {("i02_sick_case_days_to_gk", "2480", "year"): [
        pt("2023", 100.41), pt("2024", 100.43, 100.41)]}
    changed.update({("i01_ae_youth_in_torget", a, "year"): [
        pt("2023", 12.44), pt("2024", 12.46, 12.44)] for a in MEMBERS})
    with _figures(indicators, changed, {}):
        html = client.get("/reports/2024", headers=bearer(token)).text
        report = client.get("/v1/plans/2024/report", headers=bearer(token)).json()
    nb = "\u00a0"
    inis = _by_number(report)
    days = _indicator(inis[2], "i02_sick_case_days_to_gk")
    umea = days["areas"][0]
    assert (umea["verdict"], umea["moved"], umea["change"]) == ("on_track", "unchanged", 0)
    assert (days["verdict"], inis[2]["verdict"]) == ("on_track", "on_track")
    section = _section(html, 2)
    row = section[section.index('<tr class="area">'):]
    row = row[:row.index("</tr>")]
    assert '<td class="num sv">100,4</td><td class="num sv">100,4</td>' in row
    assert '<td class="num sv">±0,0' in row
    assert "På rätt väg" in row and "Fel riktning" not in row
    assert "oförändrat eller inom toleransen" in row

    torget = _indicator(inis[1], "i01_ae_youth_in_torget")
    assert all(a["change"] == pytest.approx(0.1) for a in torget["areas"])
    worth = inis[1]["worth"]
    assert (worth["people"], worth["annual_sek"]) == (1, 47_500)
    assert [(x["people"], x["fye"]) for x in worth["lines"]] == [(1, 0.25)]
    first = _section(html, 1)
    assert '<span class="sv">+1 person</span><span class="en">+1 person</span>' in first
    assert f"47{nb}500 kr" in first and f"5{nb}700 kr" not in first
    assert '<td class="num">+1</td>' in first
    assert '<span class="sv">+0,25</span>' in first  # the FYE, 1 person × 0,25


def test_milestones_read_as_done_or_not_by_their_date(client: TestClient, token: str) -> None:
    """A milestone was judged as a trend ("ska öka · ✖ Fel riktning") and drawn on a 0–1
    axis, with ISO dates in Swedish text."""
    html = client.get("/reports/2024", headers=bearer(token)).text

    def section(n: int) -> str:
        start = html.index(f'id="i-2024-{n}"')
        end = html.find('<section class="initiative"', start)
        return html[start:end if end > 0 else None]

    krami = section(10)
    assert "Ska vara klart senast 31 december 2024" in krami
    assert "Inte klart, skulle vara klart senast 31 december 2024" in krami
    assert "ska öka" not in krami and "Fel riktning</span></span></td>" not in krami
    assert "2024-12-31" not in krami and "<svg" not in krami  # no 0–1 trend chart
    review = section(3)
    assert "Klart under 2024" in review and '<span class="en">Done in 2024</span>' in review
    sdk = section(13)
    assert "Inte klart än, ska vara klart senast 31 december 2024" in sdk
    assert "Due by 31 December 2024" in sdk


def test_html_report_in_english_by_the_switch(client: TestClient, token: str) -> None:
    sv = client.get("/reports/2024", headers=bearer(token))
    # The kit's header and switch, as on every other service's page.
    assert ('<a class="lang" href="/reports/2024?lang=en" hreflang="en" lang="en">English</a>'
            in sv.text)
    en = client.get("/reports/2024?lang=en", headers=bearer(token))
    assert '<html lang="en">' in en.text
    assert "samstat_lang=en" in en.headers["set-cookie"]  # the next pages follow
    assert "<title>Follow-up 2024 – collaboration initiatives · samstat</title>" in en.text
    for text in ("Follow-up of the collaboration initiatives 2024", "Summary", "Not started",
                 "On track", "Off track"):
        assert f'<span class="en">{text}</span>' in en.text, text
    assert "(on track)" not in en.text and "(summary)" not in en.text  # no glosses
    # Data are in the reader's language too: periods, numbers, reasons, scores, charts.
    assert '<td class="en">Jan–Jun\u00a02024</td>' in en.text
    assert '<span class="en">12.0\u00a0% → <strong>11.5\u00a0%</strong> (-0.5\u00a0pp' in en.text
    assert '<span class="en">2 of 5</span>' in en.text
    assert '<span class="en">moved the wanted way against a year earlier</span>' in en.text
    assert ">plan year 2024</text>" in en.text and ">planår 2024</text>" in en.text
    # when it was made, in English too (it said "6 december 2026 kl. 01:30")
    made = re.search(r'generated</span> <span class="sv">[^<]+</span><span class="en">'
                     r"(\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d)</span>", en.text)
    assert made is not None and "kl." not in made.group(1)


def _chromium() -> str:
    binary = find_chromium("chromium")
    if binary is None:
        pytest.skip("no Chromium binary (Debian: apt-get install -y chromium)")
    return binary


def test_pdf(client: TestClient, token: str) -> None:
    _chromium()
    resp = client.get("/reports/2024.pdf", headers=bearer(token))
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    assert len(resp.content) > 20_000


def _within(seconds: float, fn: Any) -> Any:
    """``fn()``'s answer if it comes within ``seconds``, else None (the thread is left to end)."""
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    return out[0] if out else None


def test_pdf_beyond_the_renderers_is_503_at_once_and_the_service_keeps_answering(
        db_url: str, indicators: FakeIndicators, plan2024: int, token: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Red team: while both renderers were busy, each further PDF request waited for one in a
    thread of the pool; about 40 of them (one signed-in user) took every thread, and every
    other page of the service waited with them. Now a request that gets no renderer within a
    second or two is answered 503 with Retry-After, and holds no thread meanwhile."""
    from services.initiatives.report import pdf
    from services.initiatives.report import router as report_router

    release, rendering = threading.Event(), threading.Semaphore(0)

    def chromium(_binary: str, args: list[str], _cwd: Path, _timeout: float) -> None:
        rendering.release()  # a renderer is busy until the test lets it finish
        release.wait(60)
        out = next(a.split("=", 1)[1] for a in args if a.startswith("--print-to-pdf="))
        Path(out).write_bytes(b"%PDF-1.4 held")

    monkeypatch.setattr(pdf, "find_chromium", lambda _configured: "chromium")
    monkeypatch.setattr(pdf, "run_chromium", chromium)
    # The report is built once and then served from memory, so that the crowd below reaches
    # the renderers at once (and this test measures them, not the fake indicators service).
    built: list[Any] = []
    real_build = report_router.build_report

    async def build_once(plan: Any, client: Any) -> Any:
        if not built:
            built.append(await real_build(plan, client))
        return built[0]

    monkeypatch.setattr(report_router, "build_report", build_once)
    settings = InitiativesSettings(database_url=db_url, registry_publish=False,
                                   indicators_url=indicators.url)
    held: list[Any] = []
    more: list[tuple[Any, float]] = []

    def pdf_request() -> Any:
        return c.get("/reports/2024.pdf", headers=bearer(token))

    def timed() -> None:
        start = time.monotonic()
        answer = pdf_request()
        more.append((answer, time.monotonic() - start))

    with TestClient(create_app(settings)) as c:
        holders = [threading.Thread(target=lambda: held.append(pdf_request()), daemon=True)
                   for _ in range(pdf.MAX_PARALLEL)]
        for t in holders:
            t.start()
        try:
            for _ in holders:
                assert rendering.acquire(timeout=30), "the renderers did not start"
            crowd = [threading.Thread(target=timed, daemon=True) for _ in range(40)]
            for t in crowd:
                t.start()
            time.sleep(0.5)  # the crowd is waiting for a renderer
            # ... and another page of the service answers meanwhile
            page = _within(5, lambda: c.get("/reports", headers=bearer(token)))
            assert page is not None, "the service stalled behind the waiting PDF requests"
            assert page.status_code == 200
            deadline = time.monotonic() + 15
            for t in crowd:
                t.join(max(0.0, deadline - time.monotonic()))
            assert len(more) == 40, "PDF requests beyond the renderers were not answered"
        finally:
            release.set()
            for t in holders:
                t.join(30)
        for busy, took in more:
            assert busy.status_code == 503, busy.text[:300]
            assert took < 8, took
            assert int(busy.headers["Retry-After"]) > 0
            assert busy.headers["content-type"].startswith("text/html")
            assert busy.headers["cache-control"] == "private, no-store"
            assert "Många PDF:er skapas just nu" in busy.text
            assert "Many PDFs are being made right now" in busy.text
        assert [r.status_code for r in held] == [200] * pdf.MAX_PARALLEL
        assert all(r.content.startswith(b"%PDF") for r in held)
        # The renderers were given back: the next request gets one.
        assert pdf_request().status_code == 200
        assert rendering.acquire(timeout=1)
    # The route's 503 is documented: why, the page or the kit's error body, Retry-After.
    doc = c.app.openapi()  # type: ignore[attr-defined]
    unavailable = doc["paths"]["/reports/{year}.pdf"]["get"]["responses"]["503"]
    assert "busy" in unavailable["description"] and "Retry-After" in unavailable["headers"]
    assert set(unavailable["content"]) == {"text/html", "application/json"}


def test_screenshot_in_a_real_browser(client: TestClient, token: str, tmp_path: Path) -> None:
    binary = _chromium()
    page = tmp_path / "report.html"
    page.write_text(client.get("/reports/2024", headers=bearer(token)).text, encoding="utf-8")
    shot = tmp_path / "report.png"
    run_chromium(binary, [*chromium_flags(str(tmp_path / "profile")), "--hide-scrollbars",
                          "--window-size=1280,2200", f"--screenshot={shot}", page.as_uri()],
                 tmp_path, timeout=60)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2200)
    assert len(data) > 10_000


@pytest.mark.integration
def test_report_on_a_phone_in_chromium(client: TestClient, token: str,
                                       tmp_path: Path) -> None:
    """At 390 px the report never scrolls sideways (it was 818 px wide): a wide table scrolls
    in its own box at a width its columns read in, the experience bank's columns stack."""
    from playwright.sync_api import sync_playwright

    from services.initiatives.report.frame import KIT_CSS

    # The pages as served, with the kit's stylesheet they link put inside them (a page set
    # as content reaches no /static/).
    kit = f"<style>{KIT_CSS.read_text(encoding='utf-8')}</style>"
    report, bank = (re.sub(r'<link rel="stylesheet" href="[^"]*">', lambda _m: kit,
                           client.get(path, headers=bearer(token)).text)
                    for path in ("/reports/2024", "/experience-bank"))
    shots = Path(os.environ.get("SAMSTAT_SCREENSHOTS") or tmp_path)  # to look at
    shots.mkdir(parents=True, exist_ok=True)
    _chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        for html in (report, bank):
            page.set_content(html)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_content(report)
        widths = page.evaluate("[...document.querySelectorAll('.scroll > table:not(.overview)')]"
                               ".map(t => t.getBoundingClientRect().width)")
        assert widths and min(widths) >= 560
        # "Alla initiativ" stacks: every verdict on screen without scrolling sideways (the
        # verdict column was beyond the right edge)
        boxes = page.evaluate("[...document.querySelectorAll('table.overview td.verdict')]"
                              ".map(c => c.getBoundingClientRect())"
                              ".map(r => [r.left, r.right, r.width])")
        assert boxes and all(left >= 0 and right <= 390 and w > 0 for left, right, w in boxes)
        assert page.locator("table.overview").bounding_box()["width"] <= 390
        page.screenshot(path=str(shots / "report-390.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        header = page.locator("table.overview tr.head")
        assert header.is_visible()  # a wide screen keeps the table
        page.screenshot(path=str(shots / "report-1366.png"), full_page=True)
        browser.close()
