"""A history answer (include_history) has limits, and says so (a review of the exports):

- past 500 versions of one figure it was cut to the newest, silently: the first figures a
  board saw were gone from "every version";
- a history export recomputes each figure at every instant an input changed, so any reader
  could make one request hold a worker and the database for minutes (the nation's months
  over years): at most 60 figures per history export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from samstat_kit.periods import Period
from services.indicators.api.fye_changes import MAX_HISTORY_FIGURES
from services.indicators.api.vintages import MAX_VERSIONS

from .test_readmodel_data import REGION, delete, fye_components, fye_docs, load, value_doc

PERIOD = Period(2073, 1, 12)


@pytest.fixture
def many(db_url: str) -> Iterator[None]:
    docs = []
    for n in range(MAX_VERSIONS + 10):
        fye = 8000.0 + n
        at = f"2024-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}+00:00"
        docs.append(value_doc("fye_share", "2480", PERIOD.code, fye / 79021, unit="share",
                              components=fye_components(PERIOD, fye, 79021), computed_at=at))
    for i in range(0, len(docs), 100):
        load(db_url, docs[i:i + 100])
    yield
    delete(db_url, docs[:1])


def test_a_history_longer_than_an_answer_holds_is_refused_not_cut(
        client: Any, bearer: dict[str, str], many: None) -> None:
    for url, params in (("/v1/fye/export.csv", {"areas": "2480"}),
                        (f"/v1/fye/2480/{PERIOD.code}", {})):
        r = client.get(url, params=params | {"include_history": "true"}, headers=bearer)
        assert r.status_code == 422, (url, r.status_code)
        assert f"more than {MAX_VERSIONS} versions" in r.json()["detail"]
    r = client.get(f"/v1/fye/2480/{PERIOD.code}", headers=bearer)
    assert r.status_code == 200 and r.json()["fye"] == 8000.0 + MAX_VERSIONS + 9


@pytest.fixture
def versions(db_url: str) -> Iterator[None]:
    base = fye_docs((2071,), REGION)
    for n in range(3):
        load(db_url, [d | {"computed_at": f"2024-02-{10 + n:02d}T09:00:00+00:00"}
                      for d in base])
    yield
    delete(db_url, base)


def test_a_history_export_of_too_many_figures_is_refused(
        client: Any, bearer: dict[str, str], versions: None) -> None:
    params = {"areas": "umearegionen,24,0000," + ",".join(REGION), "include_history": "true"}
    r = client.get("/v1/fye/export.csv", params=params | {"granularity": "month"},
                   headers=bearer)
    assert r.status_code == 422 and f"at most {MAX_HISTORY_FIGURES} figures" in r.text
    r = client.get("/v1/fye/export.csv", params=params | {"granularity": "year"},
                   headers=bearer)
    assert r.status_code == 200 and len(r.text.splitlines()) > 1
