"""Exports as their real readers see them (a review of the exports): an indicator's SDMX-CSV
2.0 file read by sdmx1 with samstat's own structure keeps which indicator a value is (the
INDICATOR column was not in DSD_INDICATOR, so two indicators' values had the same key), and
a JSON-stat export with nothing to show is a 404 with a reason, not a cube of size 0 that
pyjstat fails on."""

from __future__ import annotations

import io
import uuid
from typing import Any

import sdmx

from .test_readmodel_data import delete, load, value_doc

SDMX2 = {"Accept": "application/vnd.sdmx.data+csv; version=2.0.0"}


def test_an_indicators_sdmx_csv2_keeps_which_indicator(client: Any, bearer: dict[str, str],
                                                       db_url: str) -> None:
    a, b = ("t_" + uuid.uuid4().hex[:12] for _ in range(2))
    docs = [value_doc(a, "2480", "2081", 160.0),
            value_doc(b, "2480", "2081", 0.5, unit="share")]
    load(db_url, docs)
    try:
        structure = sdmx.read_sdmx(io.BytesIO(client.get("/v1/sdmx/structure").content))
        flow = structure.dataflow["INDICATOR"]
        keys = []
        for ind in (a, b):
            r = client.get(f"/v1/indicators/{ind}/export.sdmx.csv", headers=bearer | SDMX2)
            assert r.status_code == 200
            msg = sdmx.read_sdmx(io.BytesIO(r.content), format="csv", structure=flow)
            (obs,) = [o for ds in msg.data for o in ds.obs]
            keys.append({k: str(v.value) for k, v in obs.key.values.items()})
        assert [k.get("INDICATOR") for k in keys] == [a, b]
    finally:
        delete(db_url, docs)


def test_an_empty_json_stat_export_is_a_404_with_a_reason(client: Any,
                                                          bearer: dict[str, str]) -> None:
    r = client.get("/v1/fye/export.json", params={"areas": "2480", "as_of": "1990-01-01"},
                   headers=bearer)
    assert r.status_code == 404 and "no full-year equivalents" in r.json()["detail"]


def test_a_value_that_cannot_be_computed_is_missing_not_normal(
        client: Any, bearer: dict[str, str], db_url: str) -> None:
    """A value whose inputs are held back (or not in) is an empty OBS_VALUE: it was written
    with OBS_STATUS A, "Normal value" (or P), where SDMX says M, missing; the structure's code
    list also lacked the statuses the observation contract allows (E, B), so an agency's file
    that used them did not validate against samstat's own structure (a red team)."""
    a = "t_" + uuid.uuid4().hex[:12]
    docs = [value_doc(a, "2480", "2081", 160.0), value_doc(a, "2480", "2082", None),
            value_doc(a, "2480", "2083", None, complete=False)]
    load(db_url, docs)
    try:
        structure = sdmx.read_sdmx(io.BytesIO(client.get("/v1/sdmx/structure").content))
        codes = {c.id for c in structure.codelist["CL_OBS_STATUS"]}
        assert {"A", "P", "E", "B", "M"} <= codes
        r = client.get(f"/v1/indicators/{a}/export.sdmx.csv", headers=bearer | SDMX2)
        msg = sdmx.read_sdmx(io.BytesIO(r.content), format="csv",
                             structure=structure.dataflow["INDICATOR"])
        status = {str(o.key.values["TIME_PERIOD"].value):
                  str(o.attached_attribute["OBS_STATUS"].value)
                  for ds in msg.data for o in ds.obs}
        assert status == {"2081": "A", "2082": "M", "2083": "M"}
        old = client.get(f"/v1/indicators/{a}/export.sdmx.csv", headers=bearer).text
        assert [line.split(",")[5] for line in old.splitlines()[1:]] == ["A", "M", "M"]
    finally:
        delete(db_url, docs)
