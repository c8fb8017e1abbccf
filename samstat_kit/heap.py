"""The garbage collector's settings for long-running service processes."""

from __future__ import annotations

import gc

# CPython's default is a young collection every 700 new container objects: a 500-record
# batch (dicts, models, rows) makes tens of thousands, so the collector ran dozens of times
# per batch and promoted everything it saw into older generations that it walks again later.
YOUNG_THRESHOLD = 10_000


def settle_heap(young_threshold: int = YOUNG_THRESHOLD) -> None:
    """Freeze what start-up built, and collect the young generation less often.

    Call once in a service process, after the application is built: the imported modules,
    the app and the catalogue live as long as the process, yet every older-generation
    collection walked them again. Measured under the ingest benchmark (PostgreSQL, 4 clients):
    8.8k obs/s before, 11.1–11.9k with either change (docs/benchmarks.md). Not for test
    processes, which build many apps: frozen objects are never collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, *gc.get_threshold()[1:])
