"""Emptying ingest's tables in the session's shared databases: a fixture that commits cells
(a served ingest, a client) empties them before and after, so a test that rolls back never
meets another test's cells (CI: a phone test's committed month made a later upload test's
"first" publication a duplicate)."""

from __future__ import annotations

from sqlalchemy import delete

from samstat_kit.db import session_factory, session_scope
from services.ingest.disclosure.models import DisclosureAudit, DisclosureCell, DisclosureExtent
from services.ingest.observations.models import (
    IngestBatch,
    IngestCell,
    IngestObservation,
    OutboxMessage,
)


def empty_ingest(db_url: str) -> None:
    """Delete ingest's outbox, cells, observations, batches and disclosure state (the
    extent too: a linked table's areas and periods left by another test widened the walk,
    and a test of an area never sent passed only after one that sent it)."""
    with session_scope(session_factory(db_url)) as s:
        for model in (OutboxMessage, IngestCell, IngestObservation, IngestBatch,
                      DisclosureCell, DisclosureAudit, DisclosureExtent):
            s.execute(delete(model))
