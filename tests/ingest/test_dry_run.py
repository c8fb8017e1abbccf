"""One verdict: ``dry_run=true`` answers exactly as the real call would (status and body, the
database's duplicates and stale revisions included) and stores nothing, on SQLite and
PostgreSQL; and the checks that need no database import without the server's frameworks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import (
    IngestBatch,
    IngestCell,
    IngestObservation,
    OutboxMessage,
)
from tests.ingest.conftest import obs

ROOT = Path(__file__).resolve().parents[2]


def counts(db: str) -> tuple[int, ...]:
    """Rows of the log, the cells, the outbox and the batches. The outbox may only shrink
    meanwhile: a relay that reaches a broker (one another test started) drains it."""
    with session_scope(session_factory(db)) as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)
                     for m in (IngestObservation, IngestCell, OutboxMessage, IngestBatch))


def stored_nothing(now: tuple[int, ...], before: tuple[int, ...]) -> bool:
    return now[:2] == before[:2] and now[3] == before[3] and now[2] <= before[2]


def post(client: TestClient, tok: str, records: list[Any], **params: Any) -> Any:
    return client.post("/v1/observations", json={"observations": records}, params=params,
                       headers={"Authorization": f"Bearer {tok}"})


def _same(dry: Any, real: Any) -> None:
    assert dry.status_code == real.status_code, (dry.text, real.text)
    a, b = dry.json(), real.json()
    a.pop("batch_id", None)
    b.pop("batch_id", None)
    assert a == b


def hostile(seen: dict[str, Any], older: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's file: wrong area, a negative value, a unit the catalogue does not know, an
    unknown sex code, an SDMX code, a duplicate, a stale revision, a small count, good rows."""
    return [
        obs(period="2023-11"),
        obs(area="9999"),
        obs(value=-5.0, period="2023-09"),
        obs(unit="dagar", period="2023-08"),
        obs(dimensions={"benefit": "sickness", "sex": "X"}),
        obs(dimensions={"benefit": "sickness", "sex": "F"}, period="2023-07"),
        seen,  # a duplicate of what is stored
        older,  # a revision the cell already has
        obs(agency="kommun-2480", measure="torget_discharges_to_occupation", area="2480",
            period="2023", unit="persons", value=3.0, dimensions={"sex": "K"}) | {
            "agency": "forsakringskassan"},
        obs(period="2023-06", value=12.0),
    ]


def test_the_dry_run_is_the_real_verdict_and_stores_nothing(client: TestClient, token: Any,
                                                            ingest_db: str) -> None:
    fk = token("forsakringskassan")
    seen = obs(period="2023-05")
    assert post(client, fk, [seen, obs(period="2023-04", revision=3)]).status_code == 202
    before = counts(ingest_db)
    older = obs(period="2023-04", revision=2)
    batch = hostile(seen, older)
    dry = post(client, fk, batch, dry_run="true")
    assert stored_nothing(counts(ingest_db), before)  # no log, cells, outbox or batch rows
    assert dry.status_code in (202, 403), dry.text
    real = post(client, fk, batch)
    _same(dry, real)


def test_the_dry_run_names_every_problem_by_index(client: TestClient, token: Any,
                                                  ingest_db: str) -> None:
    fk = token("forsakringskassan")
    seen = obs(period="2023-05")
    assert post(client, fk, [seen, obs(period="2023-04", revision=3)]).status_code == 202
    batch = hostile(seen, obs(period="2023-04", revision=2))[:8]  # FK may publish these
    before = counts(ingest_db)
    dry = post(client, fk, batch, dry_run="true")
    assert dry.status_code == 202, dry.text
    body = dry.json()
    fields = {(x["index"], x["field"]) for x in body["rejected"]}
    assert {(1, "area"), (2, "value"), (3, "unit"), (4, "dimensions.sex"),
            (5, "dimensions.sex"), (7, "revision")} <= fields
    assert body["duplicates"] == 1 and body["accepted"] == 1
    assert stored_nothing(counts(ingest_db), before)
    _same(dry, post(client, fk, batch))


@pytest.mark.parametrize("case", ["forbidden", "personal_number", "strict", "admin"])
def test_refusals_are_the_same_in_a_dry_run(client: TestClient, token: Any, ingest_db: str,
                                            case: str) -> None:
    kommun = token("kommun-2480")
    records = [obs(agency="kommun-2480",
                   dimensions={"benefit": "economic_assistance", "sex": "K"})]
    params: dict[str, Any] = {}
    tok = kommun
    if case == "forbidden":
        records.append(obs(agency="kommun-2480"))  # sickness is Försäkringskassan's
    elif case == "personal_number":
        records.append(obs(agency="kommun-2480", unit="19121212-1212"))
    elif case == "strict":
        records.append(obs(agency="kommun-2480", area="9999",
                           dimensions={"benefit": "economic_assistance", "sex": "K"}))
        params["strict"] = "true"
    else:
        tok = token(scope="admin")
    dry = post(client, tok, records, dry_run="true", **params)
    assert counts(ingest_db) == (0, 0, 0, 0)
    real = post(client, tok, records, **params)
    assert real.status_code in (403, 422)
    _same(dry, real)
    if case == "forbidden":
        assert [(x["index"], x["field"]) for x in real.json()["rejected"]] == [
            (1, "dimensions.benefit")]


def test_the_checks_import_without_the_server_frameworks() -> None:
    """samstat_kit.checks (and anonymity) are what the CLI and the client run offline."""
    blocked = ["fastapi", "sqlalchemy", "faust", "starlette", "uvicorn", "psycopg",
               "aiokafka", "kafka", "alembic"]
    code = ("import sys\n"
            f"for name in {blocked!r}: sys.modules[name] = None\n"
            "from samstat_kit import checks\n"
            "from samstat_kit.contracts import load_catalogue\n"
            "v = checks.judge([{'area': '9999'}], load_catalogue(), 'forsakringskassan')\n"
            "assert v.problems and not v.good\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def _python39() -> str | None:
    found = sorted(Path.home().glob(".pyenv/versions/3.9*/bin/python"))
    return str(found[-1]) if found else None


@pytest.mark.skipif(_python39() is None, reason="no Python 3.9 (pyenv) on this machine")
def test_the_shared_checks_are_python_3_9_syntax() -> None:
    """Compiled (in memory, nothing written) by a real 3.9: no match, no 3.10+ syntax."""
    files = [str(ROOT / "samstat_kit" / n) for n in ("checks.py", "catalogue_rules.py",
                                                      "anonymity.py", "contracts.py",
                                                      "periods.py", "cells.py")]
    code = "import sys\nfor f in sys.argv[1:]: compile(open(f).read(), f, 'exec')\n"
    subprocess.run([str(_python39()), "-c", code, *files], check=True, timeout=60)
