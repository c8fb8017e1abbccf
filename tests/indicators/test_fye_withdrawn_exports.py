"""FYE exports with ``updated_after`` report a figure taken back since, like the indicator
exports do (a review): a reader syncing the FYE incrementally got only a header after the
inputs of Vindeln-area figure 2403/2081 were withdrawn, and so kept the withdrawn figure for
good. Each format is read here with the library its users read it with."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import sdmx
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pyjstat import pyjstat

from samstat_kit.periods import Period

from .test_readmodel_data import delete, fye_components, load, value_doc

SDMX2 = {"Accept": "application/vnd.sdmx.data+csv; version=2.0.0"}
COMPUTED, GONE, AGAIN = ("2024-02-23T09:41:07+00:00", "2024-03-01T08:00:00+00:00",
                         "2024-03-05T08:00:00+00:00")
SINCE = "2024-02-25"  # after the figures were computed, before they were taken back
AREAS = "2403,umearegionen"


def _fye(area: str, year: int, fye: float, computed_at: str = COMPUTED) -> dict[str, Any]:
    p = Period(year, 1, 12)
    return value_doc("fye_share", area, p.code, fye / 1000, unit="share",
                     components=fye_components(p, fye, 1000.0), computed_at=computed_at)


def _withdrawn(area: str, year: int) -> dict[str, Any]:
    return value_doc("fye_share", area, str(year), None, unit="share", complete=False,
                     computed_at=GONE) | {"withdrawn": True}


@pytest.fixture
def taken_back(db_url: str) -> Iterator[None]:
    """2403's 2081 withdrawn for good; its 2082 withdrawn and computed again; 2460 stays."""
    docs = [_fye("2403", 2081, 150.0), _fye("2460", 2081, 50.0), _fye("2403", 2082, 140.0)]
    load(db_url, docs)
    load(db_url, [_withdrawn("2403", 2081), _withdrawn("2403", 2082)])
    load(db_url, [_fye("2403", 2082, 145.0, computed_at=AGAIN)])
    yield
    delete(db_url, docs)


def _get(client: TestClient, bearer: dict, path: str, headers: dict | None = None,
         **params: str) -> Any:
    r = client.get(path, params={"areas": AREAS, "updated_after": SINCE, **params},
                   headers=bearer | (headers or {}))
    assert r.status_code == 200, r.text
    return r


def _csv_rows(text: str) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["area"], r["period"]): r for r in csv.DictReader(io.StringIO(text))}


def test_the_csv_reports_a_figure_taken_back(client: TestClient, bearer: dict,
                                             taken_back: None) -> None:
    text = _get(client, bearer, "/v1/fye/export.csv").text
    assert text.split("\r\n")[0].endswith(",partial,withdrawn")  # last, as for indicators
    rows = _csv_rows(text)
    gone = rows[("2403", "2081")]
    assert (gone["withdrawn"], gone["fye"], gone["share"]) == ("true", "", "")
    # withdrawn and computed again: its current value, not a withdrawal
    again = rows[("2403", "2082")]
    assert again["withdrawn"] == "false" and float(again["fye"]) == pytest.approx(145.0)
    # the region changed too (it lost 2403), though its other member's value is older
    region = rows[("umearegionen", "2081")]
    assert region["withdrawn"] == "false" and float(region["fye"]) == pytest.approx(50.0)
    # the current answer and a later sync have no such figure at all
    now = client.get("/v1/fye/export.csv", params={"areas": AREAS}, headers=bearer).text
    assert ("2403", "2081") not in _csv_rows(now)
    later = _get(client, bearer, "/v1/fye/export.csv", updated_after="2024-03-02").text
    assert set(_csv_rows(later)) == {("2403", "2082"), ("umearegionen", "2082")}
    assert client.get("/v1/fye/2403/2081", headers=bearer).status_code == 404


def test_the_history_csv_ends_a_figure_taken_back_with_its_withdrawal(
        client: TestClient, bearer: dict, taken_back: None) -> None:
    text = _get(client, bearer, "/v1/fye/export.csv", include_history="true",
                updated_after="2024-02-01").text
    versions = [(r["period"], r["fye"], r["withdrawn"], r["computed_at"][:10])
                for r in csv.DictReader(io.StringIO(text)) if r["area"] == "2403"]
    assert versions == [("2081", "150", "false", "2024-02-23"),
                        ("2081", "", "true", "2024-03-01"),
                        ("2082", "140", "false", "2024-02-23"),
                        ("2082", "", "true", "2024-03-01"),
                        ("2082", "145", "false", "2024-03-05")]


