"""Red-team finding (2026-12-07, second upload round): control characters inside a number.

The gate drops the invisible characters of Unicode's category Cf (a zero-width space, a
soft hyphen) before it looks for a number, because ``880208``, one of them and ``9717``
reads 8802089717 on every screen. The control characters (category Cc: DEL, NUL, ESC,
backspace, the C1 controls) show nothing either, and were not dropped:
``"880208\\x7f9717"`` in a record passed the gate. Every value the API stores is a catalogue
code, so the record was only rejected (202, "unknown code", nothing echoed); but Kafka
dead-letters a rejected record *as sent*, and the number went to the dead-letter topic
(as the float with a fraction did before it). The upload already dropped them
(``services.ingest.upload.service._as_shown``).

Now the controls that are no line break or tab (those stay apart, docs/ingest.md) are
dropped as the Cf characters are."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from fastapi.testclient import TestClient

from samstat_kit.anonymity import contains_personal_number, is_personal_number
from services.ingest.kafka_ingest import REDACTED, DeadLetter, KafkaIngest
from tests.ingest.conftest import obs

HIDDEN = ["880208\x7f9717", "880208\x009717", "8802\x1b089717", "880208\x08-9717",
          "880208\x9f9717", "88\x010208\x1f9717", "880208\x819717"]
APART = ["880208\n9717", "880208\r\n9717", "880208\t9717", "880208\x0b9717",
         "880208\x0c9717", "880208\x1e9717", "880208\x859717"]


@pytest.mark.parametrize("text", HIDDEN)
def test_a_control_character_is_dropped(text: str) -> None:
    assert is_personal_number(text)
    assert contains_personal_number({"a": [text]})
    assert contains_personal_number({text: 1})


@pytest.mark.parametrize("text", APART)
def test_a_line_break_or_a_tab_still_keeps_digits_apart(text: str) -> None:
    assert not is_personal_number(text)
    assert not contains_personal_number({"a": [text]})


def _record(text: str) -> str:
    return json.dumps(obs(dimensions={"benefit": "sickness", "sex": text}))


@pytest.mark.parametrize("text", HIDDEN[:3])
def test_the_api_refuses_it(client: TestClient, token: Any, text: str) -> None:
    r = client.post("/v1/observations?dry_run=true",
                    content='{"observations": [' + _record(text) + "]}",
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["rejected"][0]["field"] == "dimensions.sex"


@pytest.mark.parametrize("text", HIDDEN[:3])
def test_kafka_dead_letters_it_redacted(handler: tuple[KafkaIngest, list[DeadLetter]],
                                        text: str) -> None:
    ingest, sent = handler
    ingest.handle([ConsumerRecord(
        topic="unit.observations.raw.forsakringskassan", partition=0, offset=0, timestamp=0,
        timestamp_type=0, key=None, value=_record(text).encode(), checksum=None,
        serialized_key_size=0, serialized_value_size=0, headers=[])])
    assert [(d.code, d.value) for d in sent] == [("personal_number", REDACTED)]
