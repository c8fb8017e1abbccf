"""Emptying ingest's tables in the session's shared databases: a fixture that commits cells
(a served ingest, a client) empties them before and after, so a test that rolls back never
meets another test's cells (CI: a phone test's committed month made a later upload test's
"first" publication a duplicate)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from samstat_kit.db import session_factory, session_scope
from services.ingest.disclosure.models import DisclosureAudit, DisclosureCell, DisclosureExtent
from services.ingest.observations.models import (
    IngestBatch,
    IngestCell,
    IngestObservation,
    OutboxMessage,
)
from services.ingest.upload.models import IngestUpload


def empty_ingest(db_url: str) -> None:
    """Delete ingest's outbox, cells, observations, batches and disclosure state (the
    extent too: a linked table's areas and periods left by another test widened the walk,
    and a test of an area never sent passed only after one that sent it)."""
    with session_scope(session_factory(db_url)) as s:
        for model in (OutboxMessage, IngestCell, IngestObservation, IngestBatch,
                      DisclosureCell, DisclosureAudit, DisclosureExtent):
            s.execute(delete(model))


def count_uploads(db_url: str) -> int:
    """The uploads kept: a refused file must leave their number as it was."""
    with session_scope(session_factory(db_url)) as s:
        return int(s.scalar(select(func.count()).select_from(IngestUpload)) or 0)


def refused_upload(client: Any, csrf: str, db_url: str, data: bytes) -> str:
    """Post ``data`` as a workbook to the upload page: it must answer 422 and keep nothing.
    The page's text, for what it says."""
    before = count_uploads(db_url)
    r = client.post("/upload", data={"csrf_token": csrf},
                    files={"file": ("f.xlsx", data, "application/octet-stream")})
    assert r.status_code == 422, r.text[:300]
    assert count_uploads(db_url) == before
    return str(r.text)