def test_sdmx_csv_2_deletes_a_figure_taken_back(client: TestClient, bearer: dict,
                                                taken_back: None) -> None:
    text = _get(client, bearer, "/v1/fye/export.sdmx.csv", SDMX2).text
    rows = list(csv.DictReader(io.StringIO(text)))
    gone = [r for r in rows if (r["REF_AREA"], r["TIME_PERIOD"]) == ("2403", "2081")]
    keys = {(r["MEASURE"], r["BENEFIT"], r["SEX"]) for r in gone}
    # every observation the figure had: totals, benefits, sexes
    assert {("FYE", "_T", "_T"), ("POP_20_64", "_T", "_T"), ("FYE_SHARE", "_T", "_T"),
            ("FYE", "sickness", "_T"), ("FYE", "_T", "F")} <= keys
    assert {(r["ACTION"], r["OBS_VALUE"], r["OBS_STATUS"]) for r in gone} == {("D", "", "")}
    again = [r for r in rows if (r["REF_AREA"], r["TIME_PERIOD"]) == ("2403", "2082")]
    assert again and {r["ACTION"] for r in again} == {"I"}
    # the same through the negotiated address, and as sdmx1 reads it with our structure
    negotiated = _get(client, bearer, "/v1/fye/export", SDMX2).text
    assert negotiated == text
    structure = sdmx.read_sdmx(io.BytesIO(client.get("/v1/sdmx/structure").content))
    msg = sdmx.read_sdmx(io.BytesIO(text.encode()), format="csv",
                         structure=structure.dataflow["FYE"])
    assert sum(len(ds.obs) for ds in msg.data) == len(rows)


def test_sdmx_csv_1_leaves_a_figure_taken_back_out(client: TestClient, bearer: dict,
                                                   taken_back: None) -> None:
    text = _get(client, bearer, "/v1/fye/export.sdmx.csv").text
    keys = {(r["REF_AREA"], r["TIME_PERIOD"]) for r in csv.DictReader(io.StringIO(text))}
    assert ("2403", "2081") not in keys  # it cannot say "deleted": never shown as current
    assert {("2403", "2082"), ("umearegionen", "2081")} <= keys


def test_json_stat_reports_a_figure_taken_back(client: TestClient, bearer: dict,
                                               taken_back: None) -> None:
    r = _get(client, bearer, "/v1/fye/export.json")
    assert json.loads(r.text)["extension"]["withdrawn"] == ["2403|2081"]
    frame = pyjstat.Dataset.read(r.text).write("dataframe", naming="id")
    total = (frame.measure == "FYE") & (frame.benefit == "_T") & (frame.sex == "_T")
    gone = frame[total & (frame.area == "2403") & (frame.period == "2081")]
    assert len(gone) == 1 and pd.isna(gone["value"].iloc[0])
    again = frame[total & (frame.area == "2403") & (frame.period == "2082")]
    assert float(again["value"].iloc[0]) == pytest.approx(145.0)


def test_the_spreadsheets_report_a_figure_taken_back(client: TestClient, bearer: dict,
                                                     taken_back: None) -> None:
    wb = load_workbook(io.BytesIO(_get(client, bearer, "/v1/fye/export.xlsx").content))
    for name, value in (("Helårsekvivalenter", "Helårsekvivalenter"),
                        ("Ersättning och kön", "Totalt")):
        ws = wb[name]
        header = [c.value for c in ws[1]]
        rows = [dict(zip(header, (c.value for c in row), strict=True))
                for row in ws.iter_rows(min_row=2)]
        gone = [x for x in rows if (x["Områdeskod"], x["Period"]) == ("2403", "2081")]
        assert gone and all(x["Tillbakadragen"] == "ja" and x[value] is None for x in gone)
        again = [x for x in rows if (x["Områdeskod"], x["Period"]) == ("2403", "2082")]
        assert again and all(x["Tillbakadragen"] in ("", None) for x in again)
    r = _get(client, bearer, "/v1/fye/export.sv.csv")
    frame = pd.read_csv(io.BytesIO(r.content), sep=";", decimal=",", encoding="utf-8-sig",
                        dtype={"Områdeskod": str, "Period": str, "Tillbakadragen": str})
    gone = frame[(frame["Områdeskod"] == "2403") & (frame["Period"] == "2081")].iloc[0]
    assert gone["Tillbakadragen"] == "ja" and pd.isna(gone["Helårsekvivalenter"])
    again = frame[(frame["Områdeskod"] == "2403") & (frame["Period"] == "2082")].iloc[0]
    assert pd.isna(again["Tillbakadragen"])
    assert again["Helårsekvivalenter"] == pytest.approx(145.0)
