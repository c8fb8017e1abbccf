"""What the Kubernetes probes rely on (deploy/k8s/base/apps): liveness reads /metrics and must
answer while readiness's /healthz waits on a slow or unreachable database."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker

from samstat_kit.http import create_service_app
from tests.auth.helpers import build_app, client
from tests.ops.test_k8s_manifests import HTTP_SERVICES, named, overlay

SLOW_DB_SECONDS = 1.5


def _slow_database_app(seconds: float = SLOW_DB_SECONDS) -> tuple[Engine, FastAPI]:
    """Ingest's app on a database that takes ``seconds`` over every statement."""
    engine = create_engine("sqlite://")

    def slow(*_args: Any) -> None:
        time.sleep(seconds)

    event.listen(engine, "before_cursor_execute", slow)
    return engine, create_service_app("ingest", title="probe", factory=sessionmaker(engine))


async def test_metrics_answer_while_the_health_check_waits_on_the_database() -> None:
    # A database that takes its time over every statement (a pool waiting for a connection,
    # a connect to a host that does not answer): /healthz waits, /metrics must not.
    engine, app = _slow_database_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        start = time.perf_counter()

        async def get(path: str) -> tuple[int, float]:
            r = await client.get(path)
            return r.status_code, time.perf_counter() - start

        health = asyncio.create_task(get("/healthz"))
        await asyncio.sleep(0.05)  # the health check is under way
        status, metrics_done = await get("/metrics")
        assert (await health)[0] == 200
    engine.dispose()
    assert status == 200
    # Blocking the event loop would hold the liveness probe as long as the database.
    assert metrics_done < SLOW_DB_SECONDS / 2, metrics_done


async def test_metrics_answer_while_every_worker_thread_waits_on_the_database() -> None:
    # Under load on a slow database every thread of the pool that runs the blocking routes
    # waits on it; the liveness probe must still get its answer. A slower database than
    # above: blocked, the probe would wait ~2.8 s for a thread; not blocked, it answered in
    # 0.76 s once on a loaded CI machine with some forty threads waking (over 1.5 s / 2).
    engine, app = _slow_database_app(3.0)
    threads = to_thread.current_default_thread_limiter().total_tokens
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        busy = [asyncio.create_task(client.get("/healthz")) for _ in range(int(threads) + 5)]
        await asyncio.sleep(0.2)  # every thread is taken
        start = time.perf_counter()
        r = await client.get("/metrics")
        took = time.perf_counter() - start
        await asyncio.gather(*busy)
    engine.dispose()
    assert r.status_code == 200
    assert took < 1.5, took


@pytest.mark.parametrize("service", HTTP_SERVICES)
def test_the_manifests_probes_pass_on_a_healthy_service_with_the_metrics_token_set(
        sqlite_url: str, service: str) -> None:
    # docs/sign-in.md: in production set SAMSTAT_METRICS_TOKEN. The kubelet sends no token, so
    # a probe on /metrics would get 401 and the pod would never start (or be restarted).
    dep = named(overlay("prod"), "Deployment", f"samstat-{service}")
    container = dep["spec"]["template"]["spec"]["containers"][0]
    c = client(build_app(service, sqlite_url, metrics_token="scrape-secret"))
    assert c.get("/metrics").status_code == 401
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        path = container[probe]["httpGet"]["path"]
        assert 200 <= c.get(path).status_code < 400, (service, probe, path)
