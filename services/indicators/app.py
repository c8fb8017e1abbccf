"""The indicators HTTP process: the read model (``api/``: consumes indicator values, serves
FYE, series, comparisons and exports) and the pages on it (``web/``). The stream processor
is the other process (``worker/``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from samstat_kit import openapi as kit_openapi
from samstat_kit import present
from samstat_kit.consumer import BatchConsumer
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from samstat_kit.http import create_service_app
from samstat_kit.kafka import Topics
from samstat_kit.tasks import stop_tasks
from services.indicators.api import export, fye_export, service, titles
from services.indicators.api.groups import load_groups
from services.indicators.api.router import router
from services.indicators.api.vintages import TooManyVersions
from services.indicators.config import IndicatorsSettings, get_settings
from services.indicators.web import pages

log = logging.getLogger(__name__)


def create_app(settings: IndicatorsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    factory = session_factory(settings.db_url)
    kafka = settings.kafka
    topics = Topics(kafka.topic_prefix)

    def handle(records: Sequence[ConsumerRecord]) -> None:
        with session_scope(factory) as session:
            apply_records(records, topics, session=session)

    # The registry too, for the indicators' titles (a group that has not read it yet starts
    # from its earliest offset, so an upgraded deployment learns every title).
    consumer = BatchConsumer(kafka, [topics.indicator_values, topics.registry],
                             settings.readmodel_group, handle)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(consumer.run(), name="readmodel-consumer")
        try:
            yield
        finally:
            await stop_tasks(task)

    async def consumer_note() -> str | None:
        return consumer.last_error and f"consumer: {consumer.last_error}"

    app = create_service_app(
        "indicators", title="samstat indicators", factory=factory, lifespan=lifespan,
        info={"consumer": consumer_note},
        description="Full-year equivalents and initiative indicators, as a read model.",
    )
    app.state.settings = settings

    @app.exception_handler(TooManyVersions)
    async def too_many_versions(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    app.state.catalogue = load_catalogue()
    app.state.groups = load_groups(app.state.catalogue, settings.comparison_groups_file)
    app.include_router(router)
    app.include_router(export.router)  # CSV and SDMX-CSV downloads
    app.include_router(fye_export.router)  # XLSX, Swedish CSV, JSON-stat, SDMX structure
    app.include_router(pages.router)  # HTML pages and /login
    present.install(app)  # the presentation kit's stylesheet
    app.mount("/static/indicators", StaticFiles(
        directory=Path(__file__).parent / "web" / "static"), name="indicators-static")
    kit_openapi.install(app)  # every status documented, one error schema
    return app


def apply_records(records: Sequence[ConsumerRecord], topics: Topics, *, session: Session
                  ) -> None:
    """One polled batch of the read model's topics: indicator values, and the registry's
    titles (a registry record that cannot be read is skipped, never holding values back)."""
    values = [json.loads(r.value) for r in records
              if r.value and r.topic == topics.indicator_values]
    events = [_registry_event(r.value) for r in records if r.value and r.topic == topics.registry]
    service.upsert_values(session=session, docs=values)
    titles.record(session=session, events=events)


def _registry_event(raw: bytes) -> Any:
    """A registry record as JSON, or None (skipped by the titles) when it is not JSON: the
    registry must never hold back the indicator values read in the same batch."""
    try:
        return json.loads(raw)
    except ValueError:
        log.warning("registry record that is not JSON: skipped")
        return None
