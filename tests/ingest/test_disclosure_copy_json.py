"""Disclosure cells inserted by COPY on PostgreSQL (insert_rows(json=...)) are stored as
Core's insert stored them before, and as on SQLite: a ``past`` of None is the JSON ``null``
SQLAlchemy's JSON type writes (none_as_null is off), not SQL NULL."""

from __future__ import annotations

import pytest
from sqlalchemy import String, cast, insert, select

from samstat_kit.db import session_factory, session_scope
from services.ingest.disclosure.models import DisclosureCell
from services.ingest.observations.bulk import insert_rows


def _row(key: str, past):
    return {"cell_key": key, "agency": "a", "measure": "m", "year": 2024, "area": "0180",
            "period": "2024", "dimensions": {"sex": "K", "ålder": "0-4"}, "truth": 1.5,
            "shown": None, "protected": True, "revision": 1, "since": 12,
            "past": past}


@pytest.mark.parametrize("backend", ["sqlite_url", "postgres_url"])
def test_copy_stores_json_as_core_insert_does(request: pytest.FixtureRequest,
                                               backend: str) -> None:
    url = request.getfixturevalue(backend)
    factory = session_factory(url)
    pasts = [None, [[1.0, None, False, 1733600000000000000]]]
    with session_scope(factory) as s:
        s.execute(insert(DisclosureCell), [_row(f"core{i}", p) for i, p in enumerate(pasts)])
        insert_rows(session=s, model=DisclosureCell,
                    rows=[_row(f"copy{i}", p) for i, p in enumerate(pasts)],
                    json=("dimensions", "past"))
    with session_scope(factory) as s:
        got = {k: (d, p, n, pr) for k, d, p, n, pr in s.execute(
            select(DisclosureCell.cell_key, cast(DisclosureCell.dimensions, String),
                   cast(DisclosureCell.past, String),
                   DisclosureCell.past.is_(None), DisclosureCell.protected))}
        orm = {c.cell_key: (c.dimensions, c.past, c.protected)
               for c in s.scalars(select(DisclosureCell))}
    for i in range(len(pasts)):
        assert got[f"copy{i}"] == got[f"core{i}"], (i, got)
        assert orm[f"copy{i}"] == orm[f"core{i}"]
