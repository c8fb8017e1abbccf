"""CSV and SDMX-CSV exports of the read model, on SQLite and PostgreSQL, parsed back with csv."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from services.indicators.api import service
from services.indicators.api.export import sdmx_period
from services.indicators.domain.fye.maths import BENEFITS

from .test_readmodel_data import REGION, delete, fye_docs, load, value_doc

YEARS = (2096, 2097)


@pytest.fixture
def indicator(db_url: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    ind = "t_" + uuid.uuid4().hex[:12]
    docs = [
        value_doc(ind, "2480", "2081", 160.0, year_ago=150.0),
        value_doc(ind, "2480", "2081-H1", 70.5, year_ago=None, complete=False),
        value_doc(ind, "2480", "2081-02", 12.0, year_ago=11.0),
        value_doc(ind, "2480", "2081-01", None, year_ago=10.0, complete=False),
        value_doc(ind, "umearegionen", "2081", 400.0, year_ago=390.0,
                  computed_at="2024-03-01T09:00:00Z"),
    ]
    load(db_url, docs)
    yield ind, docs
    delete(db_url, docs)


@pytest.fixture
def fye(db_url: str) -> Iterator[list[dict[str, Any]]]:
    docs = fye_docs(YEARS)
    load(db_url, docs)
    yield docs
    delete(db_url, docs)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_indicator_csv(client: TestClient, bearer: dict, indicator: tuple) -> None:
    ind, _docs = indicator
    r = client.get(f"/v1/indicators/{ind}/export.csv", params={"area": "2480"}, headers=bearer)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert r.headers["content-disposition"] == \
        f'attachment; filename="samstat_{ind}_2480_all.csv"'
    assert r.text.startswith(
        "indicator,area,area_name,period,value,year_ago_value,unit,complete,computed_at,"
        "withdrawn\r\n")
    got = rows(r.text)
    # years first, then half-years, then months, each chronologically
    assert [g["period"] for g in got] == ["2081", "2081-H1", "2081-01", "2081-02"]
    first = got[0]
    assert first == {"indicator": ind, "area": "2480", "area_name": "Umeå", "period": "2081",
                     "value": "160", "year_ago_value": "150", "unit": "persons",
                     "complete": "true", "computed_at": "2024-02-23T09:41:07Z",
                     "withdrawn": "false"}
    assert got[1]["value"] == "70.5" and got[1]["complete"] == "false"
    assert got[2]["value"] == "" and got[2]["year_ago_value"] == "10"

    both = rows(client.get(f"/v1/indicators/{ind}/export.csv",
                           params={"area": "umearegionen,2480", "granularity": "year"},
                           headers=bearer).text)
    assert [(g["area"], g["period"]) for g in both] == [("umearegionen", "2081"),
                                                        ("2480", "2081")]
    assert both[0]["area_name"] == "Samordningsförbundet Umeåregionen"
    assert both[0]["computed_at"] == "2024-03-01T09:00:00Z"
    everything = rows(client.get(f"/v1/indicators/{ind}/export.csv", headers=bearer).text)
    assert len(everything) == 5


def test_indicator_sdmx_csv(client: TestClient, bearer: dict, indicator: tuple) -> None:
    ind, _docs = indicator
    r = client.get(f"/v1/indicators/{ind}/export.sdmx.csv", params={"area": "2480"},
                   headers=bearer)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.sdmx.data+csv; version=1.0.0")
    assert r.headers["content-disposition"].endswith('.sdmx.csv"')
    got = rows(r.text)
    assert list(got[0]) == ["DATAFLOW", "REF_AREA", "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE",
                            "OBS_STATUS", "CONF_STATUS"]
    assert {g["DATAFLOW"] for g in got} == {f"SAMSTAT:{ind.upper()}(1.0)"}
    by_period = {g["TIME_PERIOD"]: g for g in got}
    assert set(by_period) == {"2081", "2081-S1", "2081-01", "2081-02"}
    assert by_period["2081"] == {
        "DATAFLOW": f"SAMSTAT:{ind.upper()}(1.0)", "REF_AREA": "2480", "TIME_PERIOD": "2081",
        "OBS_VALUE": "160", "UNIT_MEASURE": "PERSONS", "OBS_STATUS": "A", "CONF_STATUS": "F"}
    assert by_period["2081-S1"]["OBS_STATUS"] == "P"
    assert by_period["2081-01"]["OBS_VALUE"] == ""
    assert [sdmx_period(p) for p in ("2023", "2023-H2", "2023-Q2", "2023-10")] == \
        ["2023", "2023-S2", "2023-Q2", "2023-10"]


def test_exports_need_a_token_and_known_areas(client: TestClient, bearer: dict,
                                              indicator: tuple) -> None:
    ind, _docs = indicator
    url = f"/v1/indicators/{ind}/export.csv"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer sst_nope_nope"}).status_code == 401
    assert client.get("/v1/fye/export.csv", params={"areas": "2480"}).status_code == 401
    # the cookie a browser gets from /login works too
    token = bearer["Authorization"].split()[1]
    client.cookies.set("samstat_token", token)
    assert client.get(url).status_code == 200
    client.cookies.clear()
    client.cookies.set("samstat_token", "sst_nope_nope")
    assert client.get(url).status_code == 401
    client.cookies.clear()
    assert client.get(url, params={"area": "9999"}, headers=bearer).status_code == 404
    assert client.get(url, params={"granularity": "week"}, headers=bearer).status_code == 422
    assert client.get("/v1/indicators/Bad%20Id/export.csv", headers=bearer).status_code == 422
    assert client.get("/v1/fye/export.csv", params={"areas": "2480,nowhere"},
                      headers=bearer).status_code == 404
    assert client.get("/v1/fye/export.csv", params={"areas": ","},
                      headers=bearer).status_code == 422
    # an indicator samstat does not know (neither computed nor defined): 404, not an empty
    # file as if it merely had no values yet (tests/indicators/test_unknown_indicator.py)
    unknown = client.get("/v1/indicators/t_never_computed/export.csv", headers=bearer)
    assert unknown.status_code == 404


def test_fye_csv(client: TestClient, bearer: dict, fye: list[dict]) -> None:
    r = client.get("/v1/fye/export.csv", params={"areas": "2480,umearegionen,0000",
                                                 "granularity": "year"}, headers=bearer)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == \
        'attachment; filename="samstat_fye_2480-umearegionen-0000_year.csv"'
    got = [g for g in rows(r.text) if g["period"] in {str(y) for y in YEARS}]
    header = list(rows(r.text)[0])
    assert header[:6] == ["area", "area_name", "period", "fye", "population", "share"]
    assert [f"fye_{b}" for b in BENEFITS] == header[6:12]
    assert header[12:] == ["fye_sex_K", "fye_sex_M", "municipalities_reported",
                           "municipalities", "complete", "source", "months_reported",
                           "months", "partial", "withdrawn"]
    assert [(g["area"], g["period"]) for g in got] == [
        (a, str(y)) for a in ("2480", "umearegionen", "0000") for y in YEARS]
    docs = {(d["area"], d["period"]): d for d in fye}
    umea = got[1]
    c = docs[("2480", "2097")]["components"]
    assert float(umea["fye"]) == pytest.approx(c["fye"])
    assert umea["population"] == "79021"
    assert float(umea["share"]) == pytest.approx(c["fye"] / 79021)
    assert float(umea["fye_sickness"]) == pytest.approx(c["by_benefit"]["sickness"])
    assert float(umea["fye_sex_K"]) == pytest.approx(c["by_sex"]["K"])
    assert (umea["municipalities_reported"], umea["municipalities"], umea["complete"]) == \
        ("1", "1", "true")
    region = got[3]
    members = [docs[(m, "2097")]["components"] for m in REGION]
    assert float(region["fye"]) == pytest.approx(sum(m["fye"] for m in members))
    assert float(region["share"]) == pytest.approx(
        sum(m["fye"] for m in members) / sum(m["population"] for m in members))
    assert sum(float(region[f"fye_{b}"]) for b in BENEFITS) == pytest.approx(float(region["fye"]))
    assert (region["municipalities_reported"], region["complete"]) == ("6", "true")
    nation = got[5]
    assert nation["area_name"] == "Riket" and nation["municipalities"] == "290"
    assert nation["complete"] == "false"  # six of 290 municipalities is not the nation


def test_fye_sdmx_csv(client: TestClient, bearer: dict, fye: list[dict]) -> None:
    r = client.get("/v1/fye/export.sdmx.csv", params={"areas": "umearegionen",
                                                      "granularity": "month"}, headers=bearer)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    got = [g for g in rows(r.text) if g["TIME_PERIOD"].startswith("2097-")]
    assert list(got[0]) == ["DATAFLOW", "REF_AREA", "MEASURE", "BENEFIT", "SEX", "TIME_PERIOD",
                            "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS"]
    oct_ = {(g["MEASURE"], g["BENEFIT"], g["SEX"]): g for g in got
            if g["TIME_PERIOD"] == "2097-10"}
    assert set(oct_) == ({("FYE", "_T", "_T"), ("POP_20_64", "_T", "_T"),
                          ("FYE_SHARE", "_T", "_T"), ("FYE", "_T", "F"), ("FYE", "_T", "M")}
                         | {("FYE", b, "_T") for b in BENEFITS})
    total = oct_[("FYE", "_T", "_T")]
    assert total["DATAFLOW"] == "SAMSTAT:FYE(1.0)" and total["REF_AREA"] == "umearegionen"
    assert (total["UNIT_MEASURE"], total["OBS_STATUS"], total["CONF_STATUS"]) == ("FYE", "A", "F")
    assert oct_[("POP_20_64", "_T", "_T")]["OBS_VALUE"] == "95721"
    assert float(oct_[("FYE_SHARE", "_T", "_T")]["OBS_VALUE"]) == pytest.approx(
        float(total["OBS_VALUE"]) / 95721)
    assert float(oct_[("FYE", "_T", "F")]["OBS_VALUE"]) + float(
        oct_[("FYE", "_T", "M")]["OBS_VALUE"]) == pytest.approx(float(total["OBS_VALUE"]))


def test_fye_series_agrees_with_fye(db_url: str, fye: list[dict]) -> None:
    catalogue = load_catalogue()
    with session_scope(session_factory(db_url)) as session:
        for area in ("2480", "umearegionen", "0000"):
            for granularity in ("month", "year"):
                series = [f for f in service.fye_series(session=session, catalogue=catalogue,
                                                        area=area, granularity=granularity)
                          if f.period[:4] in {str(y) for y in YEARS}]
                assert len(series) == (24 if granularity == "month" else 2)
                for f in series:
                    assert f == service.fye(session=session, catalogue=catalogue, area=area,
                                            period=f.period)
