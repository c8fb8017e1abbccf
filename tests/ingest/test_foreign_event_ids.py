"""An event id is global; a duplicate is the same agency's. Another agency can compute the id
`samstat publish --stable-ids` derives from public inputs and spend it first: the real
record then came back as a "duplicate" (202, accepted 0) and was never stored, the CLI
counting it a success (an independent review). It is now that record's error, naming the
field and the way out."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from samstat import publish as pub
from samstat_kit.agency_files import read_bytes
from tests.ingest.conftest import obs
from tests.privacy.conftest import publish

CSV = (b"measure,area,period,value,dim_group,dim_sex\n"
       b"gk_referrals,2480,2023-10,12,_T,_T\n")


def test_another_agencys_id_is_an_error_not_a_duplicate(client: TestClient,
                                                        token: Any) -> None:
    _, rows = read_bytes("gk.csv", CSV)
    pub.complete(rows, "forsakringskassan", stable_ids=True)
    fk_doc = rows[0].doc
    squatted = str(fk_doc["event_id"])  # computable by anyone from public inputs
    af = publish(client, token("arbetsformedlingen"), [obs(
        event_id=squatted, agency="arbetsformedlingen",
        dimensions={"benefit": "unemployment", "sex": "K"})])
    assert af["accepted"] == 1
    fk = publish(client, token("forsakringskassan"), [fk_doc])
    assert (fk["accepted"], fk["duplicates"]) == (0, 0), fk
    [problem] = fk["rejected"]
    assert problem["field"] == "event_id" and "another agency" in problem["reason"]
    # Sent again with a new id, it is published.
    again = publish(client, token("forsakringskassan"), [{**fk_doc, "event_id": obs()["event_id"]}])
    assert again["accepted"] == 1


def test_the_same_agencys_id_is_still_a_duplicate(client: TestClient, token: Any) -> None:
    doc = obs()
    tok = token("forsakringskassan")
    assert publish(client, tok, [doc])["accepted"] == 1
    assert publish(client, tok, [doc])["duplicates"] == 1
