"""The privacy audit (by the command), cell-key inputs, and derived values."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from samstat.cli import app
from samstat_kit.contracts import Catalogue, CellKey, load_catalogue
from samstat_kit.db import session_factory, session_scope
from samstat_kit.periods import parse
from services.indicators.domain.formulas.evaluate import evaluate, series_key
from services.indicators.domain.quality import check_totals
from services.ingest.disclosure.models import DisclosureCell
from services.ingest.disclosure.service import protect_batch
from services.ingest.observations.models import IngestObservation
from tests.privacy.conftest import publish
from tests.privacy.test_attacks import gk

GROUPS = {"_T": 20.0, "sick_listed_unemployed": 10.0, "other": 7.0,
          "young_activity_compensation": 3.0}


def audit(db: str, tmp_path: Any, monkeypatch: Any) -> tuple[int, str, str]:
    monkeypatch.setenv("SAMSTAT_DATABASE_URL", db)
    metrics = tmp_path / "privacy.prom"
    r = CliRunner().invoke(app, ["privacy", "audit", "--agency", "forsakringskassan",
                                 "--metrics-file", str(metrics)])
    return r.exit_code, r.output, metrics.read_text()


def published_past_the_check(db: str) -> None:
    """What the old one-batch gate let through: 20, 10 and 7 shown beside a hidden 3."""
    with session_scope(session_factory(db)) as s:
        s.execute(insert(DisclosureCell), [
            {"cell_key": f"forsakringskassan|gk_referrals|2480|2022-10|group={g},sex=_T",
             "agency": "forsakringskassan", "measure": "gk_referrals", "year": 2022,
             "area": "2480", "period": "2022-10", "dimensions": {"group": g, "sex": "_T"},
             "truth": v, "shown": None if v < 5 else v, "protected": v < 5, "revision": 1}
            for g, v in GROUPS.items()])


def test_the_audit_passes_what_ingest_published_and_fails_an_exposure(
        client: TestClient, token: Any, privacy_db: str, tmp_path: Any,
        monkeypatch: Any) -> None:
    publish(client, token("forsakringskassan"), [gk(v, g) for g, v in GROUPS.items()])
    code, out, metrics = audit(privacy_db, tmp_path, monkeypatch)
    assert code == 0, out
    assert "0 exposed" in out and "ingest_privacy_exposed_cells 0" in metrics
    # a line per linked table as it is done, for an operator watching a long audit
    assert re.search(r"1/1 forsakringskassan gk_referrals 2023: \d+ cells, \d+ attacked, "
                     r"0 exposed", out), out
    published_past_the_check(privacy_db)
    code, out, metrics = audit(privacy_db, tmp_path, monkeypatch)
    assert code == 1 and "EXPOSED" in out and "2022-10" in out
    # The 3 itself, and its unsent K and M (each pinned to [0, 3]) and other's (to [0, 7]),
    # and the totals not sent yet above the 3 (its quarter, half-year and year, and the
    # region's October, quarter, half-year and year: each at least 3): any of them may be
    # small when it arrives.
    assert "EXPOSED forsakringskassan|gk_referrals|cell Coord(area='2480', period='2022-10', " \
        "dims=(('group', 'young_activity_compensation')" in out
    assert "ingest_privacy_exposed_cells 12" in metrics


def test_the_audit_finds_what_was_published_past_the_check(
        client: TestClient, token: Any, privacy_db: str, tmp_path: Any,
        monkeypatch: Any) -> None:
    """The attack reasons from the stored states; what the public sees is checked against
    them: a small count in any revision of the log, a value published for a cell the states
    say hidden (as two bugs once did: an older revision in the same batch, and a race)."""
    publish(client, token("forsakringskassan"), [gk(v, g) for g, v in GROUPS.items()])
    assert audit(privacy_db, tmp_path, monkeypatch)[0] == 0
    with session_scope(session_factory(privacy_db)) as s:
        s.execute(update(IngestObservation).where(
            IngestObservation.dimensions["group"].as_string() == "young_activity_compensation")
            .values(value=3.0))
    code, out, _ = audit(privacy_db, tmp_path, monkeypatch)
    assert code == 1
    assert "published small count Coord(area='2480', period='2023-10', dims=(('group', " \
        "'young_activity_compensation')" in out
    assert "published while hidden Coord(area='2480', period='2023-10', dims=(('group', " \
        "'young_activity_compensation')" in out
    assert "3.0" not in out


def cell_key_catalogue() -> Catalogue:
    """gk_referrals as if its publisher protected it by the cell-key method from 2025."""
    cat = load_catalogue()
    m = cat.measures["gk_referrals"]
    noised = dataclasses.replace(m, disclosure=dataclasses.replace(
        m.disclosure, cell_key=CellKey(max_noise=2, from_year=2025)))
    return dataclasses.replace(cat, measures={**cat.measures, "gk_referrals": noised})


def test_cell_key_inputs_are_not_suppressed_again(session: Session) -> None:
    cat = cell_key_catalogue()
    docs = [gk(v, g, period=p) | {"conf_status": "F"}
            for p in ("2024-10", "2025-10") for g, v in GROUPS.items()]
    held = protect_batch(session=session, docs=docs, catalogue=cat, threshold=5,
                         batch_id="b")
    assert {docs[h.position]["period"] for h in held} == {"2024-10"}
    assert [d["value"] for d in docs if d["period"] == "2025-10"] == list(GROUPS.values())


def entry(values: dict[str, float]) -> dict[str, list[Any]]:
    return {series_key("scb", {"group": g, "sex": "_T"}): [1, v] for g, v in values.items()}


def test_cell_key_noise_is_no_disagreement_but_a_real_one_still_is() -> None:
    codes = load_catalogue().measures["gk_referrals"].dimensions
    noisy = {"_T": 22.0, "sick_listed_unemployed": 11.0, "other": 6.0,
             "young_activity_compensation": 3.0}  # parts add to 20: noise of 2
    assert [f.consistent for f in check_totals(entry(noisy), codes, noise=2)] == [True]
    assert [f.consistent for f in check_totals(entry(noisy), codes)] == [False]
    wrong = noisy | {"_T": 40.0}
    assert [f.consistent for f in check_totals(entry(wrong), codes, noise=2)] == [False]


def test_a_ratio_with_a_suppressed_numerator_is_not_published() -> None:
    """The worker gets hidden cells as null: no ratio, no partial numerator from them."""
    cells = {"gk_referrals": entry({"young_activity_compensation": None,  # type: ignore[dict-item]
                                    "_T": 20.0})}
    formula = {"kind": "ratio",
               "numerator": {"measure": "gk_referrals",
                             "dimensions": {"group": "young_activity_compensation"}},
               "denominator": {"measure": "gk_referrals", "dimensions": {"group": "_T"}}}
    ev = evaluate(formula, "2480", parse("2023-10"), lambda m, p: cells.get(m),
                  lambda m: "sum", lambda y: None)
    assert ev is not None and ev.value is None and ev.components["numerator"] is None


def test_a_dry_run_keeps_no_disclosure_state(client: TestClient, token: Any,
                                             privacy_db: str) -> None:
    r = client.post("/v1/observations", params={"dry_run": "true"},
                    json={"observations": [gk(v, g) for g, v in GROUPS.items()]},
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}"})
    assert r.status_code in (200, 202), r.text
    assert {s["kind"] for s in r.json()["suppressed"]} == {"primary", "secondary"}
    from sqlalchemy import func, select
    with session_scope(session_factory(privacy_db)) as s:
        assert s.scalar(select(func.count()).select_from(DisclosureCell)) == 0




def test_ingest_shows_the_last_audit_s_figures(client: TestClient, token: Any,
                                               privacy_db: str, tmp_path: Any,
                                               monkeypatch: Any) -> None:
    """The audit runs as a job of its own, whose figures ended with its process: ingest's
    /metrics said 0 exposed whatever it found (a review). Ingest reads them back from the
    audit log: what it found, when, how long it took."""
    import time

    from prometheus_client import REGISTRY

    from services.ingest.disclosure import service

    def shown() -> tuple[float | None, ...]:
        return tuple(REGISTRY.get_sample_value(f"ingest_privacy_{n}") for n in (
            "exposed_cells", "audit_seconds", "audit_timestamp_seconds"))

    publish(client, token("forsakringskassan"), [gk(v, g) for g, v in GROUPS.items()])
    published_past_the_check(privacy_db)
    before = time.time()
    assert audit(privacy_db, tmp_path, monkeypatch)[0] == 1
    service._show(datetime.fromtimestamp(0, UTC), 0, 0.0)  # as a fresh ingest process
    with session_scope(session_factory(privacy_db)) as s:
        service.show_last_audit(session=s)
    exposed, seconds, at = shown()
    assert exposed == 12 and seconds is not None and seconds >= 0
    assert at is not None and before - 1 <= at <= time.time() + 1


def test_a_metrics_file_that_cannot_be_written_is_not_named(
        privacy_db: str, tmp_path: Any, monkeypatch: Any) -> None:
    """Its error quoted the path (a traceback), and a name may hold a personal number."""
    monkeypatch.setenv("SAMSTAT_DATABASE_URL", privacy_db)
    metrics = tmp_path / "19880208-9717" / "privacy.prom"  # no such folder
    r = CliRunner().invoke(app, ["privacy", "audit", "--agency", "forsakringskassan",
                                 "--metrics-file", str(metrics)])
    assert r.exit_code == 2, r.output
    assert "cannot write the file: No such file or directory" in r.output
    assert "9717" not in r.output and "9717" not in repr(r.exception)
