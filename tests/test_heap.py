"""settle_heap, in a process of its own: frozen objects are never collected, so never here."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest


def test_settle_heap_freezes_start_up_and_raises_the_young_threshold() -> None:
    code = ("import gc; from samstat_kit.heap import settle_heap, YOUNG_THRESHOLD; "
            "before = gc.get_freeze_count(); settle_heap(); "
            "print(before, gc.get_freeze_count() > 1000, "
            "gc.get_threshold()[0] == YOUNG_THRESHOLD)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["0", "True", "True"]


RETAINED = """
import os, sys
from samstat_kit.heap import bound_malloc
if sys.argv[1] == "bound":
    assert bound_malloc()
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
def touched(n):
    block = bytearray(n)
    block[::4096] = b"x" * len(block[::4096])
    return block
def retained():
    for n in (1, 2, 4, 8):  # large blocks freed: glibc's moving threshold rises to their size
        big = touched(n << 20)
        del big
    base = rss()
    buffers, kept = [], []
    for _ in range(1500):  # message-sized buffers, each beside a small value that stays
        buffers.append(touched(100_000))
        kept.append(touched(2_000))
    del buffers
    return (rss() - base) // (1 << 20)
print(retained())
"""


def _retained_mib(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", RETAINED, mode], capture_output=True,
                         text=True, check=True).stdout
    return int(out)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_bound_malloc_gives_freed_message_buffers_back() -> None:
    # 150 MB of buffers freed: with glibc's moving threshold they stay in the heap, pinned by
    # the small values allocated between them; with the fixed threshold they go back.
    assert _retained_mib("default") > 100
    assert _retained_mib("bound") < 20
