"""A personal identity number in a path or query string is refused by every service before
any route reads it, and never echoed (a review found indicators' and notify's not-found
pages, the language switch and an export's error repeating it). Ingest answers with its
own body (tests/ingest/test_redteam_gate.py)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from tests.echo import said

PN = "198802089717"  # the tests' own valid number
PATHS = (f"/indicators/fye_share?area={PN}", f"/fye/{PN}", f"/indicators/{PN}",
         f"/indicators?x={PN}", f"/inbox/{PN}", "/inbox?area=880208-9717",
         f"/v1/indicators/fye_share/export.csv?area={PN}", f"/reports?lang=sv&q={PN}",
         "/indicators/fye_share?area=2480&as_of=19880208%2D9717", f"/{PN}",
         # as a whole-number parameter reads them (a review: "no plan for 8802089717")
         "/v1/plans/880208_9717/report", "/reports/08802089717", "/inbox?initiative=880208_9717",
         "/v1/plans/8802089717.0/report", "/v1/alerts?offset=%2B880208_9717")


def _app(service: str, url: str) -> FastAPI:
    if service == "indicators":
        from services.indicators.app import create_app
        from services.indicators.config import IndicatorsSettings
        return create_app(IndicatorsSettings(database_url=url))
    if service == "initiatives":
        from services.initiatives.app import create_app as initiatives
        from services.initiatives.config import InitiativesSettings
        return initiatives(InitiativesSettings(database_url=url, registry_publish=False))
    from services.notify.app import create_app as notify
    from services.notify.config import NotifySettings
    return notify(NotifySettings(database_url=url, kafka_enabled=False))


@pytest.mark.parametrize("service", ["indicators", "initiatives", "notify"])
def test_a_personal_number_in_the_url_is_refused_and_not_echoed(sqlite_url: str,
                                                                  service: str) -> None:
    with session_scope(session_factory(sqlite_url)) as s:
        token = tokens.issue(session=s, scope="agency", agency="samordningsforbundet")
    client = TestClient(_app(service, sqlite_url))  # no lifespan: no Kafka
    auth = {"Authorization": f"Bearer {token}"}
    for path in PATHS:
        r = client.get(path, headers=auth)
        assert r.status_code == 422, (path, r.status_code)
        assert "9717" not in said(r.text), path
    assert client.get("/healthz").status_code in (200, 503)  # others pass
    assert client.get("/v1/me", headers=auth).status_code == 200


@pytest.mark.parametrize("service", ["indicators", "initiatives", "notify"])
def test_numbers_and_dates_out_of_range_are_a_clear_422(sqlite_url: str, service: str) -> None:
    """A review: an integer past 64 bits (SQLite) and an instant at the calendar's edge
    (``9999-12-31`` plus a day, ``0001-01-01`` shifted to UTC) answered 500."""
    with session_scope(session_factory(sqlite_url)) as s:
        token = tokens.issue(session=s, scope="agency", agency="samordningsforbundet")
    client = TestClient(_app(service, sqlite_url), raise_server_exceptions=False)
    auth = {"Authorization": f"Bearer {token}"}
    huge = "9" * 25
    paths = {"initiatives": [f"/v1/plans/{huge}/report", f"/reports/{huge}"],
             "notify": [f"/inbox?initiative={huge}", f"/v1/alerts?offset={huge}"],
             "indicators": [f"/v1/fye/2480/2024?as_of={edge}" for edge in (
                 "9999-12-31", "0001-01-01T00:00:00", "0001-01-01T00:00:00-05:00")]
             }[service]
    for path in paths:
        r = client.get(path, headers=auth)
        assert r.status_code in (404, 422), (path, r.status_code, r.text[:200])
    if service == "indicators":  # a page says the date could not be read, and shows today's
        r = client.get("/fye/2480?as_of=0001-01-01T00:00:00", headers=auth)
        assert r.status_code == 200 and "Datumet kunde inte läsas" in r.text


def test_hex_ids_hold_no_number() -> None:
    import secrets

    from samstat_kit.anonymity import is_personal_number, new_hex_id

    drawn = iter(["ab198802089717cd", "0a1b2c3d4e5f6789"])
    real = secrets.token_hex
    try:
        secrets.token_hex = lambda _n=None: next(drawn)  # type: ignore[assignment]
        assert new_hex_id() == "0a1b2c3d4e5f6789"
    finally:
        secrets.token_hex = real
    assert not any(is_personal_number(new_hex_id()) for _ in range(2000))


def test_a_number_is_masked_where_it_is_and_every_digit_where_that_is_unclear() -> None:
    from samstat_kit.anonymity import contains_personal_number, masked

    assert masked("Ring 19880208-9717 om 2024-11") == "Ring ••••••••-•••• om 2024-11"
    assert masked("x 8\u200b80208-9717 och 12") == "x ••••••-•••• och ••"
    wide = "".join(chr(0xFF10 + int(d)) for d in "8802089717")  # full-width digits
    for hidden in ("880208\u00a09717", wide):
        assert not contains_personal_number([masked(hidden)])
