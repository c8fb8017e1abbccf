"""Agencies' files get one verdict, whichever way they go (an independent review):

- the real ``samstat publish`` judged rows by the JSON Schema before sending, stricter than
  ingest on some spellings (an upper-case event id, a revision as text) and looser on others
  (``$`` lets a final newline by): the dry run and the real run disagreed. Over Kafka the
  rows are now judged here by ingest's own code; over HTTP ingest judges them;
- a key or a column named twice was refused over HTTP and Kafka but kept last-wins by the
  file readers (a JSON file, a CSV header, a ``dimensions`` cell, SDMX names in two cases);
- a JSON file's integer beyond 64 bits refused its whole batch instead of its row;
- an SDMX-CSV TIME_PERIOD read full-width digits as a year that no other path accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat import publish as pub
from samstat_kit.agency_files import PublishError, read_bytes
from tests.ingest.conftest import obs

AGENCY = "forsakringskassan"
SPELLINGS = {
    "upper-case event_id": {"event_id": "3F2B8C1E-4A5D-4E6F-8A7B-9C0D1E2F3A4B"},
    "urn event_id": {"event_id": "urn:uuid:3f2b8c1e-4a5d-4e6f-8a7b-9c0d1e2f3a4b"},
    "revision as text": {"revision": "1"},
    "value as text": {"value": "31000"},
    "naive produced_at": {"produced_at": "2023-11-05T08:00:00"},
    "period newline": {"period": "2023-10\n"},
    "area newline": {"area": "2480\n"},
    "unit newline": {"unit": "days\n"},
    "code newline": {"dimensions": {"benefit": "sickness", "sex": "K\n"}},
    "full-width year": {"period": "\uff12\uff10\uff12\uff13-10"},
}


def _server_accepts(client: TestClient, tok: str, record: dict[str, Any]) -> bool:
    r = client.post("/v1/observations", params={"dry_run": "true"},
                    json={"observations": [record]}, headers={"Authorization": f"Bearer {tok}"})
    return r.status_code == 202 and r.json()["accepted"] == 1


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_the_local_verdict_is_the_servers(name: str, client: TestClient, token: Any) -> None:
    record = obs(**SPELLINGS[name])
    local = pub.check([pub.Row(1, dict(record))], AGENCY)  # what a Kafka publish checks
    offline = pub.offline_verdict([pub.Row(1, dict(record))], AGENCY)  # the dry run's
    server = _server_accepts(client, token(AGENCY), record)
    assert (not local) == (not offline) == server, (name, local, offline, server)


@pytest.mark.parametrize("name, data", [
    ("twice.json", b'[{"measure": "benefit_net_days", "area": "2480", "period": "2023-10",'
                   b' "value": 5, "dimensions": {"benefit": "sickness", "sex": "K",'
                   b' "sex": "M"}}]'),
    ("twice.csv", b"measure,area,period,value,dim_benefit,dim_sex,dim_sex\n"
                  b"benefit_net_days,2480,2023-10,5,sickness,K,M\n"),
    ("twice.csv", b"DATAFLOW,BENEFIT,SEX,sex: K\xc3\xb6n,TIME_PERIOD,OBS_VALUE,REF_AREA\n"
                  b"SAMSTAT:BENEFIT_NET_DAYS(1.0),sickness,F,M,2023-10,5,2480\n"),
])
def test_a_name_given_twice_refuses_the_file(name: str, data: bytes) -> None:
    with pytest.raises(PublishError, match="twice"):
        read_bytes(name, data)


def test_a_dimensions_cell_with_a_key_twice_is_its_rows_error() -> None:
    data = (b'measure;area;period;value;dimensions\nbenefit_net_days;2480;2023-10;5;'
            b'{"benefit":"sickness","sex":"K","sex":"M"}\n')
    _, rows = read_bytes("f.csv", data)
    pub.complete(rows, AGENCY)
    assert {e.row for e in pub.check(rows, AGENCY)} == {2}


def test_a_json_files_integer_beyond_64_bits_is_one_rows_error(
        client: TestClient, token: Any) -> None:
    good, bad = obs(), obs(dimensions={"benefit": "sickness", "sex": "M"}, revision=2**64)
    _, rows = read_bytes("batch.json", json.dumps({"observations": [good, bad]}).encode())
    pub.complete(rows, AGENCY)
    assert {e.row for e in pub.check(rows, AGENCY)} == {2}
    _, rows = read_bytes("batch.json", json.dumps({"observations": [good, bad]}).encode())
    pub.complete(rows, AGENCY)
    sent = pub.send_http(rows, url="https://testserver", token=token(AGENCY), client=client)
    assert ({e.row for e in sent.rejected}, sent.accepted) == ({2}, 1)


def test_an_sdmx_period_in_full_width_digits_is_refused_as_elsewhere() -> None:
    data = ("DATAFLOW,BENEFIT,SEX,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,REF_AREA\n"
            "SAMSTAT:BENEFIT_NET_DAYS(1.0),sickness,F,\uff12\uff10\uff12\uff13-10,5,DAYS,2480\n")
    _, rows = read_bytes("f.csv", data.encode())
    pub.complete(rows, AGENCY)
    assert [e.field for e in pub.check(rows, AGENCY)] == ["period"]


@pytest.mark.parametrize("depth", [29, 30, 40])
def test_a_json_files_row_nested_too_deep_is_one_rows_error(
        depth: int, client: TestClient, token: Any) -> None:
    """Nested past ingest's limit a record refused its whole batch (every other row of the
    file with it), while the offline dry run refused that row alone: two verdicts."""
    good, other = obs(), obs(dimensions={"benefit": "sickness", "sex": "M"})
    deep = '{"x": ' * depth + "1" + "}" * depth
    text = (f'{{"observations": [{json.dumps(good)}, {json.dumps(obs(period="2023-09"))[:-1]},'
            f' "extra": {deep}}}, {json.dumps(other)}]}}')
    _, rows = read_bytes("batch.json", text.encode())
    pub.complete(rows, AGENCY)
    assert {e.row for e in pub.offline_verdict(rows, AGENCY) + pub.check(rows, AGENCY)} == {2}
    _, rows = read_bytes("batch.json", text.encode())
    pub.complete(rows, AGENCY)
    asked = pub.judge_rows(rows, agency=AGENCY, url="https://testserver", token=token(AGENCY),
                           client=client)  # ingest's dry run
    assert (asked.checked_by, {e.row for e in asked.rejected}, asked.accepted) == \
        ("ingest", {2}, 2)


def test_a_json_file_nested_past_the_readers_recursion_is_refused_not_a_traceback() -> None:
    with pytest.raises(PublishError, match="nested"):
        read_bytes("deep.json", b"[" * 100_000 + b"]" * 100_000)
