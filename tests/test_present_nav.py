"""The presentation kit's additions: one precision per column, and the bar linking the
services (its addresses from the environment; only on a signed-in page; leaving it out)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient
from markupsafe import Markup

from samstat_kit import present
from samstat_kit.present import formatting, nav
from samstat_kit.present.formatting import NBSP

MINUS = "\u2212"


def test_one_precision_per_column() -> None:
    assert formatting.decimals_for([150.2, -8.59, -201, 73]) == 1  # capped from 10 up
    assert formatting.decimals_for([7.9, 7.41, 0.49]) == 2  # all below 10: two
    assert formatting.decimals_for([612, 541, 71]) == 0  # whole numbers stay whole
    assert formatting.decimals_for([12.5, 3.0]) == 1
    assert formatting.decimals_for([None, float("nan")]) == 0
    assert [formatting.value(v, "months", with_unit=False, decimals=2)
            for v in (7.9, 7.41)] == ["7,90", "7,41"]
    assert formatting.change(0.49, "months", decimals=2) == f"+0,49{NBSP}månader"
    assert formatting.change(-201, "fye", unit_text="none", decimals=1) == f"{MINUS}201,0"
    # the callers that pass no decimals keep the per-value choice
    assert formatting.number(8.59) == "8,59" and formatting.number(150.24) == "150,2"
    assert formatting.value(7.41, "months") == f"7,41{NBSP}månader"
    assert formatting.value(0.124, "share", decimals=0) == f"12,4{NBSP}%"  # shares: one


def test_service_addresses_from_the_environment() -> None:
    # behind an ingress: every page on the public base URL's host
    one = nav.service_urls({"SAMSTAT_PUBLIC_BASE_URL": "https://samstat.example/"})
    assert set(one.values()) == {"https://samstat.example"}
    # each service with a host of its own
    own = nav.service_urls({"SAMSTAT_PUBLIC_BASE_URL": "https://ind.example",
                            "SAMSTAT_NOTIFY_PUBLIC_URL": "https://notify.example",
                            "SAMSTAT_INITIATIVES_PUBLIC_URL": "https://reports.example",
                            "SAMSTAT_INGEST_PUBLIC_URL": "https://upload.example",
                            "SAMSTAT_INGEST_URL": "http://127.0.0.1:8001"})
    assert own == {"indicators": "https://ind.example", "notify": "https://notify.example",
                   "initiatives": "https://reports.example", "ingest": "https://upload.example"}
    # an internal ingest address is never offered to a browser
    assert nav.service_urls({"SAMSTAT_PUBLIC_BASE_URL": "https://s.example",
                             "SAMSTAT_INGEST_URL": "http://ingest:8001"})["ingest"] == \
        "https://s.example"


def test_samstat_run_sets_every_services_public_address(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`samstat run` gives each service a loopback port and says each one's address."""
    from samstat.supervisor import _environment
    from samstat_kit.settings import KitSettings

    for service in ("PUBLIC_BASE", "NOTIFY_PUBLIC", "INITIATIVES_PUBLIC", "INGEST_PUBLIC"):
        monkeypatch.delenv(f"SAMSTAT_{service}_URL", raising=False)
    env = _environment(KitSettings(), {"ingest": 30961, "indicators": 30962,
                                       "initiatives": 30963, "notify": 30964})
    assert nav.service_urls(env) == {
        "indicators": "http://127.0.0.1:30962", "notify": "http://127.0.0.1:30964",
        "initiatives": "http://127.0.0.1:30963", "ingest": "http://127.0.0.1:30961"}


def test_the_links_name_the_current_page_in_the_readers_language() -> None:
    env = {"SAMSTAT_PUBLIC_BASE_URL": "https://s.example"}
    sv = nav.links("/fye/2480", "sv", env)
    assert [x.label for x in sv] == ["Uppföljning", "Helårsekvivalenter", "Indikatorer",
                                     "Inkorg", "Ladda upp"]
    assert [x.key for x in sv if x.current] == ["fye"]
    assert sv[1].href == "https://s.example/fye/umearegionen?lang=sv"
    en = nav.links("/inbox/12", "en", env)
    assert [x.label for x in en] == ["Follow-up", "Full-year equivalents", "Indicators",
                                     "Inbox", "Upload"]
    assert [x.key for x in en if x.current] == ["inbox"]


def _app(tmp_path: Path) -> FastAPI:
    (tmp_path / "page.html").write_text('{% extends "base.html" %}{% block main %}x'
                                        "{% endblock %}")
    pages = present.Presenter(tmp_path)
    app = FastAPI()
    present.install(app)
    out = Markup('<form method="post" action="/logout"><button>Logga ut</button></form>')

    @app.get("/signed-in")
    def signed_in(request: Request) -> Response:
        return pages.render(request, "page.html", logout=out)

    @app.get("/anonymous")
    def anonymous(request: Request) -> Response:
        return pages.render(request, "page.html")

    @app.get("/without-bar")
    def without(request: Request) -> Response:
        return pages.render(request, "page.html", logout=out, services_nav=[])

    return app


def test_the_bar_only_on_a_signed_in_page(tmp_path: Path) -> None:
    client = TestClient(_app(tmp_path))
    signed_in = client.get("/signed-in?lang=en").text
    assert '<nav class="services" aria-label="samstat&#39;s pages">' in signed_in
    assert ">Inbox</a>" in signed_in and ">Upload</a>" in signed_in
    # a sign-in page, or a template that asks for none, has no bar (as before)
    assert 'class="services"' not in client.get("/anonymous").text
    assert 'class="services"' not in client.get("/without-bar").text


@pytest.mark.parametrize("service, page", [
    ("notify", "/inbox"), ("initiatives", "/reports"), ("indicators", "/fye/umearegionen"),
    ("ingest", "/upload")])
def test_a_bare_address_leads_to_the_service_s_first_page(sqlite_url: str, service: str,
                                                          page: str) -> None:
    """A walk: "/" answered raw JSON on every service."""
    from fastapi.testclient import TestClient

    from tests.test_openapi_services import SERVICES

    if service == "ingest":
        from services.ingest.app import create_app
        from services.ingest.config import IngestSettings

        app = create_app(IngestSettings(database_url=sqlite_url))
    else:
        app = SERVICES[service](sqlite_url)
    client = TestClient(app, follow_redirects=False)
    r = client.get("/", params={"lang": "en"})
    assert r.status_code == 303 and r.headers["location"] == f"{page}?lang=en"
    assert client.get("/").headers["location"] == page
