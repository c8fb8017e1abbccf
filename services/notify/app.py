"""The notify service: alerts from indicator values, delivered by e-mail and webhooks.

Background tasks in the lifespan: the indicator-value consumer, the registry reader and the
delivery dispatcher (which also runs the escalation, reminder and stale sweeps and writes the
weekly digests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit import openapi as kit_openapi
from samstat_kit import present
from samstat_kit.consumer import BatchConsumer
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from samstat_kit.http import create_service_app
from samstat_kit.netguard import Resolver
from samstat_kit.tasks import stop_tasks
from services.notify.alerts.definitions import DefinitionCache, all_definitions
from services.notify.alerts.router import router as alerts_router
from services.notify.config import NotifySettings, get_settings
from services.notify.consumers import Processor, registry_reader, value_consumer
from services.notify.delivery.dispatcher import Dispatcher
from services.notify.digests.router import router as digests_router
from services.notify.inbox.links import Links
from services.notify.inbox.pages import LOGIN
from services.notify.inbox.pages import router as inbox_router
from services.notify.inbox.router import router as quiet_router
from services.notify.inbox.settings import InboxSettings
from services.notify.inbox.unsubscribe import router as unsubscribe_router
from services.notify.subscriptions.router import router as subscriptions_router

log = logging.getLogger(__name__)


def _load_definitions(factory: sessionmaker[Session], cache: DefinitionCache) -> None:
    with session_scope(factory) as session:
        cache.load(all_definitions(session=session))


def create_app(settings: NotifySettings | None = None, *,
               resolver: Resolver | None = None) -> FastAPI:
    """``resolver`` maps webhook host names to addresses (the system's by default)."""
    settings = settings or get_settings()
    factory = session_factory(settings.db_url)
    kafka = settings.kafka
    cache = DefinitionCache()
    dispatcher = Dispatcher(factory, settings, resolver=resolver)
    processor = Processor(factory, cache, on_change=dispatcher.wake)
    values = value_consumer(kafka, processor, max_records=settings.consumer_batch_size,
                            max_backoff=settings.consumer_max_backoff_seconds)
    registry = registry_reader(kafka, processor, max_records=settings.consumer_batch_size,
                               max_backoff=settings.consumer_max_backoff_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            # Definitions from the last run, so values are evaluated before the registry
            # topic has been re-read (or while the broker is away).
            await asyncio.to_thread(_load_definitions, factory, cache)
        except Exception as exc:
            log.warning("could not load stored definitions (%s); the registry reader will",
                        exc)
        runners: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = [
            ("notify-dispatcher", dispatcher.run)]
        if settings.kafka_enabled:
            runners += [("notify-registry", registry.run), ("notify-values", values.run)]
        tasks = [asyncio.create_task(fn(), name=name) for name, fn in runners]
        try:
            yield
        finally:
            await stop_tasks(*tasks)
            await dispatcher.stop()

    def note(source: Callable[[], str | None]) -> Callable[[], Awaitable[str | None]]:
        async def check() -> str | None:
            return source()
        return check

    def consumer_state(consumer: BatchConsumer) -> str | None:
        if not settings.kafka_enabled:
            return "disabled"
        if consumer.running:
            return None
        return consumer.last_error or "connecting to Kafka"

    # Informational: notify keeps serving alerts and delivering while the broker is away.
    app = create_service_app(
        "notify", title="samstat notify", factory=factory, lifespan=lifespan,
        info={
            "dispatcher": note(lambda: dispatcher.last_error),
            "indicator_values": note(lambda: consumer_state(values)),
            "registry": note(lambda: consumer_state(registry)),
        },
        description="Alerts when indicators go the wrong way; e-mail and webhooks to the "
                    "convener with the follow-up owner in copy, grouped per convener, "
                    "reminders until acknowledged, escalation to the association, and a "
                    "weekly digest.",
    )
    app.state.settings = settings
    app.state.definitions = cache
    app.state.dispatcher = dispatcher
    app.state.processor = processor
    app.state.wake = dispatcher.wake
    app.state.agencies = frozenset(load_catalogue().agencies)
    app.include_router(alerts_router)
    app.include_router(subscriptions_router)
    app.include_router(digests_router)
    # The convener's pages: sign-in, the inbox, the alert pages and the one-click links.
    inbox_settings = InboxSettings()
    app.state.inbox_settings = inbox_settings
    app.state.links = dispatcher.links = Links.from_settings(inbox_settings)
    dispatcher.inhibit_recheck = timedelta(seconds=inbox_settings.inhibit_recheck_seconds)
    present.install(app)
    app.include_router(LOGIN.router(include_in_schema=False))
    app.include_router(inbox_router)
    app.include_router(unsubscribe_router)
    app.include_router(quiet_router)
    kit_openapi.install(app)  # every status documented, one error schema
    return app
