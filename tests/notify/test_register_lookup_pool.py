"""Registration's host lookups share four threads (services/notify/subscriptions/service.py
``_LOOKUPS``). Four silent names (one agency's choice) fill them for the resolver's whole
timeouts; the deadline was counted from the submit, so another agency's registration of a
host that resolves at once waited in the queue, timed out and was told "refused: address
not allowed" (422) - a false verdict on an address never looked up. A lookup that never
started is "busy, try again" (503); one that started has the whole deadline of its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from samstat_kit.netguard import WebhookGuard
from services.notify.subscriptions import service


def test_a_full_pool_is_busy_not_a_refused_address() -> None:
    released = threading.Event()

    def silent(_host: str, _port: int) -> Sequence[str]:
        released.wait(10)
        raise OSError("no answer")

    slow, fast = WebhookGuard(resolver=silent), WebhookGuard(
        resolver=lambda _h, _p: ["93.184.216.34"])
    def register(i: int) -> None:
        with pytest.raises(service.Refused):
            service._vet(slow, f"https://h{i}.slow.test/", 0.3)

    stuck = [threading.Thread(target=register, args=(i,)) for i in range(4)]
    try:
        for t in stuck:
            t.start()
        time.sleep(0.1)  # the four lookups running, the pool full
        with pytest.raises(service.Busy):
            service._vet(fast, "https://hook.example/", 0.3)
        for t in stuck:
            t.join()
    finally:
        released.set()
    time.sleep(0.2)  # the pool's threads back
    service._vet(fast, "https://hook.example/", 0.3)  # resolves: no error
