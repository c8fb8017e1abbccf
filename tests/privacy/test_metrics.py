"""What an open ``/metrics`` says of hidden cells (a red team): a counter by kind rose by
"primary" beside a lone hidden cell, telling a scraper it was a small count (1-4), narrower
than its protection range. Counted by why instead: protection, agency, superseded."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.privacy.conftest import cell, publish


def _hidden(client: TestClient) -> dict[str, float]:
    text = client.get("/metrics").text
    return {m[0]: float(m[1]) for m in re.findall(
        r'^ingest_privacy_hidden_cells_total\{([^}]*)\} ([0-9.e+]+)$', text, re.M)}


def test_metrics_do_not_tell_a_small_hidden_cell_from_another(
        client: TestClient, token: Any) -> None:
    fk = token("forsakringskassan")
    before = _hidden(client)
    receipt = publish(client, fk, [cell("gk_referrals", "2480", "2023-10", v, group=g,
                                        sex="_T")
                                   for g, v in (("_T", 20.0), ("other", 3.0),
                                                ("sick_listed_unemployed", 9.0),
                                                ("young_activity_compensation", 8.0))])
    kinds = sorted(s["kind"] for s in receipt["suppressed"])
    assert kinds == ["primary", "secondary"]
    after = _hidden(client)
    assert set(after) <= {'why="protection"', 'why="agency"', 'why="superseded"'}, after
    grown = {k: after[k] - before.get(k, 0.0) for k in after}
    assert grown == {k: (2.0 if k == 'why="protection"' else 0.0) for k in after}
