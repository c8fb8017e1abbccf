"""``samstat run``: the whole exchange on one machine, in the foreground.

Starts the local broker (unless a broker already answers), migrates and seeds the data dir,
then the four services, the indicators worker and the demo agencies as child processes.
Ctrl-C (or SIGTERM) stops them all, children first, broker last.

Ports: the services listen on 8001-8004, the local mail server on 8025, the worker's metrics
on 6066 and the local broker on 9092 unless ``port_base`` (``--port-base`` /
``SAMSTAT_PORT_BASE``) moves the services to base+1..base+4, the mail server to base+5 and
the worker's metrics to base+6 (:func:`worker_metrics_port`; it stayed on 6066, so a second
stack's worker could not bind it), and the bootstrap address
(``SAMSTAT_KAFKA_BOOTSTRAP_SERVERS``) names another loopback port; so several stacks (a
test's and a developer's) can run side by side. A port named in the environment
(``SAMSTAT_WORKER_WEB_PORT``, ``SAMSTAT_SMTP_PORT``) is kept.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

import httpx

from samstat import mailsink
from samstat.components import SERVICES, migrate_all
from samstat_kit.broker import LocalBroker, broker_answers
from samstat_kit.settings import KitSettings

LOCAL_HOSTS = ("127.0.0.1", "localhost")
WORKER_METRICS_PORT = 6066  # the worker's default (services/indicators/config.py)
WORKER_METRICS_OFFSET = 6  # after the services (base+1..base+4) and the mail server (base+5)


def ports(port_base: int | None) -> dict[str, int]:
    """Each service's port: the defaults, or base+1.. in the order of SERVICES."""
    if port_base is None:
        return {name: port for name, (_f, port) in SERVICES.items()}
    return {name: port_base + i for i, name in enumerate(SERVICES, start=1)}


def worker_metrics_port(port_base: int | None) -> int:
    """The worker's metrics port: 6066, or base+6 when ``port_base`` moves the stack."""
    return WORKER_METRICS_PORT if port_base is None else port_base + WORKER_METRICS_OFFSET


def free_port_base() -> int:
    """A port base whose base+1..base+6 (the services, the mail server, the worker's metrics)
    are free now (for tests and ``make screenshots``)."""
    from samstat_kit.broker import bindable, free_port

    for _ in range(50):
        base = free_port() - 10
        if base > 1024 and all(bindable(base + i)
                               for i in range(1, WORKER_METRICS_OFFSET + 1)):
            return base
    raise RuntimeError("no free block of ports")


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "samstat", *args], env=env)


