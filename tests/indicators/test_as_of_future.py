"""A page's ``?as_of=`` in the future says so, in the page's language (a black-box test:
``/fye/2460?as_of=9999-12-31`` said "the date could not be read" of a valid date), on the FYE
page and an indicator's page; a date that is no date still says that, and both show the
latest figures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.indicators.web.layout import read_as_of

from .test_readmodel_data import delete, load, value_doc

FUTURE = {"sv": "Datumet har inte kommit än", "en": "The date is in the future"}
UNREADABLE = {"sv": "Datumet kunde inte läsas", "en": "The date could not be read"}


def test_read_as_of_tells_a_future_day_from_a_bad_one() -> None:
    # 23:30 UTC on 31 December is already 1 January in Sweden: that day is today there
    now = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    assert read_as_of("2026-01-02", now) == (None, "", "future_date")
    assert read_as_of("9999-12-31", now) == (None, "", "future_date")
    assert read_as_of("2026-01-02T08:00:00Z", now) == (None, "", "future_date")
    at, shown, error = read_as_of(" 2026-01-01 ", now)
    assert at is not None and shown == "2026-01-01" and error == ""
    assert read_as_of("2024-06-10", now)[1:] == ("2024-06-10", "")
    assert read_as_of("juni", now) == (None, "", "bad_date")
    assert read_as_of("2024-02-30", now) == (None, "", "bad_date")
    assert read_as_of("", now) == (None, "", "")


@pytest.fixture
def indicator(db_url: str) -> Iterator[str]:
    ind = "t_" + uuid.uuid4().hex[:12]
    docs = [value_doc(ind, "2460", "2023", 12.0, year_ago=10.0)]
    load(db_url, docs)
    yield ind
    delete(db_url, docs)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_pages_say_a_date_is_in_the_future(client: TestClient, bearer: dict, indicator: str,
                                           lang: str) -> None:
    soon = (date.today() + timedelta(days=2)).isoformat()  # after today in Sweden too
    for page in ("/fye/2460", f"/indicators/{indicator}"):
        for when in ("9999-12-31", soon):
            r = client.get(page, params={"as_of": when, "area": "2460", "lang": lang},
                           headers=bearer)
            assert r.status_code == 200, (page, when, r.status_code)
            assert FUTURE[lang] in r.text and UNREADABLE[lang] not in r.text, (page, when)
            assert when not in r.text.split("<main")[1].split("</form>")[1]  # no "as of"
        bad = client.get(page, params={"as_of": "juni", "area": "2460", "lang": lang},
                         headers=bearer)
        assert UNREADABLE[lang] in bad.text and FUTURE[lang] not in bad.text
        fine = client.get(page, params={"as_of": "2024-06-10", "area": "2460", "lang": lang},
                          headers=bearer)
        assert FUTURE[lang] not in fine.text and UNREADABLE[lang] not in fine.text
