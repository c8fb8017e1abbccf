"""``samstat run``: the whole exchange on one machine, in the foreground.

Starts the local broker (unless a broker already answers), migrates and seeds the data dir,
then the four services, the indicators worker and the demo agencies as child processes.
Ctrl-C (or SIGTERM) stops them all, children first, broker last.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

import httpx

from samstat.components import SERVICES, migrate_all
from samstat_kit.broker import LocalBroker, broker_answers
from samstat_kit.settings import KitSettings

LOCAL_BOOTSTRAP = "127.0.0.1:9092"


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "samstat", *args], env=env)


def _wait_healthy(port: int, timeout_s: float = 60.0) -> bool:
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
        registry.seed(session=session, year=2024)
        return tokens.issue(session=session, scope="admin", ttl_days=1)


def run_all(settings: KitSettings, *, demo: bool = True) -> int:
    bootstrap = settings.kafka.bootstrap_servers
    broker = None
    if not broker_answers(bootstrap):
        if bootstrap != LOCAL_BOOTSTRAP:
            print(f"no broker answers on {bootstrap}", file=sys.stderr)
            return 1
        broker = LocalBroker(port=9092, log_file=settings.data_dir / "broker.log")
        broker.start()
        print(f"broker: started Tansu on {bootstrap}")
    admin = _seed(settings)
    if broker is not None:
        # The local broker starts empty every time: bring back what the ingest log holds.
        from samstat.replay import replay_log

        replayed = replay_log(settings)
        if replayed:
            print(f"broker: replayed {replayed} observations from the ingest log")
    env = os.environ | {
        "SAMSTAT_DATA_DIR": str(settings.data_dir.resolve()),
        "SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        # Everything runs on this machine: webhook receivers on loopback are allowed here
        # (notify refuses them by default; see samstat_kit/netguard.py).
        "SAMSTAT_WEBHOOK_ALLOWED_HOSTS": os.environ.get("SAMSTAT_WEBHOOK_ALLOWED_HOSTS",
                                                        "127.0.0.1,localhost"),
        # The local broker makes a group's first join wait the rebalance timeout.
        "SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS": os.environ.get(
            "SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS", "4000"),
    }
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for name, (_factory, port) in SERVICES.items():
            children.append(_spawn(["serve", name, "--port", str(port)], env))
        children.append(_spawn(["worker"], env))
        for name, (_factory, port) in SERVICES.items():
            state = "up" if _wait_healthy(port) else "NOT HEALTHY"
            print(f"{name:12s} http://127.0.0.1:{port}  ({state})")
        if demo and not stopping:
            children.append(_spawn(["demo"], env))
        print(f"admin token (valid one day): {admin}")
        print("samstat is running; Ctrl-C stops everything.")
        while not stopping:
            if any(c.poll() is not None for c in children):
                print("a component exited; stopping", file=sys.stderr)
                break
            time.sleep(0.5)
    finally:
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in reversed(children):
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        if broker is not None:
            broker.stop()
    return 0
