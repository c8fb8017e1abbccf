"""Red-team findings (2026-12-07) on malformed input: what a clumsy agency or an attacker
sends must get a clear answer naming the record, field and reason, never a 500 and never a
reason that points somewhere else ("the database refused a value", "not valid JSON")."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

HEADER = "measure;area;period;value;dim_age;dim_benefit;dim_sex\n"
ROW = "econ_assistance_recipients;2460;2019-05;5;0-10;other;K\n"


def _upload(upload_staff: tuple[TestClient, str], data: bytes) -> Any:
    c, token = upload_staff
    return c.post("/upload", data={"csrf_token": token},
                  files={"file": ("f.csv", data, "text/csv")})


def test_a_nul_character_in_an_uploaded_cell_is_that_row_s_error(
        upload_staff: tuple[TestClient, str]) -> None:
    """A NUL byte in a CSV cell (a file half saved as UTF-16, or sent on purpose) was kept,
    and then every page of the upload answered 422 "a value in the request cannot be stored
    or searched" on PostgreSQL: the preview looks the rows' cells up in ingest's cells, and
    PostgreSQL refuses a NUL in a text parameter. The upload could be neither seen, fixed
    nor published. A cell key with a NUL cannot be in ingest (no field takes one), so the row
    is judged like any other bad row: named, with its column."""
    c, token = upload_staff
    staged = _upload(upload_staff, (HEADER + ROW + ROW.replace(";K", ";K\x00")
                                    .replace("2019-05", "2019-06")).encode())
    assert staged.status_code == 303, staged.text
    preview = c.get(staged.headers["location"])
    assert preview.status_code == 200, preview.text
    assert "rad 3" in preview.text.lower() or "row 3" in preview.text.lower()
    fixed = c.post(staged.headers["location"] + "/rows/3",
                   data={"csrf_token": token, "c6": "M\x00"})
    assert fixed.status_code in (303, 422), fixed.text
    assert c.get(staged.headers["location"]).status_code == 200
    published = c.post(staged.headers["location"] + "/publish", data={"csrf_token": token})
    assert published.status_code == 303, published.text
    after = c.get(staged.headers["location"])
    assert after.status_code == 200, after.text


# An integer of more digits than Python's int() reads (4,300): json.loads raised ValueError,
# so the API answered "body is not valid JSON" (it is valid JSON), the Kafka path "not valid
# UTF-8 JSON", and an agency's JSON file told the agency to raise sys.set_int_max_str_digits.
LONG = "1" + "0" * 5000


def test_an_integer_of_thousands_of_digits_is_named_as_out_of_range(
        client: TestClient, token: Any) -> None:
    import json

    from tests.ingest.conftest import obs

    body = json.dumps({"observations": [obs()]}).replace('"value": 31000.0',
                                                          f'"value": {LONG}')
    assert LONG in body
    r = client.post("/v1/observations?dry_run=true", content=body,
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"] == "integer out of range (beyond 64 bits) at observations.0.value"
    negative = body.replace(LONG, "-" + LONG)
    r = client.post("/v1/observations?dry_run=true", content=negative,
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": "application/json"})
    assert r.json()["detail"] == "integer out of range (beyond 64 bits) at observations.0.value"


def test_a_kafka_message_with_such_an_integer_says_so() -> None:
    import json

    from aiokafka import ConsumerRecord

    from services.ingest.kafka_ingest import _parse
    from tests.ingest.conftest import obs

    value = json.dumps(obs()).replace('"value": 31000.0', f'"value": {LONG}').encode()
    record = ConsumerRecord(topic="t", partition=0, offset=0, timestamp=0, timestamp_type=0,
                            key=None, value=value, checksum=None, serialized_key_size=0,
                            serialized_value_size=0, headers=[])
    assert _parse(record).malformed == "integer out of range (beyond 64 bits) at value"


def test_an_agency_json_file_with_such_an_integer_is_that_row_s_error() -> None:
    import json

    from samstat_kit.agency_files import parse_json
    from tests.ingest.conftest import obs

    text = json.dumps([obs(), obs()]).replace('"value": 31000.0', f'"value": {LONG}', 1)
    rows = parse_json(text)  # was PublishError: "... use sys.set_int_max_str_digits() ..."
    assert len(rows) == 2
    assert rows[1].doc["value"] == 31000.0
    assert rows[0].doc["value"] != 31000.0


DIMENSIONS = "measure;area;period;value;dimensions\necon_assistance_recipients;2460;2019-05;5;"


def test_a_dimensions_cell_nested_thousands_deep_is_that_row_s_error(
        upload_staff: tuple[TestClient, str]) -> None:
    """A CSV's ``dimensions`` cell is JSON: nested 5,000 deep, json.loads raised
    RecursionError, which only ValueError was caught for: the upload page answered 500, and
    ``samstat publish`` stopped with a traceback."""
    from samstat_kit.agency_files import parse_csv

    deep = DIMENSIONS + '"' + "[" * 5000 + "]" * 5000 + '"\n'
    rows = parse_csv(deep)
    assert len(rows) == 1 and not isinstance(rows[0].doc["dimensions"], (dict, list))
    r = _upload(upload_staff, deep.encode())
    assert r.status_code in (303, 422), r.status_code


def test_a_dimensions_cell_with_a_long_integer_reads_as_json() -> None:
    from samstat_kit.agency_files import parse_csv

    rows = parse_csv(DIMENSIONS + '"{""age"": ' + LONG + '}"\n')
    assert isinstance(rows[0].doc["dimensions"], dict)


def test_a_body_in_latin_1_is_said_to_be_no_utf_8(client: TestClient, token: Any) -> None:
    """A clumsy client sent its body in Latin-1 (``"sex": "Kvinnor", "benefit": "ohälsa"``)
    and was told "body is not valid JSON", which it is; JSON is sent in UTF-8, and the answer
    says so, where, and never repeats the bytes."""
    import json

    from tests.ingest.conftest import obs

    body = json.dumps({"observations": [obs(dimensions={"benefit": "ohälsa", "sex": "K"})]},
                      ensure_ascii=False).encode("latin-1")
    r = client.post("/v1/observations?dry_run=true", content=body,
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": "application/json"})
    assert r.status_code == 422
    detail = r.json()["detail"]
    where = body.index("ä".encode("latin-1"))
    assert "UTF-8" in detail and f"byte {where}" in detail, detail
