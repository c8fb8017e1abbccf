"""A usability walk as the association's analyst: how does a municipality compare with the
county and the nation on an indicator page? The page compared with the region and the nation
only (the county's values were there, as on the FYE page); its note ran two sentences
together ("Jämförs med Riket.Det finns inga värden ..."); and its header named the agency
alone where every other service names the person signed in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete as sql_delete

from samstat_kit.auth.models import User, WebSession
from samstat_kit.auth.people import add_person
from samstat_kit.auth.sessions import start_session
from samstat_kit.db import session_factory, session_scope

from .test_readmodel_data import delete, load, value_doc


@pytest.fixture
def shares(db_url: str) -> Iterator[str]:
    """Vännäs beside Västerbotten's county and the nation (no region value): the county and
    the nation compared, the region said to have none."""
    ind = "t_" + uuid.uuid4().hex[:12]
    docs = [value_doc(ind, area, f"209{y}", v, unit="share")
            for area, base in (("2460", .10), ("24", .12), ("0000", .13))
            for y, v in ((1, base), (2, base + .01))]
    load(db_url, docs)
    yield ind
    delete(db_url, docs)


def test_the_county_is_compared_and_the_sentences_are_apart(client: TestClient,
                                                            bearer: dict, shares: str) -> None:
    html = client.get(f"/indicators/{shares}?area=2460&lang=sv", headers=bearer).text
    assert "Jämförs med Västerbottens län och Riket." in html
    # the key figures: the same period in the county and the nation
    assert "Västerbottens län: <strong>13,0\u00a0%</strong>" in html
    assert "Riket: <strong>14,0\u00a0%</strong>" in html
    # two sentences, a space between them
    assert ("Riket. Det finns inga värden för indikatorn ännu i "
            "Samordningsförbundet Umeåregionen.") in html
    en = client.get(f"/indicators/{shares}?area=2460&lang=en", headers=bearer).text
    assert "Compared with Västerbottens län and Sweden. The indicator has no values" in en


@pytest.fixture
def analyst(db_url: str) -> Iterator[str]:
    """A signed-in person of the association: the session cookie's secret."""
    factory = session_factory(db_url)
    with session_scope(factory) as s:
        person = add_person(session=s, email=f"anna-{uuid.uuid4().hex[:8]}@example.se",
                            agency="samordningsforbundet", name="Anna Berg", role="analyst")
        secret = start_session(session=s, person=person, method="email",
                               max_age=timedelta(hours=1))
        person_id = person.id
    yield secret
    with session_scope(factory) as s:
        s.execute(sql_delete(WebSession).where(WebSession.user_id == person_id))
        s.execute(sql_delete(User).where(User.id == person_id))


def test_the_header_names_the_person_signed_in(client: TestClient, analyst: str,
                                               shares: str) -> None:
    client.cookies.set("samstat_session", analyst)
    try:
        for path in ("/indicators", f"/indicators/{shares}?area=2460", "/fye/2460",
                     f"/indicators/{shares}"):
            page = client.get(path)
            assert page.status_code == 200, (path, page.status_code)
            assert "Anna Berg · Samordningsförbundet Umeåregionen" in page.text, path
        missing = client.get("/indicators/t_nothing_here_at_all")  # the not-found page too
        assert missing.status_code == 404
        assert "Anna Berg · Samordningsförbundet Umeåregionen" in missing.text
    finally:
        client.cookies.clear()


@pytest.mark.parametrize("complete, explained", [(True, False), (False, True)])
def test_provisional_is_explained_only_beside_a_provisional_row(
        client: TestClient, bearer: dict, db_url: str, complete: bool,
        explained: bool) -> None:
    """A walk read "Preliminär: alla uppgifter … har inte kommit in" under rows all final."""
    ind = "t_" + uuid.uuid4().hex[:12]
    docs = [value_doc(ind, "2460", "2091", .1),
            value_doc(ind, "2460", "2092", .11, complete=complete)]
    load(db_url, docs)
    try:
        html = client.get(f"/indicators/{ind}?area=2460&lang=sv", headers=bearer).text
    finally:
        delete(db_url, docs)
    assert ("har inte kommit in" in html) is explained
