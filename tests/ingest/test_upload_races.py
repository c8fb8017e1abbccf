"""One upload changed by two requests at once (a double click, two tabs), on SQLite and
PostgreSQL: the second waits for the first from its read of the upload on, so an upload is
published once, and no fix of a row is lost or lands on an upload already published. The
route functions run in real threads; the first is paused right after it read the upload."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from starlette.requests import Request

from samstat_kit.agency_files import read_sheet
from samstat_kit.auth.service import Principal
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from samstat_kit.web import Reader
from services.ingest.observations.models import IngestBatch
from services.ingest.upload import router, service
from services.ingest.upload.models import IngestUpload
from tests.races import second_waits
from tests.tables import empty_ingest

AGENCY = "kommun-2460"
CSV = """measure;area;period;value;dim_duration;dim_cause;dim_sex
econ_assistance_recipients;2460;{period};41;0-10;ill_health;K
econ_assistance_recipients;2460;{period};abc;0-10;other;K
econ_assistance_recipients;2460;{period};52;0-10;unemployment;X
econ_assistance_recipients;2460;{period};29;11-36;other;M
"""
READER = Reader(principal=Principal(token_id="t" * 8, scope="agency", agency=AGENCY),
                token="x")


def _request(url: str) -> Any:
    state = SimpleNamespace(
        settings=SimpleNamespace(db_url=url, suppression_threshold=5),
        session_factory=session_factory(url), catalogue=load_catalogue(),
        topics=SimpleNamespace(validated="test.validated"),
        relay=SimpleNamespace(wake=lambda: None))
    # A real request (no body): a refused fix answers with the page, which reads the
    # request's language, address and state.
    return Request({"type": "http", "method": "POST", "path": "/upload", "headers": [],
                    "query_string": b"", "app": SimpleNamespace(state=state), "state": {}})


def _staged(url: str) -> str:
    """A staged upload, on ingest's tables emptied (the database is shared: a period drawn
    at random among 270 met another test's cells now and then, and published nothing new)."""
    empty_ingest(url)
    period = f"{1990 + uuid.uuid4().int % 30}-0{1 + uuid.uuid4().int % 9}"
    with session_scope(session_factory(url)) as s:
        upload = service.stage(session=s, agency=AGENCY, actor="karin@vannas.se",
                               filename="nov.csv",
                               sheet=read_sheet("nov.csv", CSV.format(period=period).encode()))
        return upload.id


Job = Callable[[Any, str], Any]  # (request, upload id) -> the route's answer


def _publish(req: Any, uid: str) -> Any:
    return router.publish(req, uid, READER, None)


def _fix(number: int, column: int, text: str) -> Job:
    return lambda req, uid: router._fix(req, uid, number, READER, {f"c{column}": text})


def _both(db_url: str, monkeypatch: pytest.MonkeyPatch, first: Job, second: Job
          ) -> tuple[bool, dict[str, Any], IngestUpload]:
    """On a staged upload of its own: whether ``second`` waited for ``first``, both
    answers, and the upload as it ends."""
    uid = _staged(db_url)
    req = _request(db_url)
    waited, out = second_waits(monkeypatch, service, "get", lambda: first(req, uid),
                               lambda: second(req, uid))
    with session_scope(session_factory(db_url)) as s:
        upload = s.get(IngestUpload, uid)
        assert upload is not None
        return waited, out, upload


def test_an_upload_published_twice_at_once_is_published_once(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    waited, out, upload = _both(db_url, monkeypatch, _publish, _publish)
    assert waited
    assert [out[k].status_code for k in ("first", "second")] == [303, 303]
    assert (upload.accepted, upload.duplicates, len(upload.batch_ids)) == (2, 0, 1)
    with session_scope(session_factory(db_url)) as s:
        batches = s.scalars(select(IngestBatch).where(IngestBatch.id.in_(upload.batch_ids)))
        assert [b.accepted for b in batches] == [2]


def test_two_fixes_at_once_both_count(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # row 3: value abc -> 44; row 4: sex X -> M (form fields c<i> by column)
    waited, _, upload = _both(db_url, monkeypatch, _fix(3, 3, "44"), _fix(4, 6, "M"))
    assert waited
    rows = {int(n): cells for n, cells, _ in upload.lines}
    assert (rows[3]["value"], rows[4]["dim_sex"]) == ("44", "M")


def test_a_fix_during_publishing_waits_and_finds_it_published(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    waited, out, upload = _both(db_url, monkeypatch, _publish, _fix(3, 3, "44"))
    assert waited
    assert out["second"].status_code == 422  # published: no row can be fixed any more
    assert {int(n): cells for n, cells, _ in upload.lines}[3]["value"] == "abc"
