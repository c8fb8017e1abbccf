"""The FYE exports as real clients read them: SDMX-CSV 2.0 with sdmx1 (and the structure from
/v1/sdmx/structure) and pysdmx, JSON-stat with pyjstat, XLSX with openpyxl, the Swedish CSV
with pandas. Codes and periods are checked here (neither SDMX library validates them), and
every number against the API's own answer."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import sdmx
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pyjstat import pyjstat
from pysdmx.io import get_datasets

from .official_data import delete, load, official_docs
from .test_readmodel_data import REGION, fye_docs

YEARS = (2091, 2092)  # samstat's own figures; 2092 has 8 of 12 months in
AREAS = "2480,umearegionen,24,0000"
SDMX2 = {"Accept": "application/vnd.sdmx.data+csv; version=2.0.0"}
SDMX_PERIOD = re.compile(r"\d{4}(-S[12]|-Q[1-4]|-M(0[1-9]|1[0-2]))?")


@pytest.fixture
def data(db_url: str) -> Iterator[None]:
    docs = official_docs() + fye_docs(YEARS, REGION, last_year_months=8)
    load(db_url, docs)
    yield
    delete(db_url, docs)


def _api(client: TestClient, bearer: dict, area: str, period: str) -> dict[str, Any]:
    r = client.get(f"/v1/fye/{area}/{period}", headers=bearer)
    assert r.status_code == 200, (area, period, r.text)
    return dict(r.json())


def _float(value: Any) -> float | None:
    return None if value in ("", None) else float(value)


def _structure(client: TestClient) -> Any:
    r = client.get("/v1/sdmx/structure")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.sdmx.structure+xml")
    return sdmx.read_sdmx(io.BytesIO(r.content))


def test_structure_message_from_the_catalogue(client: TestClient) -> None:
    msg = _structure(client)
    flows = set(msg.dataflow)
    assert {"FYE", "INDICATOR", "BENEFIT_NET_DAYS", "POPULATION", "FYE_OFFICIAL"} <= flows
    fye = msg.dataflow["FYE"].structure
    assert [d.id for d in fye.dimensions.components] == [
        "FREQ", "REF_AREA", "MEASURE", "BENEFIT", "SEX", "TIME_PERIOD"]
    assert {c.id for c in msg.codelist["CL_SEX"]} == {"F", "M", "_T"}
    assert {c.id for c in msg.codelist["CL_FREQ"]} == {"A", "S", "Q", "M"}
    assert "0000" in {c.id for c in msg.codelist["CL_REF_AREA"]}
    assert {c.id for c in msg.codelist["CL_AGE"]} >= {"Y20T64"}


def test_sdmx_csv_2_reads_in_sdmx1_and_pysdmx_and_equals_the_api(
        client: TestClient, bearer: dict, data: None) -> None:
    r = client.get("/v1/fye/export.sdmx.csv", params={"areas": AREAS}, headers=bearer | SDMX2)
    assert r.status_code == 200 and "version=2.0.0" in r.headers["content-type"]
    text = r.text
    assert text.startswith("STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,")
    msg = sdmx.read_sdmx(io.BytesIO(text.encode()), format="csv",
                         structure=_structure(client).dataflow["FYE"])
    obs = [o for ds in msg.data for o in ds.obs]
    assert len(obs) == len(text.strip().splitlines()) - 1 > 100
    got = {(str(o.key["REF_AREA"].value), str(o.key["MEASURE"].value),
            str(o.key["BENEFIT"].value), str(o.key["SEX"].value),
            str(o.key["TIME_PERIOD"].value)): (_float(o.value), {
                k: v.value for k, v in o.attached_attribute.items()}) for o in obs}
    assert {k[3] for k in got} == {"F", "M", "_T"}
    assert all(SDMX_PERIOD.fullmatch(k[4]) for k in got)
    nation = _api(client, bearer, "0000", "2021")
    value, attrs = got[("0000", "FYE", "_T", "_T", "2021")]
    assert value == nation["fye"] == pytest.approx(784_018, abs=0.5)  # SCB's months' mean
    assert attrs["SOURCE"] == "scb-official"
    assert got[("0000", "FYE_SHARE", "_T", "F", "2021")][0] == pytest.approx(
        nation["share_by_sex"]["K"])
    region = _api(client, bearer, "umearegionen", "2091")
    assert got[("umearegionen", "FYE", "_T", "_T", "2091")][0] == pytest.approx(region["fye"])
    assert got[("umearegionen", "FYE", "_T", "_T", "2091")][1]["SOURCE"] == "computed"
    partial = got[("umearegionen", "FYE", "_T", "_T", "2092")][1]
    assert (partial["OBS_STATUS"], partial["MONTHS_REPORTED"], partial["MONTHS"]) == \
        ("P", "8", "12")
    # pysdmx, with the same structure: area codes must stay strings ("0000", not 0)
    structure = client.get("/v1/sdmx/structure").text
    frames = get_datasets(text, structure)
    frame = frames[0].data
    assert set(frame["REF_AREA"].astype(str)) >= {"2480", "umearegionen", "24"}
    areas = {str(a) for a in frame["REF_AREA"]}
    assert "0000" in areas or "0" in areas  # what pysdmx makes of it; ours is a string:
    assert "0000" in {line.split(",")[4] for line in text.splitlines()[1:]}


def test_sdmx_csv_1_stays_the_default_and_months_are_m_periods(
        client: TestClient, bearer: dict, data: None) -> None:
    r = client.get("/v1/fye/export.sdmx.csv", params={"areas": "2480"}, headers=bearer)
    assert r.text.startswith("DATAFLOW,") and "version=1.0.0" in r.headers["content-type"]
    r = client.get("/v1/fye/export", params={"areas": "2480", "granularity": "month"},
                   headers=bearer | SDMX2)
    periods = {line.split(",")[8] for line in r.text.splitlines()[1:]}
    assert "2092-M08" in periods and all(re.fullmatch(r"\d{4}-M\d\d", p) for p in periods)
    assert {line.split(",")[3] for line in r.text.splitlines()[1:]} == {"M"}


def test_jsonstat_reads_in_pyjstat(client: TestClient, bearer: dict, data: None) -> None:
    r = client.get("/v1/fye/export", params={"areas": AREAS},
                   headers=bearer | {"Accept": "application/json"})
    assert r.status_code == 200
    doc = r.json()
    frame = pyjstat.Dataset.read(r.text).write("dataframe", naming="id")
    row = frame[(frame.area == "0000") & (frame.period == "2021") & (frame.measure == "FYE")
                & (frame.benefit == "_T") & (frame.sex == "_T")]
    assert float(row["value"].iloc[0]) == _api(client, bearer, "0000", "2021")["fye"]
    assert doc["extension"]["partial_periods"]["umearegionen|2092"] == {
        "months_reported": 8, "months": 12}
    assert "P" in doc["status"].values()


def test_xlsx_and_swedish_csv(client: TestClient, bearer: dict, data: None) -> None:
    r = client.get("/v1/fye/export.xlsx", params={"areas": AREAS}, headers=bearer)
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["Helårsekvivalenter"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True))
            for row in ws.iter_rows(min_row=2)]
    nation = next(x for x in rows if x["Områdeskod"] == "0000" and x["Period"] == "2021")
    assert nation["Helårsekvivalenter"] == pytest.approx(784_018, abs=0.5)
    assert nation["Källa"] == "SCB (officiell)"
    assert nation["Andel av befolkningen 20–64"] == pytest.approx(784_018 / 5_903_486)
    part = next(x for x in rows if x["Områdeskod"] == "umearegionen" and x["Period"] == "2092")
    assert part["Delperiod"] == "8 av 12 månader"
    whole = next(x for x in rows if x["Områdeskod"] == "umearegionen" and x["Period"] == "2091")
    assert whole["Delperiod"] in ("", None)
    assert whole["Helårsekvivalenter"] == pytest.approx(
        _api(client, bearer, "umearegionen", "2091")["fye"])
    cross = wb["Ersättning och kön"]
    assert [c.value for c in cross[1]][:5] == ["Områdeskod", "Område", "Period", "Delperiod",
                                                "Ersättning"]

    r = client.get("/v1/fye/export.sv.csv", params={"areas": AREAS}, headers=bearer)
    assert r.content.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(r.content), sep=";", decimal=",", encoding="utf-8-sig",
                        dtype={"Områdeskod": str, "Period": str})
    nation = frame[(frame["Områdeskod"] == "0000") & (frame["Period"] == "2021")].iloc[0]
    assert nation["Andel av befolkningen 20–64"] == pytest.approx(784_018 / 5_903_486)
    assert "," in r.content.decode("utf-8-sig").splitlines()[1]  # decimal comma
    assert json.dumps(frame.dtypes.astype(str).to_dict())  # parsed as a table


def test_a_sum_over_some_municipalities_says_so_in_the_spreadsheets(
        client: TestClient, bearer: dict, data: None) -> None:
    """The nation's 2091 is the sum over the six municipalities that report (SCB has no
    figure for it): the workbook and the Swedish CSV wrote it as "Riket" with "0 av 12
    månader", as if the nation's months were missing rather than 284 of its municipalities
    (a red team); they say how many municipalities it holds."""
    members = len(client.app.state.catalogue.municipalities_in("0000"))  # type: ignore[attr-defined]
    note = f"6 av {members} kommuner"
    r = client.get("/v1/fye/export.xlsx", params={"areas": AREAS}, headers=bearer)
    ws = load_workbook(io.BytesIO(r.content))["Helårsekvivalenter"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True))
            for row in ws.iter_rows(min_row=2)]
    nation = next(x for x in rows if x["Områdeskod"] == "0000" and x["Period"] == "2091")
    assert (nation["Källa"], nation["Delperiod"]) == ("samstat (beräknad)", note)
    whole = next(x for x in rows if x["Områdeskod"] == "umearegionen" and x["Period"] == "2091")
    assert whole["Delperiod"] in ("", None)
    text = client.get("/v1/fye/export.sv.csv", params={"areas": "0000"},
                      headers=bearer).content.decode("utf-8-sig")
    assert any(line.startswith("0000;Riket;2091;" + note + ";") for line in text.splitlines())


def test_a_sum_over_some_municipalities_says_so_in_sdmx_and_jsonstat(
        client: TestClient, bearer: dict, data: None) -> None:
    """SDMX and JSON-stat said MONTHS_REPORTED=0 for the nation's 2091, a sum over 6 of its
    municipalities, and marked it as a normal value (a review): they now say how many
    municipalities it holds, and that it is provisional, as the spreadsheets do."""
    members = len(client.app.state.catalogue.municipalities_in("0000"))  # type: ignore[attr-defined]
    r = client.get("/v1/fye/export.sdmx.csv", params={"areas": AREAS}, headers=bearer | SDMX2)
    msg = sdmx.read_sdmx(io.BytesIO(r.content), format="csv",
                         structure=_structure(client).dataflow["FYE"])
    got = {(str(o.key["REF_AREA"].value), str(o.key["TIME_PERIOD"].value)):
           {k: str(v.value) for k, v in o.attached_attribute.items()}
           for ds in msg.data for o in ds.obs
           if o.key["MEASURE"].value == "FYE" and o.key["SEX"].value == "_T"
           and o.key["BENEFIT"].value == "_T"}
    nation, region = got[("0000", "2091")], got[("umearegionen", "2091")]
    assert (nation["OBS_STATUS"], nation["MUNICIPALITIES_REPORTED"],
            nation["MUNICIPALITIES"]) == ("P", "6", str(members))
    assert (region["OBS_STATUS"], region["MUNICIPALITIES_REPORTED"],
            region["MUNICIPALITIES"]) == ("A", "6", "6")
    assert got[("0000", "2021")].get("MUNICIPALITIES_REPORTED") in (None, ""), got[("0000", "2021")]
    doc = client.get("/v1/fye/export", params={"areas": AREAS},
                     headers=bearer | {"Accept": "application/json"}).json()
    short = doc["extension"]["partial_areas"]
    assert short["0000|2091"] == {"municipalities_reported": 6, "municipalities": members}
    assert short["24|2091"] == {"municipalities_reported": 6, "municipalities": 15}
    assert not {"umearegionen|2091", "0000|2021"} & set(short)
    dims = doc["dimension"]
    pos = 0
    for d, size in zip(doc["id"], doc["size"], strict=True):
        code = {"area": "0000", "period": "2091", "measure": "FYE"}.get(d, "_T")
        pos = pos * size + dims[d]["category"]["index"][code]
    assert doc["status"][str(pos)] == "P"


def test_as_of_on_the_export(client: TestClient, bearer: dict, data: None) -> None:
    before = client.get("/v1/fye/export.csv",
                        params={"areas": "0000", "as_of": "2024-02-29"}, headers=bearer)
    after = client.get("/v1/fye/export.csv",
                       params={"areas": "0000", "as_of": "2024-03-01T09:00:00Z"},
                       headers=bearer)
    def periods(text: str) -> set[str]:
        return {line.split(",")[2] for line in text.splitlines()[1:]}

    # SCB's figures came on 2024-03-01 at 08:00; the region's own ones on 2024-02-23
    assert periods(before.text) == {"2091", "2092"}
    assert periods(after.text) == {str(y) for y in range(2014, 2025)} | {"2091", "2092"}


@pytest.mark.parametrize(("accept", "fmt"), [
    ("", "csv"), ("*/*", "csv"), ("application/json", "json-stat"),
    ("application/json;q=0", "csv"), ("application/json;q=0, text/csv", "csv"),
    ("application/json;q=0.2, application/vnd.openxmlformats-officedocument."
     "spreadsheetml.sheet", "xlsx"),
    ("text/csv;q=0.5, application/vnd.sdmx.data+csv;version=2.0.0;q=0.9", "sdmx-csv"),
    ("application/vnd.sdmx.data+csv; version=1.0.0", "sdmx-csv-1"),
    ("text/csv;excel=sv", "csv-sv"), ("text/csv, application/json", "csv"),
    ("application/json;q=abc, text/csv;q=0.1", "csv"), ("image/png", "csv")])
def test_the_accept_header_is_weighed(accept: str, fmt: str) -> None:
    """Quality values count, and q=0 refuses a type (RFC 9110): application/json;q=0 was
    answered with JSON-stat (a review)."""
    from services.indicators.api.fye_export import negotiate

    assert negotiate(accept) == fmt


def test_a_refused_type_is_not_sent(client: TestClient, bearer: dict, data: None) -> None:
    r = client.get("/v1/fye/export", params={"areas": "2480"},
                   headers=bearer | {"Accept": "application/json;q=0, text/csv;q=0.5"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
