"""settle_heap, in a process of its own: frozen objects are never collected, so never here."""

from __future__ import annotations

import subprocess
import sys


def test_settle_heap_freezes_start_up_and_raises_the_young_threshold() -> None:
    code = ("import gc; from samstat_kit.heap import settle_heap, YOUNG_THRESHOLD; "
            "before = gc.get_freeze_count(); settle_heap(); "
            "print(before, gc.get_freeze_count() > 1000, "
            "gc.get_threshold()[0] == YOUNG_THRESHOLD)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["0", "True", "True"]
