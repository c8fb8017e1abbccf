"""Per-agency rate limit on batches (moving window of one minute).

The counts live where ``SAMSTAT_RATE_LIMIT_STORAGE_URL`` says:

- unset (or ``memory://``): this process's memory, right for one replica. With several
  replicas behind one address each would allow the full rate, and an agency would get n times
  its limit; so they share one of:
- ``database``: the service's own PostgreSQL (table ``ingest_rate_hits``), nothing more to run;
- a store the ``limits`` library speaks: ``redis://host:6379/0``, ``rediss://`` (TLS), Redis
  Sentinel or Cluster, memcached, MongoDB.

Either shared store counts atomically (an advisory lock per agency in PostgreSQL, a Lua script
in Redis), so replicas hitting it at the same moment cannot both take the last slot.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections import defaultdict, deque

import sqlalchemy as sa
from limits import RateLimitItemPerMinute
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from samstat_kit.db import get_engine, new_metadata

log = logging.getLogger(__name__)

NAMESPACE = "samstat-ingest-batches"
UNWELL_SECONDS = 5
DATABASE = "database"
WINDOW_SECONDS = 60

metadata = new_metadata()
# One row per counted batch in the last minute (rows of a key are pruned on its next hit).
rate_hits = sa.Table(
    "ingest_rate_hits", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_ingest_rate_hits_key_at", "key", "at"),
)


class DatabaseWindow:
    """The moving window in PostgreSQL: one transaction per hit, serialised per key by an
    advisory lock, timed by the database's clock (replicas' clocks may differ)."""

    def __init__(self, db_url: str, per_minute: int) -> None:
        self.engine = get_engine(db_url)
        if self.engine.dialect.name != "postgresql":
            raise ValueError("SAMSTAT_RATE_LIMIT_STORAGE_URL=database needs PostgreSQL; with "
                             "the embedded SQLite (one replica) leave it unset")
        self.per_minute = per_minute

    # Three round trips: lock (and no WAL flush wait: a count need not survive a crash),
    # prune and count (the count sees the rows as they were, hence its own filter), insert.
    _LOCK = sa.text("SELECT set_config('synchronous_commit', 'off', true), "
                    "pg_advisory_xact_lock(hashtext(:key))")
    _COUNT = sa.text(f"""
        WITH pruned AS (
            DELETE FROM ingest_rate_hits
            WHERE key = :key AND at <= clock_timestamp() - interval '{WINDOW_SECONDS} seconds')
        SELECT count(*), extract(epoch FROM min(at) + interval '{WINDOW_SECONDS} seconds'
                                             - clock_timestamp())
        FROM ingest_rate_hits
        WHERE key = :key AND at > clock_timestamp() - interval '{WINDOW_SECONDS} seconds'""")
    _INSERT = sa.text("INSERT INTO ingest_rate_hits (key, at) VALUES (:key, clock_timestamp())")

    def hit(self, key: str) -> int | None:
        with self.engine.begin() as conn:
            conn.execute(self._LOCK, {"key": key})
            count, wait = conn.execute(self._COUNT, {"key": key}).one()
            if count < self.per_minute:
                conn.execute(self._INSERT, {"key": key})
                return None
        return max(1, math.ceil(float(wait)))


class MemoryWindow:
    """The moving window in this process's memory: the times of each key's batches in the
    last minute, oldest first.

    Not limits' MemoryStorage: that started a timer thread (to trim old entries) on a hit
    whenever its last one had ended, so at ingest's rate a thread per batch, and
    ``Thread.start()`` waits until the new thread runs: with a worker thread holding the GIL
    that kept the event loop (every other request, the relay) waiting 8 ms, up to 18, per
    batch. Here old entries go on the next hit of their key, in the caller's thread."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] < now - WINDOW_SECONDS:  # a minute old: out of the window
                hits.popleft()
            if len(hits) < self.per_minute:
                hits.append(now)
                return None
            return max(1, math.ceil(hits[0] + WINDOW_SECONDS - now))


class AgencyLimiter:
    def __init__(self, per_minute: int, storage_url: str | None = None,
                 key_prefix: str = "samstat", db_url: str | None = None) -> None:
        self.item = RateLimitItemPerMinute(per_minute, namespace=NAMESPACE)
        self.key_prefix = key_prefix
        self.database: DatabaseWindow | None = None
        self.memory: MemoryWindow | None = None
        self.limiter: MovingWindowRateLimiter | None = None
        if storage_url == DATABASE:
            if db_url is None:
                raise ValueError("the database rate limit needs the database URL")
            self.database = DatabaseWindow(db_url, per_minute)
        elif storage_url and not storage_url.startswith("memory://"):
            # The prefix keeps deployments (and test runs) that share one Redis apart; the
            # timeouts bound how long a request waits on an unwell store.
            shared = storage_from_string(storage_url, key_prefix=key_prefix,
                                         socket_timeout=0.5, socket_connect_timeout=0.5)
            if not isinstance(shared, Storage):
                raise ValueError("the rate limit storage must be a synchronous one "
                                 "(redis://, not async+redis://)")
            self.limiter = MovingWindowRateLimiter(shared)
        else:
            self.memory = MemoryWindow(per_minute)
        self.shared = self.memory is None
        self._unwell_until = float("-inf")

    async def hit_async(self, key: str) -> int | None:
        """:meth:`hit` off the event loop when it waits on a shared store."""
        if self.shared:
            return await asyncio.to_thread(self.hit, key)
        return self.hit(key)

    def hit(self, key: str) -> int | None:
        """Count one batch; None if allowed, else the seconds to wait (Retry-After)."""
        if time.monotonic() < self._unwell_until:
            return None
        try:
            if self.memory is not None:
                return self.memory.hit(key)
            if self.database is not None:
                return self.database.hit(f"{self.key_prefix}:{key}")
            assert self.limiter is not None
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
