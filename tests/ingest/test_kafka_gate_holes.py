"""Review findings on the Kafka raw topics: bytes a dead letter passes on as they came (a
value that is not JSON, a message key) hid a personal identity number from a scan that read
them as UTF-8 only: UTF-16 and UTF-32 (which json.loads itself reads), a Windows code page,
and JSON escapes (``\\u0038`` is 8 to whoever reads the value as JSON)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from services.ingest.kafka_ingest import (
    REDACTED,
    DeadLetter,
    KafkaIngest,
    _key_has_personal_number,
    _parse,
)
from tests.ingest.conftest import obs

NUMBER = "880208-9717"
TRACES = ("8802089717", "880208-9717", "9717")


def _record(value: bytes | None, key: bytes | None = None, offset: int = 0,
            headers: Any = (), topic: str = "unit.observations.raw.forsakringskassan"
            ) -> ConsumerRecord:
    return ConsumerRecord(topic=topic, partition=0, offset=offset, timestamp=0,
                          timestamp_type=0, key=key, value=value, checksum=None,
                          serialized_key_size=0, serialized_value_size=0,
                          headers=list(headers))


def _leaks(data: bytes | None) -> bool:
    """Any way the bytes could be read shows the number."""
    if not data:
        return False
    texts = [data.decode(e, "replace") for e in ("utf-8", "utf-16-le", "utf-16-be",
                                                  "utf-32-le", "utf-32-be", "cp1252")]
    texts.append(data.replace(b"\x00", b"").decode("utf-8", "replace"))
    return any(t in text for t in TRACES for text in texts)


MALFORMED = '{"note": "%s", '  # cut short: not JSON, so it would be dead-lettered as sent
HIDDEN_VALUES = {
    "UTF-16 with BOM": (MALFORMED % NUMBER).encode("utf-16"),
    "UTF-16-BE": (MALFORMED % NUMBER).encode("utf-16-be"),
    "UTF-16-LE after one stray byte": b"x" + (MALFORMED % NUMBER).encode("utf-16-le"),
    "UTF-32": (MALFORMED % NUMBER).encode("utf-32"),
    "UTF-32-LE after two stray bytes": b"xy" + (MALFORMED % NUMBER).encode("utf-32-le"),
    "cp1252 en dash": (MALFORMED % "880208\u20139717").encode("cp1252"),
    "JSON escapes": (MALFORMED % "\\u00388\\u00302089717").encode(),
    "JSON escapes in UTF-16": (MALFORMED % "\\u00388\\u00302089717").encode("utf-16"),
}


@pytest.mark.parametrize("raw", HIDDEN_VALUES.values(), ids=HIDDEN_VALUES)
def test_a_malformed_value_is_scanned_as_it_could_be_read(raw: bytes) -> None:
    parsed = _parse(_record(raw))
    assert parsed.malformed and parsed.personal_field == "<raw value>"


@pytest.mark.parametrize("raw", [(MALFORMED % "x").encode(), (MALFORMED % "x").encode("utf-16"),
                                 (MALFORMED % "\\u0031\\u0032").encode(), b"\xff\xfe\x00"])
def test_a_malformed_value_without_a_number_is_only_malformed(raw: bytes) -> None:
    parsed = _parse(_record(raw))
    assert parsed.malformed and parsed.personal_field is None


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32-be"])
def test_a_key_in_another_encoding_is_scanned(encoding: str) -> None:
    key = NUMBER.encode(encoding)
    assert _key_has_personal_number(key)
    assert _parse(_record(b'{"fine": 1}', key=key)).personal_field == "<message key>"
    assert not _key_has_personal_number("order-17".encode(encoding))


def test_a_header_in_another_encoding_is_scanned() -> None:
    parsed = _parse(_record(b'{"fine": 1}', headers=[("note", NUMBER.encode("utf-16"))]))
    assert parsed.personal_field == "<message header>"



def test_nothing_of_a_hidden_number_is_dead_lettered(
        handler: tuple[KafkaIngest, list[DeadLetter]]) -> None:
    """A rejected record (an unknown area) with a UTF-16 key, and malformed values in UTF-16
    and with escapes: every letter redacted, without its key, the batch not stored."""
    ingest, sent = handler
    rejected = obs(area="9999")
    ingest.handle([
        _record(json.dumps(rejected).encode(), key=NUMBER.encode("utf-16-le")),
        _record(HIDDEN_VALUES["UTF-16 with BOM"], offset=1),
        _record(HIDDEN_VALUES["JSON escapes"], offset=2)])
    assert [(d.index, d.code) for d in sent] == [(0, "personal_number"), (1, "personal_number"),
                                                 (2, "personal_number")]
    for d in sent:
        assert d.value == REDACTED and d.key is None
        assert not any(_leaks(v) for _, v in d.headers())
