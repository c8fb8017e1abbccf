"""The body parser hands the personal-number scan what orjson wrote to check its reading:
only when that is exactly what the scan would write itself, and never for a reading that
json had to redo."""

from __future__ import annotations

import orjson
import pytest

from samstat_kit.checks import refusal
from services.ingest import jsonbody

PERSONAL = "198802089717"  # a made-up number that passes the date and check-digit tests


@pytest.mark.parametrize("raw", [
    b'{"observations": [{"area": "2480", "value": 1.0, "dimensions": {"sex": "F"}}]}',
    b'{"a": "x\\u003ay", "b": [1, 2.5, null, true]}',
    orjson.dumps({"observations": [{"area": PERSONAL}]}),
    '{"namn": "Åsa"}'.encode(),
])
def test_the_dump_is_what_the_scan_writes(raw: bytes) -> None:
    doc, dumped = jsonbody.loads_dumped(raw)
    assert dumped == orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)
    assert refusal(doc, dumped=dumped) == refusal(doc)


@pytest.mark.parametrize("raw", [
    b'{"area": "2480", "area": "1"}',  # duplicate key: json refuses it
    b'{"value": 18446744073709551616}',  # beyond 64 bits: read exactly by json
    b'{"value": NaN}',  # orjson refuses, json reads
])
def test_no_dump_when_json_reads_again(raw: bytes) -> None:
    try:
        _doc, dumped = jsonbody.loads_dumped(raw)
    except ValueError:
        return
    assert dumped is None


def test_a_number_in_the_body_is_found_through_the_dump() -> None:
    doc, dumped = jsonbody.loads_dumped(
        orjson.dumps({"observations": [{"dimensions": {"x": PERSONAL}}]}))
    found = refusal(doc, dumped=dumped)
    assert found is not None and found.places == ("observations.0.dimensions.x",)
