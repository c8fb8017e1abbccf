"""The ingest service: the agencies' front door (HTTP), plus the outbox relay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit import present
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from samstat_kit.http import create_service_app
from samstat_kit.kafka import Topics, ensure_topics_async, make_producer
from samstat_kit.tasks import stop_tasks
from services.ingest import guard, limits, openapi
from services.ingest.config import IngestSettings, get_settings
from services.ingest.disclosure.service import show_last_audit
from services.ingest.kafka_ingest import start as start_kafka_ingest  # Kafka ingest
from services.ingest.observations.cells_router import router as cells_router
from services.ingest.observations.router import router as observations_router
from services.ingest.ratelimit import AgencyLimiter
from services.ingest.relay import Relay
from services.ingest.upload.router import router as upload_router

log = logging.getLogger(__name__)


async def _audit_figures(factory: sessionmaker[Session], every: float) -> None:
    """The last privacy audit's figures on /metrics, read from the audit log every
    ``every`` seconds (the audit is a job of its own; a database away costs a warning)."""
    def read() -> None:
        with session_scope(factory) as session:
            show_last_audit(session=session)

    while True:
        try:
            await asyncio.to_thread(read)
        except Exception as exc:  # a figure a minute late, not a dead service
            log.warning("privacy audit figures not read: %s", exc)
        await asyncio.sleep(every)


async def _release(relay: Relay) -> None:
    """Hand this replica's leased outbox rows to the others; if the database is away, their
    leases run out by themselves."""
    try:
        await asyncio.to_thread(relay.release)
    except Exception as exc:
        log.warning("relay: leases not released (%s); they run out by themselves", exc)


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    factory = session_factory(settings.db_url)
    kafka = settings.kafka
    topics = Topics(kafka.topic_prefix)
    relay = Relay(
        factory, lambda: make_producer(kafka), batch_size=settings.relay_batch_size,
        idle_seconds=settings.relay_idle_seconds, max_backoff=settings.relay_max_backoff_seconds,
        prepare=lambda: ensure_topics_async(kafka, topics.core()),
        send_timeout=settings.relay_send_timeout_seconds,
        lease_seconds=settings.relay_lease_seconds,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(relay.run(), name="outbox-relay")
        audits = asyncio.create_task(_audit_figures(factory, settings.audit_figures_seconds),
                                     name="audit-figures")
        # --- Kafka ingest: consume the agencies' raw topics (None when disabled) ---
        kafka_ingest = start_kafka_ingest(settings, factory, on_accepted=relay.wake)
        # --- end Kafka ingest ---
        try:
            yield
        finally:
            if kafka_ingest is not None:  # Kafka ingest
                await kafka_ingest.stop()  # Kafka ingest
            await stop_tasks(task, audits)
            await relay.stop()
            await _release(relay)

    async def relay_check() -> str | None:
        return relay.last_error and f"relay: {relay.last_error}"

    app = create_service_app(
        "ingest", title="samstat ingest", factory=factory, lifespan=lifespan,
        info={"relay": relay_check},
        description="Agencies publish anonymised, aggregated observations here.",
        max_body_bytes=None,  # its own cap, per its settings (services/ingest/limits.py)
        guard_urls=False,  # its own answer, counted (services/ingest/guard.py)
        # Its gate names the record and field, and the upload pages the row: those paths
        # answer a number themselves. Every other body (the sign-in forms) is guarded.
        bodies_answered=("/v1/observations", "/upload"),
    )
    app.state.settings = settings
    app.state.catalogue = load_catalogue()
    app.state.topics = topics
    app.state.relay = relay
    app.state.limiter = AgencyLimiter(settings.rate_limit_per_minute,
                                      settings.rate_limit_storage_url,
                                      settings.rate_limit_key_prefix, db_url=settings.db_url)
    app.include_router(observations_router)
    app.include_router(cells_router)
    app.include_router(upload_router)  # the upload pages (and /login) for agency staff
    present.install(app)
    guard.install(app)
    openapi.install(app)
    # Last, so outermost: a body over the cap is refused before any route or middleware
    # reads it (a File() route would otherwise spool it to disk before the sign-in check).
    limits.install(app)
    return app
