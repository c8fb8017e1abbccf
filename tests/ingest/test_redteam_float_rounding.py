"""Red-team finding (2026-12-07, second upload round): a float whose whole part *as written*
is a personal number, but whose nearest double is not. ``8802089717.99999999999`` has more
significant digits than a double keeps: JSON readers (orjson, json) read it as
8802089718.0, and the gate read the parsed float's whole part, 8802089718, no number. The
text sent holds 8802089717 as a float's whole part, which docs/ingest.md says is refused.

* The API answered 202 with the record rejected ("value out of range"), not the 422.
* Kafka rejected the record (out of range) and dead-lettered it *as sent*: the number went
  to the dead-letter topic unredacted.
* The upload refuses the same cell (its text is scanned): the verdicts differed.

Now such a body is read again exactly (services/ingest/jsonbody.py), and a float whose
written whole part is a number reads as that whole part (samstat_kit.checks.json_float),
which the gate finds in its place; the CLI's JSON files are read so too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from fastapi.testclient import TestClient

from samstat_kit.agency_files import parse_csv, parse_json
from samstat_kit.anonymity import contains_personal_number
from samstat_kit.checks import json_float
from services.ingest.jsonbody import loads_dumped
from services.ingest.kafka_ingest import REDACTED, DeadLetter, KafkaIngest
from tests.ingest.conftest import obs

ROUNDS_AWAY = "8802089717.99999999999"  # read as 8802089718.0


def _record() -> str:
    return json.dumps(obs()).replace('"value": 31000.0', f'"value": {ROUNDS_AWAY}')


def test_the_api_refuses_it(client: TestClient, token: Any) -> None:
    r = client.post("/v1/observations?dry_run=true",
                    content='{"observations": [' + _record() + "]}",
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["rejected"][0]["field"] == "value"


def test_kafka_dead_letters_it_redacted(handler: tuple[KafkaIngest, list[DeadLetter]]) -> None:
    ingest, sent = handler
    ingest.handle([ConsumerRecord(
        topic="unit.observations.raw.forsakringskassan", partition=0, offset=0, timestamp=0,
        timestamp_type=0, key=None, value=_record().encode(), checksum=None,
        serialized_key_size=0, serialized_value_size=0, headers=[])])
    assert [(d.code, d.value) for d in sent] == [("personal_number", REDACTED)]
    assert not any(b"8802089717" in (d.value or b"") for d in sent)


@pytest.mark.parametrize("text", [ROUNDS_AWAY, "-8802089717.99999999999",
                                  "198802089717.9999999999", "8.80208971799999999999e9",
                                  "880208971799999999999e-11"])
def test_a_written_whole_part_is_read(text: str) -> None:
    doc, _ = loads_dumped(f'{{"observations": [{{"value": {text}}}]}}'.encode())
    assert contains_personal_number(doc), text
    assert contains_personal_number(parse_json(f'[{{"value": {text}}}]')[0].doc)


@pytest.mark.parametrize("text", ["0.88020897170000000001", "880208.97170000000001",
                                  "8802089718.00000000001", "12.345678901234567",
                                  "1e400", "1e-400", "31000.0"])
def test_other_floats_read_as_floats(text: str) -> None:
    assert json_float(text) == float(text)
    doc, _ = loads_dumped(f'{{"value": {text}}}'.encode())
    assert doc == {"value": float(text)} and not contains_personal_number(doc)


def test_the_check_is_linear_in_the_body() -> None:
    """A review of the fix: its first check (a regex tried at every position) took 27 s on
    a body of 40,000 "0." pairs, quadratic in the run. Now a substring test, as for the
    integers: 4,000,000 pairs (8 MB) in well under a second of work."""
    import time

    body = b'{"note": "' + b"0." * 4_000_000 + b'"}'
    started = time.process_time()
    loads_dumped(body)
    assert time.process_time() - started < 10


def test_a_dimensions_cell_of_a_csv_reads_it_so_too() -> None:
    """The CLI's reading of a CSV's ``dimensions`` JSON cell, as the API's of a body."""
    text = ("measure;area;period;value;dimensions\n"
            f'benefit_net_days;2480;2023-10;5;"{{""sex"": {ROUNDS_AWAY}}}"\n')
    assert contains_personal_number(parse_csv(text)[0].doc)
