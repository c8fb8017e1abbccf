"""A hidden value's event id (an independent review): ``samstat publish --stable-ids`` and the
demo make an id from cell, revision and value, so trying each small count against the id any
reader got back gave the hidden value exactly. Readers get an id made of what they know."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from samstat.publish import _stable_id
from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import OutboxMessage
from tests.privacy.conftest import cell, publish

GK = "gk_referrals"
GROUPS = ("young_activity_compensation", "sick_listed_unemployed", "other")


def test_no_reader_gets_the_producers_id_of_a_hidden_value(
        client: TestClient, token: Any, privacy_db: str) -> None:
    fk, reader = token("forsakringskassan"), token("arbetsformedlingen")
    batch = [cell(GK, "2480", "2023-10", v, group=g, sex="_T")
             for g, v in zip(("_T", *GROUPS), (20.0, 3.0, 9.0, 8.0), strict=True)]
    for doc in batch:
        doc["event_id"] = _stable_id(doc)  # as --stable-ids makes them
    receipt = publish(client, fk, batch)
    hidden = {s["index"] for s in receipt["suppressed"]}
    assert hidden, receipt
    guesses = {_stable_id(doc | {"value": float(v)}): v for doc in batch for v in range(50)}
    h = {"Authorization": f"Bearer {reader}"}
    answers = client.get("/v1/cells", params={"measure": GK, "area": "2480"}, headers=h).json()
    for a in list(answers):
        answers += client.get("/v1/cells/history", params={"cell_key": a["cell_key"]},
                              headers=h).json()
    held = [a for a in answers if a["value"] is None]
    assert len({a["cell_key"] for a in held}) == len(hidden)
    assert not [a for a in held if a["event_id"] in guesses]
    # A shown value keeps the producer's id (its value is published anyway).
    assert {a["event_id"] for a in answers if a["value"] is not None} <= set(guesses)
    with session_scope(session_factory(privacy_db)) as s:
        carried = b"".join(s.scalars(select(OutboxMessage.payload)))
    assert not [i for i in (batch[n]["event_id"] for n in hidden) if i.encode() in carried]


def test_ingest_does_not_tell_whose_id_a_guessed_value_makes(
        client: TestClient, token: Any) -> None:
    """A red team's second way: another agency sends, as a dry run, a record of its own
    under the stable id a guessed value of Försäkringskassan's hidden cell would make, for
    each guess; "already the id of another agency's observation" came back for the true one
    only. Stable ids are made of cell and revision: every guess gets the same answer."""
    fk, af = token("forsakringskassan"), token("arbetsformedlingen")
    batch = [cell(GK, "2480", "2023-10", v, group=g, sex="_T")
             for g, v in zip(("_T", *GROUPS), (20.0, 3.0, 9.0, 8.0), strict=True)]
    for doc in batch:
        doc["event_id"] = _stable_id(doc)
    receipt = publish(client, fk, batch)
    young = next(d for d in batch if d["dimensions"]["group"] == GROUPS[0])
    assert 1 in {s["index"] for s in receipt["suppressed"]}  # young, 3: held back
    answers = set()
    for guess in range(10):
        mine = cell("unemployed_persons", "2480", "2023-10", 40.0,
                    agency="arbetsformedlingen", unit="persons", birth_region="_T",
                    duration="_T")
        mine["event_id"] = _stable_id(young | {"value": float(guess)})
        r = client.post("/v1/observations?dry_run=true", json={"observations": [mine]},
                        headers={"Authorization": f"Bearer {af}"})
        body = r.json()
        answers.add((r.status_code, body.get("accepted"), str(body.get("rejected"))))
    assert len(answers) == 1, answers
