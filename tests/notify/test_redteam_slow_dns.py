"""Red team: a webhook name whose DNS never answers held notify's shared threads.

The guard resolves a webhook's host in a thread (getaddrinfo blocks, and cannot be
cancelled: the send's time limit ends the wait, not the lookup). That thread was the event
loop's default executor, where the dispatcher claims and records deliveries and the consumers
do their database work; it has min(32, cores + 4) threads (6 on two cores). An agency whose
webhook names a host under a domain whose name servers drop queries (each lookup then lasts
the resolver's timeouts, tens of seconds with a cluster's search domains) filled it with
``dispatch_concurrency`` sends, and every alert of every agency waited. Slow e-mail had been
given threads of its own for this very reason; now the lookups have theirs too.

The slow DNS is an injected resolver that blocks until the test ends: nothing is resolved
and nothing connects."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from samstat_kit.db import session_factory
from services.notify.app import create_app
from services.notify.delivery.dispatcher import Dispatcher
from services.notify.delivery.senders import DeliveryError

from .factory import tokens
from .test_ssrf import REGION, settings


class _Message:
    secret = None

    def __init__(self, target: str) -> None:
        self.target = target

    def webhook_body(self) -> bytes:
        return b"{}"

    def webhook_headers(self) -> dict[str, str]:
        return {"X-Samstat-Delivery": "1"}


def test_lookups_that_never_end_leave_the_shared_threads_free(fresh_url: str) -> None:
    released = threading.Event()
    asked = threading.Semaphore(0)

    def silent_dns(_host: str, _port: int) -> Sequence[str]:
        asked.release()
        released.wait(30)
        raise OSError("no answer")

    cfg = settings(fresh_url, webhook_timeout_seconds=0.2, dispatch_concurrency=16)
    dispatcher = Dispatcher(session_factory(fresh_url), cfg, resolver=silent_dns)

    async def run() -> None:
        try:
            # More sends than the default executor has threads on any machine (at most 32).
            sends = [dispatcher._send(_Message(f"https://hook{i}.slow.test/"), "webhook")
                     for i in range(40)]
            results = await asyncio.gather(*sends, return_exceptions=True)
            assert all(isinstance(r, DeliveryError) for r in results), results
            # The lookups are still stuck; the database work's threads must not be.
            assert await asyncio.wait_for(asyncio.to_thread(lambda: "free"), 3) == "free"
        finally:
            released.set()
            await dispatcher.stop(grace_seconds=0)

    try:
        asyncio.run(run())
    except TimeoutError:
        pytest.fail("the default executor was full of DNS lookups")
    finally:
        released.set()


@contextmanager
def _silent_notify(fresh_url: str, hold: float) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """Notify whose resolver answers no name for ``hold`` seconds (or until the block ends),
    webhooks limited to 0.5 s; the client and a token's headers for the region."""
    released = threading.Event()

    def silent_dns(_host: str, _port: int) -> Sequence[str]:
        released.wait(hold)
        raise OSError("no answer")

    auth = tokens(fresh_url, REGION)
    cfg = settings(fresh_url, webhook_timeout_seconds=0.5)
    try:
        with TestClient(create_app(cfg, resolver=silent_dns)) as client:
            yield client, auth[REGION]
    finally:
        released.set()


SLOW_HOOK = {"convener": REGION, "channel": "webhook", "target": "https://hook.slow.test/"}


def test_registration_waits_no_longer_than_a_send_for_a_silent_name(fresh_url: str) -> None:
    with _silent_notify(fresh_url, 4) as (client, headers):
        start = time.monotonic()
        r = client.post("/v1/subscriptions", headers=headers, json=SLOW_HOOK)
        elapsed = time.monotonic() - start
    assert r.status_code == 422
    assert elapsed < 2.0, f"the registration waited {elapsed:.1f} s for the lookup"


def test_registrations_in_parallel_leave_the_other_routes_free(fresh_url: str) -> None:
    with _silent_notify(fresh_url, 20) as (client, headers), ThreadPoolExecutor(12) as pool:
        start = time.monotonic()
        posts = [pool.submit(client.post, "/v1/subscriptions", headers=headers,
                             json=SLOW_HOOK) for _ in range(12)]
        time.sleep(0.2)  # the lookups are stuck now
        listed = client.get("/v1/subscriptions", headers=headers)
        listed_after = time.monotonic() - start
        codes = [p.result(timeout=15).status_code for p in posts]
        all_after = time.monotonic() - start
    assert listed.status_code == 200 and listed_after < 1.5, listed_after
    # Those looked up are refused (422); those still queued at the deadline were never
    # looked up, and are busy (503), not refused (test_register_lookup_pool.py).
    assert set(codes) <= {422, 503} and codes.count(422) >= 4, codes
    # Four lookup threads, each registration waiting at most 0.5 s for one: without the
    # deadline they waited for the resolver (here 20 s).
    assert all_after < 6, all_after
