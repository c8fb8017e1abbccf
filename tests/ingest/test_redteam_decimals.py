"""Red-team finding (2026-12-07): a number with a fraction. The gate read integers and
integral floats as their digits, and skipped every other float, so ``198802089717.5`` (or
``8802089717.25``) was no number to it, while the same text as a string was refused. On
Kafka the record was then rejected (value out of range) and dead-lettered as sent: the
number went to the dead-letter topic. A float's whole part is read as its digits now; its
fraction never is (``0.8802089717`` and ``880208.9717`` are values)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from fastapi.testclient import TestClient

from samstat_kit.anonymity import contains_personal_number, personal_number_field
from services.ingest.kafka_ingest import REDACTED, DeadLetter, KafkaIngest
from tests.ingest.conftest import obs

WITH_FRACTION = (198802089717.5, 8802089717.25, -8802089717.5, 8802089717.000002)
VALUES = (0.8802089717, 880208.9717, 8802089716.6, 1e300, 12.5)


@pytest.mark.parametrize("number", WITH_FRACTION)
def test_a_float_s_whole_part_is_read(number: float) -> None:
    assert contains_personal_number({"observations": [{"value": number}]}), number
    assert personal_number_field({"a": [1, {"b": number}]}) == "a.1.b"


@pytest.mark.parametrize("number", VALUES)
def test_a_fraction_is_never_read(number: float) -> None:
    assert not contains_personal_number({"value": number}), number


def _body(number: float) -> str:
    return json.dumps({"observations": [obs()]}).replace('"value": 31000.0',
                                                         f'"value": {number!r}')


def test_the_api_refuses_it(client: TestClient, token: Any) -> None:
    r = client.post("/v1/observations?dry_run=true", content=_body(WITH_FRACTION[0]),
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["rejected"][0]["field"] == "value"



def test_kafka_dead_letters_it_redacted(handler: tuple[KafkaIngest, list[DeadLetter]]) -> None:
    ingest, sent = handler
    value = _body(WITH_FRACTION[1])
    record = json.dumps(json.loads(value)["observations"][0]).encode()
    ingest.handle([ConsumerRecord(
        topic="unit.observations.raw.forsakringskassan", partition=0, offset=0, timestamp=0,
        timestamp_type=0, key=None, value=record, checksum=None, serialized_key_size=0,
        serialized_value_size=0, headers=[])])
    assert [(d.code, d.value) for d in sent] == [("personal_number", REDACTED)]
