"""Through the read model to the indicator page: a period an agency has sent nothing for yet is
shown as provisional, and the one it has is final (the worker's rule in
test_formula_sources.py, as a reader sees it)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from services.indicators.app import create_app
from services.indicators.config import IndicatorsSettings
from tests.indicators.test_formulas import DISCHARGES, _definition, _obs, _processor, _values
from tests.indicators.test_readmodel_data import delete, load

M = "torget_discharges_to_occupation"
T = {"sex": "_T"}


@pytest.fixture
def shown(db_url: str) -> Iterator[Any]:
    ind = "t_" + uuid.uuid4().hex[:12]
    proc = _processor(_definition(ind, DISCHARGES, ["2480"]))
    loaded: list[dict[str, Any]] = []
    with session_scope(session_factory(db_url)) as s:
        token = tokens.issue(session=s, scope="agency", agency="forsakringskassan")
    client = TestClient(create_app(IndicatorsSettings(database_url=db_url)))

    def send(*cells: dict[str, Any]) -> str:
        docs = list(_values(proc.apply_observations(list(cells))[0]).values())
        load(db_url, docs)
        loaded.extend(docs)
        page = client.get(f"/indicators/{ind}", params={"area": "2480"},
                          headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200
        return page.text

    yield send
    delete(db_url, loaded)


def _row(html: str, period: str) -> str:
    rows = [r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if f">{period}<" in r]
    assert rows, period
    return rows[0]


def test_a_year_without_one_agency_is_provisional_on_the_page(shown: Any) -> None:
    shown(_obs(M, "2480", "2022", T, 10.0), _obs(M, "2480", "2022", T, 5.0, agency="af"))
    html = shown(_obs(M, "2480", "2023", T, 12.0))
    assert "preliminär" in _row(html, "2023").lower()
    assert "preliminär" not in _row(html, "2022").lower()
    html = shown(_obs(M, "2480", "2023", T, 6.0, agency="af"))
    assert "preliminär" not in _row(html, "2023").lower()
