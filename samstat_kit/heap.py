"""The heap settings for long-running service processes: the garbage collector's, and glibc
malloc's."""

from __future__ import annotations

import gc
import platform

# CPython's default is a young collection every 700 new container objects: a 500-record
# batch (dicts, models, rows) makes tens of thousands, so the collector ran dozens of times
# per batch and promoted everything it saw into older generations that it walks again later.
YOUNG_THRESHOLD = 10_000

# glibc mallopt parameters (malloc.h) and the values chosen for them.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 64 * 1024
TRIM_THRESHOLD = 1024 * 1024


def settle_heap(young_threshold: int = YOUNG_THRESHOLD) -> None:
    """Freeze what start-up built, collect the young generation less often, and let malloc
    give freed message buffers back (:func:`bound_malloc`).

    Call once in a service process, after the application is built: the imported modules,
    the app and the catalogue live as long as the process, yet every older-generation
    collection walked them again. Measured under the ingest benchmark (PostgreSQL, 4 clients):
    8.8k obs/s before, 11.1–11.9k with either change (docs/benchmarks.md). Not for test
    processes, which build many apps: frozen objects are never collected.
    """
    bound_malloc()
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, *gc.get_threshold()[1:])


def bound_malloc() -> bool:
    """Fix glibc's mmap threshold at 64 KiB and its trim threshold at 1 MiB; False where
    the C library is not glibc (nothing to do).

    glibc serves a block larger than the mmap threshold with a mapping of its own, given
    back to the system when freed. But the threshold moves: each such block freed raises it
    to the block's size (up to 32 MiB), so the next blocks of that size come from the heap,
    where a freed block is only returned if nothing live lies above it. A worker decodes
    messages of ~70 KB and fetches records in batches of megabytes, and keeps a few small
    values of each: its heap grew with freed buffers it could not return (RSS at national
    scale 305 MiB with the memory store; 245 MiB with this, throughput unchanged; see
    docs/benchmarks.md). Setting a threshold fixes it (mallopt(3)), as
    MALLOC_MMAP_THRESHOLD_ would, but without depending on how the process was started.
    """
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
            bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    except (ImportError, OSError, AttributeError):  # a Python without ctypes: nothing to do
        return False
