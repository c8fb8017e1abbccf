"""Values that must never be published although no small count decides it: an older revision
sent in the same batch as a newer one, and a value the agency marked confidential (C or N).
Read back as any other token reads them: current cells, every revision, the outbox (what
Kafka carries), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import OutboxMessage
from tests.echo import said
from tests.privacy.conftest import cell, publish

TORGET = "torget_discharges_to_occupation"  # a person count, yearly, by sex


def _everything(client: TestClient, tok: str, measure: str, area: str) -> list[Any]:
    """Every value any token can read of the area's cells: current ones and their history."""
    h = {"Authorization": f"Bearer {tok}"}
    cells = client.get("/v1/cells", params={"measure": measure, "area": area}, headers=h)
    assert cells.status_code == 200, cells.text
    seen = []
    for c in cells.json():
        hist = client.get("/v1/cells/history", params={"cell_key": c["cell_key"]}, headers=h)
        assert hist.status_code == 200, hist.text
        seen += [(c["cell_key"], x["revision"], x["value"]) for x in hist.json()]
    return seen


def _outbox(db: str) -> bytes:
    with session_scope(session_factory(db)) as s:
        return b"".join(s.scalars(select(OutboxMessage.payload)))


def _carried(db: str) -> str:
    """The outbox's text without what chance fills with digits: ids (:func:`tests.echo.said`)
    and timestamps (a timestamp's microseconds held 4321 in a CI run)."""
    return _CLOCK.sub("", said(_outbox(db).decode()))


_CLOCK = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?")


@pytest.mark.parametrize("old, new", [(3.0, 20.0), (17.0, 20.0)])
def test_an_older_revision_in_the_same_batch_is_never_published(
        client: TestClient, token: Any, privacy_db: str, old: float, new: float) -> None:
    kommun, reader = token("kommun-2480"), token("forsakringskassan")
    batch = [cell(TORGET, "2480", "2023", old, 1, agency="kommun-2480", sex="K"),
             cell(TORGET, "2480", "2023", new, 2, agency="kommun-2480", sex="K")]
    dry = client.post("/v1/observations?dry_run=true", json={"observations": batch},
                      headers={"Authorization": f"Bearer {kommun}"}).json()
    receipt = publish(client, kommun, batch)
    assert [(s["index"], s["kind"]) for s in receipt["suppressed"]] == [(0, "superseded")]
    assert dry["suppressed"] == receipt["suppressed"]
    seen = _everything(client, reader, TORGET, "2480")
    assert sorted((rev, v) for _, rev, v in seen) == [(1, None), (2, new)]
    assert f'"value":{old}'.encode() not in _outbox(privacy_db)


@pytest.mark.parametrize("status", ["C", "N"])
@pytest.mark.parametrize("measure, unit, dims", [
    (TORGET, "persons", {"sex": "K"}),  # a person count: disclosure control protects it
    ("benefit_net_days", "days", {"benefit": "sickness", "sex": "K"}),  # not one
])
def test_a_value_the_agency_marked_confidential_is_never_published(
        client: TestClient, token: Any, privacy_db: str, status: str, measure: str,
        unit: str, dims: dict[str, str]) -> None:
    agency = "kommun-2480" if measure == TORGET else "forsakringskassan"
    tok, reader = token(agency), token("arbetsformedlingen")
    period = "2023" if measure == TORGET else "2023-03"
    sent = cell(measure, "2480", period, 4321.0, agency=agency, unit=unit)
    sent["dimensions"], sent["conf_status"] = dims, status
    receipt = publish(client, tok, [sent])
    assert [(s["index"], s["kind"]) for s in receipt["suppressed"]] == [(0, "agency")]
    seen = _everything(client, reader, measure, "2480")
    assert [v for _, _, v in seen] == [None]
    # what the relay has not sent yet (it deletes the rest)
    assert "4321" not in _carried(privacy_db)
    # and its status is the agency's, as sent
    h = {"Authorization": f"Bearer {reader}"}
    [got] = client.get("/v1/cells", params={"measure": measure, "area": "2480"},
                       headers=h).json()
    assert got["conf_status"] == status


def test_a_confidential_person_count_is_protected_with_its_value(
        client: TestClient, token: Any) -> None:
    """The agency hides K = 17 (C) beside M = 22 and the total 39: M alone would give
    K = 39 − 22 away, so one of them is held back too, as for a small count."""
    kommun, reader = token("kommun-2480"), token("forsakringskassan")
    k = cell(TORGET, "2480", "2023", 17.0, agency="kommun-2480", sex="K")
    k["conf_status"] = "C"
    receipt = publish(client, kommun, [
        k, cell(TORGET, "2480", "2023", 22.0, agency="kommun-2480", sex="M"),
        cell(TORGET, "2480", "2023", 39.0, agency="kommun-2480", sex="_T")])
    kinds = sorted(s["kind"] for s in receipt["suppressed"])
    assert kinds == ["agency", "secondary"]
    values = {v for _, _, v in _everything(client, reader, TORGET, "2480")}
    assert 17.0 not in values and not {22.0, 39.0} <= values
