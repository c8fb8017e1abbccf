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


def test_a_dry_run_counts_nothing(client: TestClient, token: Any) -> None:
    """A red team: a dry run (every upload page's preview is one) counted its held values
    on /metrics, telling a scraper how many values of unpublished files were held back."""
    fk = token("forsakringskassan")
    before = client.get("/metrics").text
    r = client.post("/v1/observations?dry_run=true", json={"observations": [
        cell("gk_referrals", "2480", "2023-10", 3.0, group="_T", sex="_T")]},
        headers={"Authorization": f"Bearer {fk}"})
    assert r.status_code == 202 and r.json()["suppressed"], r.text
    after = client.get("/metrics").text
    for name in ("ingest_privacy_hidden_cells_total", "ingest_privacy_check_seconds_count"):
        assert [x for x in after.splitlines() if x.startswith(name)] == \
            [x for x in before.splitlines() if x.startswith(name)], name
