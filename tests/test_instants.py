"""``as_of`` / ``updated_after`` read one way in every service (samstat_kit.instants): a date
in any ISO form is the end of that day in Sweden, an instant names its own moment, one
without a zone is Swedish time (a review: ``/v1/cells`` read a date as the start of the day
in UTC, the indicators ``20240610`` as the start of the day and ``2024-06-10`` its end)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samstat_kit.instants import day_of, parse_instant

END_OF_10_JUNE = datetime(2024, 6, 10, 21, 59, 59, 999999, tzinfo=UTC)  # CEST is UTC+2


@pytest.mark.parametrize("text", ["2024-06-10", "20240610", "2024-W24-1", " 2024-06-10 "])
def test_every_form_of_a_date_is_the_end_of_that_day_in_sweden(text: str) -> None:
    assert parse_instant(text) == END_OF_10_JUNE


def test_winter_and_the_edges_of_the_year() -> None:
    assert parse_instant("2024-12-31") == datetime(2024, 12, 31, 22, 59, 59, 999999,
                                                   tzinfo=UTC)  # CET is UTC+1
    for edge in ("9999-12-31", "0001-01-01T00:00"):
        with pytest.raises(ValueError, match="edge"):
            parse_instant(edge)


def test_an_instant_names_its_own_moment() -> None:
    assert parse_instant("2024-06-10T08:00:00Z") == datetime(2024, 6, 10, 8, tzinfo=UTC)
    assert parse_instant("2024-06-10T10:00:00+02:00") == datetime(2024, 6, 10, 8, tzinfo=UTC)
    assert parse_instant("2024-06-10T10:00:00") == datetime(2024, 6, 10, 8, tzinfo=UTC)
    assert parse_instant("") is None and parse_instant(None) is None and \
        parse_instant("  ") is None


@pytest.mark.parametrize("text", ["juni", "2024-02-30", "2024-13-01", "<b>", "10/06/2024",
                                  "2024-06-10T25:00", "١٢٣٤-٠٦-١٠"])
def test_what_is_no_date_or_instant_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)
    assert day_of(text) is None


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5)),
                                               timezone(timedelta(hours=-7, minutes=-30))])))
def test_an_instant_written_in_any_zone_or_form_is_the_same_moment(at: datetime) -> None:
    assert parse_instant(at.isoformat()) == at.astimezone(UTC)
    assert parse_instant(at.astimezone(UTC).isoformat().replace("+00:00", "Z")) == at
    assert parse_instant(at.isoformat(sep=" ")) == at


@given(st.dates(min_value=date(1970, 1, 2), max_value=date(2999, 12, 30)))
def test_a_date_is_the_last_moment_of_its_swedish_day(day: date) -> None:
    end = parse_instant(day.isoformat())
    assert end is not None
    assert parse_instant(day.strftime("%Y%m%d")) == end
    local = end.astimezone(ZoneInfo("Europe/Stockholm"))
    assert local.date() == day and (local + timedelta(microseconds=1)).date() > day
