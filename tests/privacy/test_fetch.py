"""The stored states the attack reads (:func:`services.ingest.disclosure.service.fetcher`):
a cell of the linked table's year outside where it has anything stored is not looked up."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, insert

from samstat_kit.db import session_factory, session_scope
from services.ingest.disclosure.links import Presence, coord
from services.ingest.disclosure.models import DisclosureCell
from services.ingest.disclosure.service import fetcher
from tests.tables import empty_ingest

AGENCY, MEASURE = "arbetsformedlingen", "unemployed_persons"


@pytest.fixture
def db(sqlite_url: str) -> str:
    empty_ingest(sqlite_url)
    return sqlite_url


def test_cells_outside_the_extent_are_not_looked_up_and_the_rest_are(db: str) -> None:
    from samstat_kit.cells import cell_key

    month = coord("0114", "2023-12", {"birth_region": "_T"})
    quarter, year = month.with_period("2023-Q4"), month.with_period("2023")
    other_area, last_year = month.with_area("0115"), month.with_period("2022-12")
    factory = session_factory(db)
    with session_scope(factory) as s:
        for c in (month, last_year):
            s.execute(insert(DisclosureCell), [{
                "cell_key": cell_key(AGENCY, MEASURE, c.area, c.period, dict(c.dims)),
                "agency": AGENCY, "measure": MEASURE, "year": int(c.period[:4]),
                "area": c.area, "period": c.period, "dimensions": dict(c.dims),
                "truth": 3.0, "shown": None, "protected": True, "revision": 1}])
    asked: list[Any] = []
    with session_scope(factory) as s:
        event.listen(s.get_bind(), "before_cursor_execute",
                     lambda *a: asked.append(a[3]))
        present = Presence({"0114"}, {"2023-12"})
        coords = [month, quarter, year, other_area, last_year]
        got = fetcher(s, AGENCY, MEASURE, (2023, present))(coords)
        every = fetcher(s, AGENCY, MEASURE)(coords)
    assert set(got) == set(every) == {month, last_year}
    first = str(asked[0])  # the query with the extent: the stored cells' keys only
    assert "|2023-12|" in first and "|2022-12|" in first
    assert "|2023-Q4|" not in first and "|2023|" not in first and "|0115|" not in first
