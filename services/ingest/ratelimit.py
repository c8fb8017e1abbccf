"""Per-agency rate limit on batches (moving window).

The counts live where ``SAMSTAT_RATE_LIMIT_STORAGE_URL`` says: by default in this process's
memory, which is right for one replica; with several replicas behind one address each would
allow the full rate and an agency would get n times its limit, so they share a store that the
``limits`` library speaks (``redis://host:6379/0``, ``rediss://`` with TLS, Redis Sentinel or
Cluster, memcached, MongoDB). The window is counted atomically in the store (a Lua script on
Redis), so replicas hitting it at the same moment cannot both take the last slot.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

NAMESPACE = "samstat-ingest-batches"
UNWELL_SECONDS = 5


class AgencyLimiter:
    def __init__(self, per_minute: int, storage_url: str | None = None,
                 key_prefix: str = "samstat") -> None:
        self.item = RateLimitItemPerMinute(per_minute, namespace=NAMESPACE)
        storage: Storage = MemoryStorage()
        if storage_url and not storage_url.startswith("memory://"):
            # The prefix keeps deployments (and test runs) that share one Redis apart; the
            # timeouts bound how long a request waits on an unwell store (the call is
            # synchronous, like the in-memory one, and takes well under a millisecond).
            shared = storage_from_string(storage_url, key_prefix=key_prefix,
                                         socket_timeout=0.5, socket_connect_timeout=0.5)
            if not isinstance(shared, Storage):
                raise ValueError("the rate limit storage must be a synchronous one "
                                 "(redis://, not async+redis://)")
            storage = shared
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(storage)
        self._unwell_until = float("-inf")

    def hit(self, key: str) -> int | None:
        """Count one batch; None if allowed, else the seconds to wait (Retry-After)."""
        if time.monotonic() < self._unwell_until:
            return None
        try:
            if self.limiter.hit(self.item, key):
                return None
            reset = self.limiter.get_window_stats(self.item, key).reset_time
        except Exception as exc:
            # The store is away: let batches in rather than refuse every agency (the limit
            # protects capacity; refusing data because a counter is down would be worse), and
            # leave it alone for a while, so requests do not each wait for its timeout.
            self._unwell_until = time.monotonic() + UNWELL_SECONDS
            log.warning("rate limit storage unavailable (%s); not limiting for %d s",
                        exc.__class__.__name__, UNWELL_SECONDS)
            return None
        return max(1, math.ceil(reset - time.time()))
