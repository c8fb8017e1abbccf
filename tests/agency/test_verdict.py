"""One verdict: ``samstat publish --dry-run`` (asking ingest, and ``--offline``) and ingest
itself agree on every row of a hostile file, and name the FILE row and column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from samstat import publish as pub
from samstat.cli import app as cli
from tests.agency.conftest import RunningIngest

AGENCY = "forsakringskassan"
# Försäkringskassan's file: rows 2 and 11 are fine; each other row has one problem (the
# last: an integer beyond 64 bits, which in a request refuses it whole: one row's error).
HOSTILE = """\
measure,area,period,value,unit,dim_benefit,dim_sex,dim_birth_region
benefit_net_days,2480,2024-01,100,days,sickness,K,
benefit_net_days,9999,2024-01,100,days,sickness,K,
benefit_net_days,2480,2024-01,-5,days,sickness,M,
benefit_net_days,2480,2024-02,100,personer,sickness,K,
benefit_net_days,2480,2024-03,100,days,sickness,X,
benefit_net_days,2480,2024-04,100,days,sickness,F,
unemployment_rate,2480,2024-01,7.5,percent,,,_T
benefit_net_days,2480,2024-05,100,days,sickness,191212121212,
benefit_net_days,2480,2024-13,100,days,sickness,K,
benefit_net_days,2480,2024-06,100,days,sickness,M,
benefit_net_days,2480,2024-07,99999999999999999999,days,sickness,K,
"""
SDMX = """\
STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,BENEFIT,SEX,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE
dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0),I,2480,sickness,F,2024-M07,100,
dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0),I,2480,sickness,X,2024-M07,100,
dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0),A,9999,sickness,M,2024-M07,100,DAYS
dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0),R,2480,sickness,M,2024-M08,-5,
dataflow,SAMSTAT:UNEMPLOYMENT_RATE(1.0),I,2480,,,2024-M07,7.5,
dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0),I,2480,sickness,K,2024-M09,99999999999999999999,
"""
# Where each row's problem is, by file row: (field, column).
EXPECTED_CSV = {
    3: {("area", "area")}, 4: {("value", "value")}, 5: {("unit", "unit")},
    6: {("dimensions.sex", "dim_sex")}, 7: {("dimensions.sex", "dim_sex")},
    8: {("measure", "measure")}, 9: {("dimensions.sex", "dim_sex")},
    10: {("period", "period")}, 12: {("value", "value")},
}


def _verdicts(summary: dict[str, Any]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for e in summary["rejected"]:
        out.setdefault(e["row"], set()).add(e["field"])
    return out


def _cli(path: Path, ingest: RunningIngest, token: str, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["publish", "--agency", AGENCY, "--url", ingest.url,
                                      "--json", "--dry-run", "--batch-size", "3", *extra,
                                      str(path)], env={"SAMSTAT_TOKEN": token})
    assert result.exit_code in (0, 1), result.output
    assert "191212" not in result.output  # the personal number is never printed
    return json.loads(result.stdout)


def _server_alone(path: Path, ingest: RunningIngest, token: str) -> dict[int, set[str]]:
    """Ingest's own verdict, each row posted alone (dry run), without the CLI's logic."""
    _, rows = pub.read_rows(path)
    pub.complete(rows, AGENCY)
    out: dict[int, set[str]] = {}
    with httpx.Client(base_url=ingest.url, timeout=30) as http:
        for row in rows:
            response = http.post("/v1/observations", params={"dry_run": "true"},
                                 json={"observations": [row.doc]},
                                 headers={"Authorization": f"Bearer {token}"})
            assert response.status_code in (202, 403, 422), response.text
            fields = {r["field"] for r in response.json().get("rejected", [])}
            if response.status_code != 202:
                fields = fields or {""}
            if fields:
                out[row.number] = fields
    return out


@pytest.mark.integration
@pytest.mark.parametrize(("name", "text"), [("hostile.csv", HOSTILE), ("hostile.sdmx.csv", SDMX)])
def test_cli_dry_run_and_ingest_agree_on_every_row(running_ingest: RunningIngest,
                                                   tmp_path: Path, name: str,
                                                   text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    token = running_ingest.token(AGENCY)
    server = _server_alone(path, running_ingest, token)
    asked = _cli(path, running_ingest, token)
    offline = _cli(path, running_ingest, token, "--offline")
    assert asked["checked_by"] == "ingest" and offline["checked_by"] == "offline"
    # The personal number never reaches ingest from the CLI (its verdict there is the CLI's
    # own); every other row's verdict is ingest's, asked in batches of 3, or judged here.
    assert _verdicts(asked) == _verdicts(offline) == server
    assert asked["accepted"] == offline["accepted"] == len(text.splitlines()) - 1 - len(server)


@pytest.mark.integration
def test_errors_name_the_file_row_and_column(running_ingest: RunningIngest,
                                             tmp_path: Path) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    summary = _cli(path, running_ingest, running_ingest.token(AGENCY))
    got: dict[int, set[tuple[str, str]]] = {}
    for e in summary["rejected"]:
        got.setdefault(e["row"], set()).add((e["field"], e["column"]))
    assert got == EXPECTED_CSV, summary["rejected"]
    assert summary["accepted"] == 2
    # The SDMX file: SEX=F is Försäkringskassan's way of writing K (schemas/sdmx/codemap.json),
    # so only X, 9999, -5, the unemployment rate and the value beyond 64 bits are refused,
    # named by SDMX column.
    sdmx = tmp_path / "hostile.sdmx.csv"
    sdmx.write_text(SDMX, encoding="utf-8")
    summary = _cli(sdmx, running_ingest, running_ingest.token(AGENCY))
    got = {}
    for e in summary["rejected"]:
        got.setdefault(e["row"], set()).add((e["field"], e["column"]))
    assert got == {3: {("dimensions.sex", "SEX")}, 4: {("area", "REF_AREA")},
                   5: {("value", "OBS_VALUE")}, 6: {("measure", "STRUCTURE_ID")},
                   7: {("value", "OBS_VALUE")}}


def test_dry_run_never_asks_a_server_without_a_dry_run(tmp_path: Path) -> None:
    """An ingest whose OpenAPI lacks ?dry_run would STORE the batch: the CLI refuses."""
    path = tmp_path / "a.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    posted = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/openapi.json":
            return httpx.Response(200, json={"paths": {"/v1/observations": {"post": {
                "parameters": [{"name": "strict", "in": "query"}]}}}})
        posted.append(request)
        return httpx.Response(202, json={"batch_id": "b", "accepted": 1, "duplicates": 0,
                                         "rejected": []})

    _, rows = pub.read_rows(path)
    pub.complete(rows, AGENCY)
    with httpx.Client(transport=httpx.MockTransport(handler)) as client, \
            pytest.raises(pub.PublishError, match="no dry run"):
        pub.judge_rows(rows, agency=AGENCY, url="https://ingest", token="t", client=client)
    assert posted == []