def _wait_healthy(port: int, timeout_s: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    return False


def _seed(settings: KitSettings) -> str:
    from samstat_kit.auth import service as tokens
    from samstat_kit.db import session_factory, session_scope
    from services.initiatives.registry import service as registry

    migrate_all(settings.db_url)
    with session_scope(session_factory(settings.db_url)) as session:
        registry.seed(session=session)
        return tokens.issue(session=session, scope="admin", ttl_days=1)


def _local_broker(settings: KitSettings) -> LocalBroker | str | None:
    """A started local broker, None if one answers already, or an error message."""
    bootstrap = settings.kafka.bootstrap_servers
    if broker_answers(bootstrap):
        return None
    host, _, port = bootstrap.rpartition(":")
    if "," in bootstrap or host not in LOCAL_HOSTS or not port.isdigit():
        return f"no broker answers on {bootstrap}"
    broker = LocalBroker(port=int(port), log_file=settings.data_dir / "broker.log")
    broker.start()
    print(f"broker: started Tansu on {bootstrap}", flush=True)
    return broker


def _environment(settings: KitSettings, by_name: dict[str, int],
                 mail_port: int | None = None, port_base: int | None = None
                 ) -> dict[str, str]:
    env = os.environ | {
        "SAMSTAT_DATA_DIR": str(settings.data_dir.resolve()),
        "SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        # The local broker makes a group's first join wait the rebalance timeout.
        "SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS": os.environ.get(
            "SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS", "4000"),
        "SAMSTAT_INDICATORS_URL": f"http://127.0.0.1:{by_name['indicators']}",
        # The alert page's "why": notify reads the input cells from ingest.
        "SAMSTAT_INGEST_URL": f"http://127.0.0.1:{by_name['ingest']}",
    }
    # Behind an ingress every page shares one public host. Here each service has its port:
    # the pages an alert or a digest links to (an indicator's) are the indicators service's,
    # and the inbox and the links to act on an alert are notify's.
    if "SAMSTAT_PUBLIC_BASE_URL" not in os.environ:
        env["SAMSTAT_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{by_name['indicators']}"
    # Each service's pages on its own loopback port: the header's bar links them all
    # (samstat_kit.present.nav); behind an ingress they share the public base URL instead.
    for service, variable in (("notify", "SAMSTAT_NOTIFY_PUBLIC_URL"),
                              ("initiatives", "SAMSTAT_INITIATIVES_PUBLIC_URL"),
                              ("ingest", "SAMSTAT_INGEST_PUBLIC_URL")):
        if variable not in os.environ:
            env[variable] = f"http://127.0.0.1:{by_name[service]}"
    if mail_port is not None:
        env |= {"SAMSTAT_SMTP_HOST": "127.0.0.1", "SAMSTAT_SMTP_PORT": str(mail_port)}
    if port_base is not None and "SAMSTAT_WORKER_WEB_PORT" not in os.environ:
        env["SAMSTAT_WORKER_WEB_PORT"] = str(worker_metrics_port(port_base))
    return env


def _mail_sink(settings: KitSettings, port_base: int | None) -> Any | None:
    """The local mail server (samstat/mailsink.py), unless a mail server is configured; a
    stack without it (a warning) rather than no stack if it cannot start."""
    if {"SAMSTAT_SMTP_HOST", "SAMSTAT_SMTP_PORT"} & set(os.environ):
        return None
    mail_dir = settings.data_dir.resolve() / "mail"
    try:
        sink = mailsink.start(mail_dir, mailsink.port_for(port_base))
    except (OSError, TimeoutError, RuntimeError) as exc:
        print(f"mail: no local mail server ({exc}); e-mail will not be sent", file=sys.stderr)
        return None
    if sink is not None:
        print(f"mail: kept in {mail_dir / 'new'} (SMTP on 127.0.0.1:{sink.port})", flush=True)
    return sink


def _stop(children: list[subprocess.Popen[bytes]], broker: LocalBroker | None) -> None:
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in reversed(children):
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(5)
    if broker is not None:
        broker.stop()


def run_all(settings: KitSettings, *, demo: bool = True, port_base: int | None = None,
            demo_interval: float = 10.0) -> int:
    by_name = ports(port_base)
    broker = _local_broker(settings)
    if isinstance(broker, str):
        print(broker, file=sys.stderr)
        return 1
    children: list[subprocess.Popen[bytes]] = []
    stopping = False
    sink = None

    def stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        admin = _seed(settings)
        if broker is not None:
            # The local broker starts empty every time: bring back what the ingest log holds.
            from samstat.replay import replay_log

            replayed = replay_log(settings)
            if replayed:
                print(f"broker: replayed {replayed} observations from the ingest log")
        sink = _mail_sink(settings, port_base)
        env = _environment(settings, by_name, sink.port if sink is not None else None,
                           port_base)
        for name, port in by_name.items():
            children.append(_spawn(["serve", name, "--port", str(port)], env))
        children.append(_spawn(["worker"], env))
        if demo:  # at once: it prepares its figures while the services start, then retries
            children.append(_spawn([
                "demo", "--interval", str(demo_interval),
                "--ingest-url", f"http://127.0.0.1:{by_name['ingest']}",
                "--initiatives-url", f"http://127.0.0.1:{by_name['initiatives']}"], env))
        for name, port in by_name.items():
            state = "up" if _wait_healthy(port) else "NOT HEALTHY"
            print(f"{name:12s} http://127.0.0.1:{port}  ({state})", flush=True)
        metrics = env.get("SAMSTAT_WORKER_WEB_PORT", str(WORKER_METRICS_PORT))
        print(f"{'worker':12s} http://127.0.0.1:{metrics}/metrics", flush=True)
        print(f"admin token (valid one day): {admin}")
        print("samstat is running; Ctrl-C stops everything.", flush=True)
        while not stopping:
            if any(c.poll() is not None for c in children):
                print("a component exited; stopping", file=sys.stderr)
                break
            time.sleep(0.5)
    finally:
        try:
            _stop(children, broker)
        finally:
            if sink is not None:
                sink.stop()
    return 0
