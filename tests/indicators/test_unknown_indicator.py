"""Every indicator-keyed route of the API answers 404 for an indicator samstat does not know
(a black-box test: ``/v1/indicators/nope/series?area=2460`` and both exports answered 200 with
no points or an empty CSV, as if the indicator merely had no values yet), while a known one
without values here (samstat's own, or one the registry defined) keeps its empty 200."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from samstat_kit.db import session_factory, session_scope
from services.indicators.api import titles
from services.indicators.api.models import IndicatorTitle

from .test_readmodel_data import delete, load, value_doc

ROUTES = ("/v1/indicators/{}/series", "/v1/indicators/{}/export.csv",
          "/v1/indicators/{}/export.sdmx.csv")


@pytest.mark.parametrize("route", ROUTES)
def test_an_unknown_indicator_is_404(client: TestClient, bearer: dict, route: str) -> None:
    ind = "nope_" + uuid.uuid4().hex[:8]
    r = client.get(route.format(ind), params={"area": "2460"}, headers=bearer)
    assert r.status_code == 404, r.text
    assert r.json() == {"detail": f"unknown indicator {ind!r}"}
    # without an area (the exports' "every area") too
    if "export" in route:
        assert client.get(route.format(ind), headers=bearer).status_code == 404
    # an unknown area is still said first, as before
    r = client.get(route.format(ind), params={"area": "9999"}, headers=bearer)
    assert r.status_code == 404 and "unknown area" in r.json()["detail"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_known_indicator_without_values_here_is_200(client: TestClient, bearer: dict,
                                                       db_url: str, route: str) -> None:
    defined = "t_" + uuid.uuid4().hex[:12]
    valued = "t_" + uuid.uuid4().hex[:12]
    docs = [value_doc(valued, "2480", "2091", 5.0)]  # values elsewhere, none for 2460
    load(db_url, docs)
    with session_scope(session_factory(db_url)) as session:
        titles.record(session=session, events=[{
            "type": "indicator.upserted", "plan_year": 2024, "version": 1,
            "indicator": {"id": defined, "title_sv": "Ny", "title_en": "New"}}])
    try:
        for ind in (defined, valued, "fye_share_official"):
            r = client.get(route.format(ind), params={"area": "2460"}, headers=bearer)
            assert r.status_code == 200, (ind, r.text)
    finally:
        delete(db_url, docs)
        with session_scope(session_factory(db_url)) as session:
            session.query(IndicatorTitle).filter_by(indicator=defined).delete()
