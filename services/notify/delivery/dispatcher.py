"""The dispatcher: drains ``notify_deliveries`` and ``notify_digests``, runs the periodic
sweeps (escalation, reminders, stale data, the weekly digest), keeps the gauge.

Each claimed message (one alert, a group of them, or a digest) is sent by its own task, with a
per-request timeout, and recorded in its own transaction as soon as it finishes, so a slow or
dead receiver occupies one slot of ``concurrency`` for at most its timeout and never holds up
the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit.daemon_pool import DaemonPool
from samstat_kit.db import session_scope
from samstat_kit.metrics import zeros
from samstat_kit.netguard import (
    Resolver,
    WebhookGuard,
    allow_list_from,
    nat64_prefixes,
    system_resolver,
)
from services.notify.alerts import sweeps
from services.notify.alerts.definitions import all_definitions
from services.notify.alerts.models import Alert
from services.notify.config import NotifySettings
from services.notify.delivery import service
from services.notify.delivery.holds import INHIBIT_RECHECK
from services.notify.delivery.messages import Notice
from services.notify.delivery.senders import (
    Outgoing,
    SmtpConfig,
    send_email,
    send_webhook,
    webhook_client,
)
from services.notify.digests import service as digests
from services.notify.digests.render import DigestNotice
from services.notify.inbox.links import Links

log = logging.getLogger(__name__)

FIRING = Gauge("notify_alerts_firing", "Alerts in status firing", ["indicator", "rule"])
DELIVERIES = Counter("notify_deliveries_total", "Delivery attempts by channel and outcome",
                     ["channel", "outcome"])
# Every channel and outcome at 0 from the start, so the rates exist before the first delivery.
zeros(DELIVERIES, ("email", "webhook"), ("sent", "failed", "dead", "silenced", "superseded"))
DELIVERY_SECONDS = Histogram("notify_delivery_seconds", "Time to send one notification",
                             ["channel"],
                             buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


class Dispatcher:
    def __init__(self, factory: sessionmaker[Session], settings: NotifySettings,
                 resolver: Resolver | None = None) -> None:
        self.factory = factory
        self.settings = settings
        # Where webhooks may go; registration checks with the same guard (tests inject the
        # resolver, so names map to addresses without any network).
        self.guard = WebhookGuard(allow_list_from(settings.webhook_allowed_hosts),
                                  resolver or system_resolver,
                                  nat64_prefixes(settings.webhook_nat64_prefixes),
                                  settings.webhook_ports)
        self.concurrency = settings.dispatch_concurrency
        self.smtp = SmtpConfig(
            host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password
            else None,
            starttls=settings.smtp_starttls, timeout=settings.smtp_timeout_seconds,
        )
        # Opened by run() and closed by stop(), so one app can start and stop repeatedly.
        self.client: httpx.AsyncClient | None = None
        self.executor: ThreadPoolExecutor | None = None
        self.resolvers: DaemonPool | None = None
        self.last_error: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        s = settings
        self.group_wait = timedelta(seconds=s.group_wait_seconds)
        self.group_interval = timedelta(seconds=s.group_interval_seconds)
        self.repeat_interval = timedelta(hours=s.repeat_interval_hours)
        self._gauge_dirty = True
        self._last_sweep = float("-inf")
        # The one-click links put in every message (the app sets its own; by default they
        # are made from the environment's settings).
        self.links: Links | None = None
        self.inhibit_recheck = INHIBIT_RECHECK

    # --- called from other threads ---------------------------------------------------------

    def open(self) -> None:
        if self.client is None:
            self.client = webhook_client()
        if self.executor is None:
            # Own threads for SMTP, so slow mail servers cannot starve the database work
            # that the consumers run on the default executor.
            self.executor = ThreadPoolExecutor(max_workers=self.concurrency,
                                               thread_name_prefix="notify-smtp")
        if self.resolvers is None:
            # And for the webhooks' host lookups: a lookup cannot be cancelled, and a name
            # whose DNS never answers (the registering agency's choice) holds its thread
            # long after the send gave up; on the default executor a few such sends left
            # no thread to claim or record any delivery (a red team). Daemon threads, so
            # such a lookup does not hold up the process's exit either.
            self.resolvers = DaemonPool(self.concurrency, "notify-resolve")

    def wake(self) -> None:
        """Something changed (thread-safe): look for due deliveries and refresh the gauge."""
        self._gauge_dirty = True
        loop, event = self._loop, self._wake
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    # --- database steps (worker threads) -----------------------------------------------------

    def _claim(self, limit: int) -> list[Notice]:
        with session_scope(self.factory) as session:
            claim = service.claim_due(
                session=session, now=datetime.now(UTC), limit=limit,
                lease=timedelta(seconds=self.settings.dispatch_lease_seconds),
                public_base_url=self.settings.public_base_url,
                escalate_after_days=self.settings.escalate_after_days,
                association=self.settings.escalation_agency,
                group_wait=self.group_wait, group_interval=self.group_interval,
                links=self.links, inhibit_recheck=self.inhibit_recheck,
            )
        for channel, outcome in claim.closed:
            DELIVERIES.labels(channel, outcome).inc()
        return claim.notices

    def _claim_digests(self, limit: int) -> list[DigestNotice]:
        with session_scope(self.factory) as session:
            return digests.claim_due(
                session=session, now=datetime.now(UTC), limit=limit,
                lease=timedelta(seconds=self.settings.dispatch_lease_seconds))

    def _record(self, message: Notice | DigestNotice, error: str | None) -> str:
        s = self.settings
        now = datetime.now(UTC)
        attempts, base, cap = (s.delivery_max_attempts, s.delivery_backoff_seconds,
                               s.delivery_max_backoff_seconds)
        with session_scope(self.factory) as session:
            if isinstance(message, DigestNotice):
                return digests.record_attempt(
                    session=session, digest_id=message.digest_id, error=error, now=now,
                    max_attempts=attempts, base=base, cap=cap)
            return service.record_message(
                session=session, delivery_ids=message.settles, error=error, now=now,
                max_attempts=attempts, base=base, cap=cap)

    def sweep(self, now: datetime | None = None) -> int:
        """Escalations, reminders and stale checks (and the weekly digest when it is due);
        returns how many alerts changed."""
        now = now or datetime.now(UTC)
        s = self.settings
        escalated: list[Alert] = []
        reminded: list[Alert] = []
        stale: list[Alert] = []
        with session_scope(self.factory) as session:
            # One replica at a time (the lock is held until this transaction ends).
            if sweeps.sweep_turn(session=session):
                escalated = sweeps.escalate_overdue(
                    session=session, now=now, after_days=s.escalate_after_days,
                    association=s.escalation_agency)
                reminded = sweeps.remind_unacknowledged(session=session, now=now,
                                                        every=self.repeat_interval)
                defs = all_definitions(session=session)
                stale = sweeps.check_stale(session=session, now=now, definitions=defs)
        if escalated or stale or reminded:
            log.info("sweep: %d escalated, %d reminded, %d stale alerts changed",
                     len(escalated), len(reminded), len(stale))
            self._gauge_dirty = True
        self.schedule_digests(now)
        return len(escalated) + len(reminded) + len(stale)

    def schedule_digests(self, now: datetime | None = None) -> int:
        """Write this week's digests once their moment has come; returns how many."""
        s = self.settings
        if not s.digest_enabled:
            return 0
        now = now or datetime.now(UTC)
        week = digests.due_week(now, weekday=s.digest_weekday, hour=s.digest_hour,
                                tz=s.digest_timezone)
        if week is None:
            return 0
        with session_scope(self.factory) as session:
            created = digests.create_digests(session=session, now=now, week=week,
                                             public_base_url=s.public_base_url,
                                             links=self.links)
        if created:
            log.info("digests of %s: %d written", week, len(created))
        return len(created)

    def refresh_gauge(self) -> None:
        with session_scope(self.factory) as session:
            counts = sweeps.firing_counts(session=session)
        FIRING.clear()
        for indicator, rule, n in counts:
            FIRING.labels(indicator, rule).set(n)

    # --- sending -----------------------------------------------------------------------------

    async def _send(self, message: Outgoing, channel: str) -> None:
        self.open()
        assert self.client is not None
        if channel == "email":
            # smtplib's timeout bounds each socket operation; this bounds the whole
            # conversation. (A thread cannot be cancelled: in the rare case this fires
            # mid-DATA the mail may still go out, and the retry would send it again.)
            await asyncio.wait_for(send_email(message, self.smtp, self.executor),
                                   self.settings.smtp_timeout_seconds * 3)
        else:
            await send_webhook(self.client, message, self.settings.webhook_timeout_seconds,
                               self.guard, self.resolvers)

    async def deliver(self, notice: Notice | DigestNotice) -> str:
        """Send one message and record the outcome; returns its deliveries' new status."""
        start = time.perf_counter()
        error = None
        name = _name(notice)
        try:
            await self._send(notice, notice.channel)
        except Exception as exc:
            error = f"{exc.__class__.__name__}: {exc}"[:500] or exc.__class__.__name__
            log.warning("%s (%s, attempt %d) failed: %s", name, notice.channel,
                        notice.attempt, error)
        DELIVERY_SECONDS.labels(notice.channel).observe(time.perf_counter() - start)
        status = await asyncio.to_thread(self._record, notice, error)
        DELIVERIES.labels(notice.channel, status).inc()
        return status

    async def _deliver_task(self, notice: Notice | DigestNotice) -> None:
        try:
            await self.deliver(notice)
        except Exception as exc:  # recording failed: the lease makes it due again later
            log.warning("%s not recorded: %s", _name(notice), exc)
        finally:
            if self._wake is not None:
                self._wake.set()

    async def drain_once(self) -> int:
        """Claim what is due (up to the free slots) and start sending; returns how many."""
        free = self.concurrency - len(self._inflight)
        if free <= 0:
            return 0
        batch = min(free, self.settings.dispatch_batch_size)
        messages: list[Notice | DigestNotice] = []
        messages += await asyncio.to_thread(self._claim, batch)
        if len(messages) < batch:
            messages += await asyncio.to_thread(self._claim_digests, batch - len(messages))
        for message in messages:
            task = asyncio.create_task(self._deliver_task(message), name=_name(message))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(messages)

    async def idle(self) -> None:
        """Wait until all in-flight sends finished (tests, shutdown)."""
        while self._inflight:
            await asyncio.wait(set(self._inflight))

    async def run(self) -> None:
        self.open()
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        backoff = 0.2
        while True:
            try:
                if time.monotonic() - self._last_sweep >= self.settings.sweep_interval_seconds:
                    self._last_sweep = time.monotonic()
                    await asyncio.to_thread(self.sweep)
                if self._gauge_dirty:
                    self._gauge_dirty = False
                    await asyncio.to_thread(self.refresh_gauge)
                self._wake.clear()
                started = await self.drain_once()
                self.last_error = None
                backoff = 0.2
                if not started:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(),
                                               self.settings.dispatch_idle_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Database away: nothing was lost, the rows are still due.
                self.last_error = f"{exc.__class__.__name__}: {exc}"
                log.warning("dispatcher: %s; retrying in %.1fs", self.last_error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Let in-flight sends finish for a moment, then cancel the rest and close clients."""
        if self._inflight:
            _, pending = await asyncio.wait(set(self._inflight), timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()
        for pool in (self.executor, self.resolvers):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self.client = self.executor = self.resolvers = None
        self._loop = self._wake = None


def _name(message: Notice | DigestNotice) -> str:
    if isinstance(message, DigestNotice):
        return f"digest-{message.digest_id}"
    return f"delivery-{message.delivery_id}"
