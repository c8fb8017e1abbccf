"""The contract's ``date-time`` (``produced_at``, an alert's times) is RFC 3339 on every
Python: it was ``datetime.fromisoformat``, whose reading differs by version, so the
agencies' client on Python 3.9 refused ``2024-11-05T08:00:00.1Z`` (which the schema's own
pattern and ingest take) and Python 3.11 took ``20241105T080000Z`` and week dates."""

from __future__ import annotations

import pytest

from samstat_kit.contracts import is_rfc3339, validator

GOOD = ["2024-11-05T08:00:00Z", "2024-11-05t08:00:00z", "2024-11-05T08:00:00.1Z",
        "2024-11-05T08:00:00.1234Z", "2024-11-05T08:00:00.123456789+01:00",
        "2024-11-05T08:00:00-00:00", "2016-12-31T23:59:60Z", "2024-02-29T08:00:00+14:00"]
BAD = ["20241105T080000Z", "2024-W45-2T08:00:00Z", "2024-11-05 08:00:00Z",
       "2024-11-05T08:00Z", "2024-11-05T08Z", "2024-11-05T08:00:00", "2024-11-05T08:00:00+0100",
       "2024-11-05T08:00:00+01", "2024-11-05T08:00:00,5Z", "2023-02-29T08:00:00Z",
       "2024-11-05T24:00:00Z", "2024-11-05T08:00:00+24:00", "2024-11-05T08:00:00Z\n",
       "\uff12\uff10\uff12\uff14-11-05T08:00:00Z"]


@pytest.mark.parametrize("text", GOOD + BAD)
def test_date_time_is_rfc_3339_whatever_the_python(text: str) -> None:
    alert_time = validator("alert", 1).format_checker
    assert alert_time is not None
    assert is_rfc3339(text) is alert_time.conforms(text, "date-time") is (text in GOOD)
