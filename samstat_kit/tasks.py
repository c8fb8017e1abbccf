"""Stopping background tasks reliably.

aiokafka (0.14) awaits its own helper tasks inside ``contextlib.suppress(CancelledError)`` in
several places (the fetcher's and the client's ``close``, for one). A cancellation of *our* task
that arrives while it is parked there is swallowed: the task carries on, marked as cancelling,
and a shutdown that awaits it waits for ever. That held a test run's service shutdown for the
whole CI time limit. Two defences, used together:

- loops that run such clients call :func:`raise_if_cancelling` once per turn, so a swallowed
  cancellation still ends them at the next turn;
- shutdown code calls :func:`stop_tasks`, which repeats the cancellation while a task has not
  ended and gives up (loudly) after a bound instead of hanging.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


def raise_if_cancelling() -> None:
    """Raise CancelledError if someone asked to cancel the running task, even if a library
    swallowed the exception on the way."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stop_tasks(*tasks: asyncio.Task[object] | None, timeout: float = 20.0,
                     recancel_every: float = 0.5) -> None:
    """Cancel ``tasks`` and wait until they have ended, for at most ``timeout`` seconds.

    A task still running ``recancel_every`` seconds after a cancellation is cancelled again:
    long enough for an orderly cleanup in a ``finally`` (closing a Kafka client takes
    milliseconds), short enough that a swallowed cancellation costs little. A consumer
    stopped while its group join waits for the broker's rebalance waits with it in aiokafka's
    ``stop`` until cancelled again: that was 2 s of every shutdown in the tests (a service
    started and stopped per test), with 2 s here.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = {t for t in tasks if t is not None and not t.done()}
    while pending:
        for task in pending:
            task.cancel()
        wait = min(recancel_every, max(0.0, deadline - loop.time()))
        done, pending = await asyncio.wait(pending, timeout=wait)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.warning("task %s ended with %r", task.get_name(), task.exception())
        if pending and loop.time() >= deadline:
            log.error("tasks did not stop within %.0fs, left behind: %s", timeout,
                      ", ".join(t.get_name() for t in pending))
            return
