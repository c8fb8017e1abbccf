"""The FYE page with no figures (a new installation, or ``?as_of=`` before the first figure):
it said "Inga uppgifter ännu." above two tables of nothing but their heads, and offered five
downloads that each answered a person with JSON, ``{"detail": "no full-year equivalents for
these areas and periods yet"}`` (404). Now the empty page says so once, with no empty tables
and no links that lead nowhere; a page with figures keeps its tables and downloads."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

NOTHING = {"sv": "Inga uppgifter ännu.", "en": "No figures yet."}
HREF = re.compile(r'href="(/v1/[^"]+)"')


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_empty_fye_page_offers_nothing_that_leads_nowhere(client: TestClient, bearer: dict,
                                                             lang: str) -> None:
    r = client.get("/fye/2460", params={"as_of": "2001-01-02", "lang": lang}, headers=bearer)
    assert r.status_code == 200
    main = _main(r.text)
    assert NOTHING[lang] in main
    assert "<table" not in main  # no tables of only their heads
    for href in HREF.findall(main):  # whatever the page links still answers
        got = client.get(href.replace("&amp;", "&"), headers=bearer)
        assert got.status_code < 400, (href, got.status_code, got.text[:120])
