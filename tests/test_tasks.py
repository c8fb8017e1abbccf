"""Stopping tasks whose libraries swallow cancellations (samstat_kit.tasks)."""

from __future__ import annotations

import asyncio
import contextlib

from samstat_kit.tasks import raise_if_cancelling, stop_tasks


async def _swallowing_close() -> None:
    """What aiokafka's close does: await a helper task inside suppress(CancelledError)."""
    helper = asyncio.create_task(asyncio.sleep(0.3))
    with contextlib.suppress(asyncio.CancelledError):
        await helper


async def test_a_swallowed_cancellation_is_caught_at_the_next_turn() -> None:
    turns = 0

    async def loop() -> None:
        nonlocal turns
        while True:
            raise_if_cancelling()
            turns += 1
            await _swallowing_close()

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.05)
    task.cancel()  # arrives inside the suppress: swallowed
    await asyncio.wait({task}, timeout=2)
    assert task.cancelled() and turns == 1


async def test_stop_tasks_repeats_the_cancellation_and_is_bounded() -> None:
    async def stubborn() -> None:  # no raise_if_cancelling: only a repeated cancel ends it
        while True:
            await _swallowing_close()
            await asyncio.sleep(5)

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0.05)
    await stop_tasks(task, recancel_every=0.5, timeout=5)
    assert task.cancelled()

    released = asyncio.Event()

    async def immortal() -> None:
        while not released.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(10)

    task = asyncio.create_task(immortal())
    await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await stop_tasks(task, recancel_every=0.2, timeout=1)
    assert not task.done() and loop.time() - start < 2  # gave up, did not hang
    released.set()
    task.cancel()
    await asyncio.wait({task}, timeout=2)
    assert task.done()
