"""Red-team findings on ingest's gate, each a class of input that once passed or once got a
server error: on SQLite and PostgreSQL, against the real app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from samstat_kit import urlguard
from samstat_kit.anonymity import contains_personal_number, is_personal_number
from services.ingest import kafka_ingest
from tests.echo import said
from tests.ingest.conftest import obs

SECRET = "9717"  # the serial and check digit of the test number 880208-9717


def _post(client: TestClient, tok: str, body: str | bytes, query: str = "") -> Any:
    return client.post(f"/v1/observations{query}", content=body,
                       headers={"Authorization": f"Bearer {tok}",
                                "Content-Type": "application/json"})


@pytest.mark.parametrize("query", [
    "/v1/cells/history?cell_key=%00",
    "/v1/cells?measure=a%00b&area=2480",
    "/v1/cells?measure=benefit_net_days&area=1e100&period=%00",
    "/v1/cells?measure=benefit_net_days&area=2480&agency=x%00",
])
def test_a_nul_in_the_query_is_a_bad_request_not_an_outage(client: TestClient, token: Any,
                                                            query: str) -> None:
    # PostgreSQL cannot hold NUL in text: the driver's DataError once answered 503 "retry".
    r = client.get(query, headers={"Authorization": f"Bearer {token('forsakringskassan')}"})
    assert r.status_code == 422, r.text
    assert "retry" not in r.text


@pytest.mark.parametrize("number", [
    "880208–9717",  # en dash, what Excel's autocorrect makes of a hyphen
    "880208－9717",  # full-width hyphen-minus
    "880208−9717",  # minus sign
    "８８０２０８－９７１７",  # full-width digits and hyphen
    "880208 9717",  # a space
    "19880208\u00a09717",  # a no-break space
    "880208＋9717",  # full-width plus
])
def test_numbers_with_unicode_or_space_separators_are_found(number: str) -> None:
    assert is_personal_number(number)
    assert contains_personal_number({"observations": [{"area": number}]})


@pytest.mark.parametrize("text", ["2480 2023", "12 345 678", "880208 97171", "880208.9717"])
def test_ordinary_numbers_with_spaces_are_not_numbers(text: str) -> None:
    assert not is_personal_number(text)


@pytest.mark.parametrize("number", ["880208–9717", "880208 9717", "８８０２０８－９７１７"])
def test_such_a_number_is_refused_and_never_echoed(client: TestClient, token: Any,
                                                   number: str) -> None:
    body = json.dumps({"observations": [obs(area=number)]})
    r = _post(client, token("forsakringskassan"), body)
    assert r.status_code == 422, r.text
    assert SECRET not in r.text and "９７１７" not in r.text


def test_a_number_in_a_duplicate_key_is_refused(client: TestClient, token: Any) -> None:
    # JSON parsers keep the last of duplicate keys: the number was in the request all the same.
    record = json.dumps(obs()).replace('"area": "2480"', '"area": "880208-9717", "area": "2480"')
    r = _post(client, token("forsakringskassan"), '{"observations": [' + record + "]}")
    assert r.status_code == 422, r.text
    assert SECRET not in r.text


def test_duplicate_keys_are_refused_with_a_reason(client: TestClient, token: Any) -> None:
    record = json.dumps(obs()).replace('"value": 31000.0', '"value": 1.0, "value": 31000.0')
    r = _post(client, token("forsakringskassan"), '{"observations": [' + record + "]}")
    assert r.status_code == 422, r.text
    assert "duplicate" in r.json()["detail"]


@pytest.mark.parametrize("big", ["18446744073709551616", "123456789012345678901234567890",
                                 "-9223372036854775809"])
@pytest.mark.parametrize("field", ["value", "revision"])
def test_integers_beyond_64_bits_are_refused_whole(client: TestClient, token: Any, big: str,
                                                   field: str) -> None:
    # orjson reads them as floats: a value of 2**64 was once stored, rounded.
    record = json.dumps(obs(value=1, revision=1)).replace(f'"{field}": 1', f'"{field}": {big}')
    r = _post(client, token("forsakringskassan"), '{"observations": [' + record + "]}")
    assert r.status_code == 422, r.text
    assert "64 bits" in r.json()["detail"]


def _record(value: bytes, headers: tuple[tuple[str, bytes], ...] = ()) -> ConsumerRecord:
    return ConsumerRecord(topic="t.observations.raw.forsakringskassan", partition=0, offset=0,
                          timestamp=0, timestamp_type=0, key=None, value=value, checksum=None,
                          serialized_key_size=0, serialized_value_size=0, headers=headers)


def test_kafka_a_number_behind_a_duplicate_key_is_found() -> None:
    value = json.dumps(obs()).replace('"area": "2480"', '"area": "880208-9717", "area": "2480"')
    parsed = kafka_ingest._parse(_record(value.encode()))
    assert parsed.personal_field == "<raw value>"


@pytest.mark.parametrize("header", [("note", b"880208-9717"), ("880208-9717", b"x"),
                                    ("n", "８８０２０８－９７１７".encode())])
def test_kafka_a_number_in_a_message_header_is_found(header: tuple[str, bytes]) -> None:
    parsed = kafka_ingest._parse(_record(json.dumps(obs()).encode(), (header,)))
    assert parsed.personal_field == "<message header>"
    assert kafka_ingest._parse(_record(json.dumps(obs()).encode())).personal_field is None


_NOISE = st.text(alphabet="0123456789 -+.:,\"\\x\u2013\uff10\u00a0", max_size=12)
_VALUE = st.one_of(_NOISE, st.builds(
    lambda a, century, sep, b: a + century + "880208" + sep + "9717" + b, _NOISE,
    st.sampled_from(["", "19"]), st.sampled_from(["", "-", "+", " ", "\u2013", "\u00a0"]),
    _NOISE))


@given(st.lists(_VALUE, max_size=6))
@settings(max_examples=400, deadline=None)
def test_the_fast_scan_finds_what_the_rule_finds(values: list[str]) -> None:
    # The byte-level shortcut must never miss a number the plain rule sees in a value.
    expected = any(is_personal_number(v) for v in values)
    assert contains_personal_number({"observations": values}) == expected
    assert contains_personal_number({v: 1 for v in values}) == expected


@pytest.mark.parametrize("media", ["text/880208-9717", "application/x-８８０２０８－９７１７"])
def test_a_number_in_the_content_type_is_not_echoed(client: TestClient, token: Any,
                                                    media: str) -> None:
    r = client.post("/v1/observations", content=b"{}",
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": media.encode()})  # type: ignore[dict-item]
    assert r.status_code == 415
    assert SECRET not in r.text and "９７１７" not in r.text


@pytest.mark.parametrize("query", ["area=８８０２０８－９７１７".encode(),
                                   "x=٨٨٠٢٠٨٩٧١٧".encode(), b"x=880208%E2%80%939717",
                                   b"x=880208%209717", b"x=880208+9717"])
def test_a_number_in_a_query_in_any_encoding_is_found(query: bytes) -> None:
    assert urlguard.has_personal_number("/v1/cells", query)
    assert not urlguard.has_personal_number("/v1/cells", b"area=2480&period=2023-10")


@pytest.mark.parametrize("field, sent", [
    ("event_id", "19880208971740008000000000000000"),  # stored as 19880208-9717-4000-…
    ("event_id", "00000000000040008000198802089717"),  # …-198802089717
    ("revision", "01001011236"),  # parsed to 1001011236: 100101-1236
    ("revision", "1_001_011_236"),
    ("value", "198_802_089_717"),
    ("value", "1.98802089717e11"),
])
def test_a_number_that_parsing_makes_is_refused(client: TestClient, token: Any, field: str,
                                                sent: str) -> None:
    # The request's text holds no number; the record as it would be stored does.
    r = _post(client, token("forsakringskassan"), json.dumps({"observations": [
        obs(), obs(**{field: sent})]}))
    # Text is no revision or value at all (the JSON Schema's types): that record alone is
    # refused for its type. Only an event_id is still parsed into a number, which refuses
    # the whole batch. Either way nothing of the number is echoed or stored.
    whole = field == "event_id"
    assert r.status_code == (422 if whole else 202), r.text
    if whole:
        assert "personal identity number" in r.json()["detail"]
    assert [(x["index"], x["field"]) for x in r.json()["rejected"]] == [(1, field)]
    assert "9717" not in said(r.text) and "1236" not in said(r.text)
    cells = client.get("/v1/cells", params={"measure": "benefit_net_days", "area": "2480"},
                       headers={"Authorization": f"Bearer {token('forsakringskassan')}"})
    assert len(cells.json()) == (0 if whole else 1)
    assert "9717" not in said(cells.text) and "1236" not in said(cells.text)


@pytest.mark.parametrize("sep", ["\u2002", "\u2003", "\u200b", "\u00ad", "\u2060", "\t", "_",
                                 "/", "  ", "\u0660"])
@pytest.mark.parametrize("field", ["area", "unit", "measure", "agency", "period",
                                   "dimensions.sex", "dimensions.<key>"])
def test_a_sent_value_that_could_hold_a_number_is_never_echoed(
        client: TestClient, token: Any, sep: str, field: str) -> None:
    # Whether such a separator makes a personal number is the scanner's rule; an error
    # message must not depend on it: no reason repeats what could be one.
    text = "880208" + sep + "9717"
    record = obs()
    if field.startswith("dimensions."):
        dim = field.split(".")[1]
        record["dimensions"] = {"benefit": "sickness", "sex": "K"} | (
            {text: "K"} if dim == "<key>" else {dim: text})
    else:
        record[field] = text
    r = _post(client, token("forsakringskassan"), json.dumps({"observations": [record]}))
    assert r.status_code in (202, 403, 422), r.text
    assert "9717" not in said(r.text) and "٩٧١٧" not in said(r.text)


@pytest.mark.parametrize("key", ["8802089717", "880208-9717", "880208\u20029717"])
@pytest.mark.parametrize("shape", ["big", "deep"])
def test_a_shape_error_never_names_a_key_that_could_be_a_number(
        client: TestClient, token: Any, key: str, shape: str) -> None:
    inner: Any = 12345678901234567890123 if shape == "big" else 1
    if shape == "deep":
        for _ in range(40):
            inner = [inner]
    body = json.dumps({"observations": [obs()], key: inner})
    r = _post(client, token("forsakringskassan"), body)
    assert r.status_code == 422, r.text
    assert "9717" not in said(r.text)


def test_a_content_type_cut_to_length_is_not_echoed(client: TestClient, token: Any) -> None:
    media = "application/" + "a" * 40 + "19880208971799"  # 14 digits: no number in full
    r = client.post("/v1/observations", content=b"{}",
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": media})
    assert r.status_code == 415
    assert "9717" not in said(r.text)


def test_every_unicode_space_separates_and_every_invisible_character_is_dropped() -> None:
    import sys
    import unicodedata

    from samstat_kit.anonymity import INVISIBLE, SEPARATORS

    chars = [chr(i) for i in range(sys.maxunicode + 1)]
    assert [c for c in chars if unicodedata.category(c) == "Zs" and c not in SEPARATORS] == []
    assert [c for c in chars if unicodedata.category(c) == "Cf" and not INVISIBLE.match(c)] == []


@pytest.mark.parametrize("number", ["880208\u20039717", "880208\u200b9717", "8802\u00ad089717",
                                    "\u2066880208-9717\u2069", "88\ufeff0208 9717",
                                    "880208\U000e0041-9717"])
def test_a_number_with_invisible_characters_or_any_space_is_refused(
        client: TestClient, token: Any, number: str) -> None:
    assert is_personal_number(number)
    r = _post(client, token("forsakringskassan"),
              json.dumps({"observations": [obs(dimensions={"benefit": "sickness",
                                                           "sex": number})]}))
    assert r.status_code == 422, r.text
    assert SECRET not in r.text
