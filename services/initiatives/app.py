"""The initiatives service: the registry of collaboration initiatives and their indicators
(HTTP), plus the publisher that keeps ``<prefix>.registry`` up to date."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError

from samstat_kit import openapi as kit_openapi
from samstat_kit.db import session_factory
from samstat_kit.http import create_service_app
from samstat_kit.tasks import stop_tasks
from services.initiatives.config import InitiativesSettings, get_settings
from services.initiatives.publisher import RegistryPublisher
from services.initiatives.registry.errors import RegistryError, VersionMismatch
from services.initiatives.registry.router import router as registry_router
from services.initiatives.report.router import router as report_router  # follow-up report

log = logging.getLogger(__name__)


async def _registry_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegistryError)
    headers = {"ETag": f'"{exc.current}"'} if isinstance(exc, VersionMismatch) else None
    return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)


async def _stale(_request: Request, _exc: Exception) -> JSONResponse:
    # Another writer committed between our If-Match check and our UPDATE.
    return JSONResponse({"detail": "changed concurrently; reload and retry"}, status_code=412)


def create_app(settings: InitiativesSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    factory = session_factory(settings.db_url)
    publisher = RegistryPublisher(
        factory, settings.kafka, republish_seconds=settings.registry_republish_seconds,
        max_backoff=settings.registry_retry_max_seconds,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = None
        if settings.registry_publish:
            task = asyncio.create_task(publisher.run(), name="registry-publisher")
        try:
            yield
        finally:
            await stop_tasks(task)
            await publisher.stop()

    async def registry_check() -> str | None:
        return publisher.last_error and f"registry publisher: {publisher.last_error}"

    app = create_service_app(
        "initiatives", title="samstat initiatives", factory=factory, lifespan=lifespan,
        info={"registry": registry_check},
        description="The registry of collaboration initiatives (samverkansinitiativ), their "
                    "indicators and the conveners' contacts.",
    )
    app.state.settings = settings
    app.state.publisher = publisher
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(StaleDataError, _stale)
    app.include_router(registry_router)
    app.include_router(report_router)  # follow-up report, experience bank, /login
    kit_openapi.install(app)  # every status documented, one error schema
    return app
