"""Red team: a host lookup hung on a silent name (registration's ``_LOOKUPS``, the
dispatcher's resolver threads) held up notify's exit: ``ThreadPoolExecutor`` joins its
threads when the interpreter exits, even after ``shutdown(wait=False, cancel_futures=True)``,
so a stopped pod ran on for the resolver's whole timeouts. Their threads are daemons now
(samstat_kit.daemon_pool).

Each case runs in a process of its own whose resolver blocks for two minutes (a DNS that
never answers; nothing is resolved, nothing connects) and must exit within seconds."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from samstat_kit.daemon_pool import DaemonPool
from tests.ops.metrics_inventory import ROOT

SILENT = """
import threading
gate = threading.Event()
def silent(host, port):
    gate.wait(120)  # a name whose DNS never answers
    raise OSError("no answer")
"""
REGISTRATION = """
from samstat_kit.netguard import WebhookGuard
from services.notify.subscriptions import service
try:
    service._vet(WebhookGuard(resolver=silent), "https://h.silent.test/", 0.2)
except service.Refused:
    print("refused", flush=True)
"""
DISPATCH = """
from services.notify.config import NotifySettings
from services.notify.delivery.dispatcher import Dispatcher
dispatcher = Dispatcher(None, NotifySettings(kafka_enabled=False))
dispatcher.open()
lookup = dispatcher.resolvers.submit(silent, "h.silent.test", 443)
dispatcher.resolvers.shutdown(wait=False, cancel_futures=True)  # as Dispatcher.stop does
print("refused" if not lookup.done() else "answered", flush=True)
"""


@pytest.mark.parametrize("case", [REGISTRATION, DISPATCH], ids=["registration", "dispatch"])
def test_a_hung_lookup_does_not_hold_up_the_exit(case: str) -> None:
    script = textwrap.dedent(SILENT) + textwrap.dedent(case)
    started = time.monotonic()
    try:
        run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                             text=True, timeout=45)
    except subprocess.TimeoutExpired:
        pytest.fail("the process waited for the hung lookup")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "refused"
    assert time.monotonic() - started < 40


def test_the_pool_runs_work_like_an_executor() -> None:
    pool = DaemonPool(2, "test-pool")
    assert pool.submit(pow, 2, 10).result(5) == 1024
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 / 0).result(5)
    gate = threading.Event()
    busy = [pool.submit(gate.wait, 5) for _ in range(2)]
    queued = pool.submit(pow, 3, 2)
    time.sleep(0.1)
    assert len(pool._threads) == 2 and not queued.done()  # no more threads than asked
    assert all(t.daemon for t in pool._threads)
    assert queued.cancel()  # still queued: withdrawn, never run
    gate.set()
    assert [f.result(5) for f in busy] == [True, True]
    assert pool.submit(pow, 3, 2).result(5) == 9  # an idle thread, not a new one
    assert len(pool._threads) == 2
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(pow, 1, 1)


def test_shutdown_cancels_what_is_queued() -> None:
    pool = DaemonPool(1, "test-pool")
    gate = threading.Event()
    running = pool.submit(gate.wait, 5)
    queued = pool.submit(pow, 2, 2)
    time.sleep(0.1)
    pool.shutdown(wait=False, cancel_futures=True)
    assert queued.cancelled() and not running.done()
    gate.set()
    assert running.result(5) is True
