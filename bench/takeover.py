"""Worker takeover: how long until a second worker carries on when the active one goes.

``python -m bench.takeover [--cells N]``: for each configuration, a broker of its own, a fresh
SQLite exchange (tests/e2e/stack.py ``Stack``: ingest, indicators and two workers), N
Försäkringskassan cells loaded and checked exact, then the worker that owns the partitions
stops and the time is taken from that moment until the survivor has served the correct value
of one new observation (a correction of a loaded cell, so the value is right only if the
survivor holds every other cell). The survivor's log says where its recovery started reading
each changelog partition ("Reading Starts At - Active").

Configurations, in the same run: faust's memory store without standby replicas, the memory
store with one standby (the default until now), and rocksdb (rocksdict) with one standby.

The active worker stops with SIGTERM: the local broker (Tansu 0.6) keeps a SIGKILLed member in
its group for good (no session expiry), so after kill -9 nobody would take over there; on
Kafka the session timeout (6 s here) adds to the figures below. Results go to
bench/results/takeover.json.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import RESULTS_DIR, issue_token, say
from samstat_kit.anonymity import new_event_id
from samstat_kit.broker import LocalBroker, free_port

AREAS = ["2480", "2460", "2404", "2409", "2401", "2403"]
CONFIGS = (("memory, no standby", "memory://", 0), ("memory, 1 standby", "memory://", 1),
           ("rocksdb, 1 standby", "rocksdb://", 1))


def _batches(cells: int, revision: int = 1, scale: float = 1.0) -> list[list[dict[str, Any]]]:
    from tests.e2e.test_end_to_end import _obs

    per_month = [(a, b, s) for a in AREAS for b in ("sickness", "sickness_activity_compensation")
                 for s in ("K", "M")]
    months = max(1, cells // len(per_month))
    out = []
    for m in range(months):
        period = f"{1900 + m // 12}-{m % 12 + 1:02d}"
        out.append([_obs("forsakringskassan", "benefit_net_days", period,
                         {"benefit": b, "sex": s}, scale * (i + 1) * 10.0, "days", revision,
                         area=a) for i, (a, b, s) in enumerate(per_month)])
    return out


def _post(http: httpx.Client, url: str, token: str, batch: list[dict[str, Any]]) -> None:
    r = http.post(url + "/v1/observations", json={"observations": batch},
                  headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert r.status_code == 202, r.text


def _fye(http: httpx.Client, url: str, token: str, area: str, period: str) -> float | None:
    r = http.get(f"{url}/v1/fye/{area}/{period}", headers={"Authorization": f"Bearer {token}"},
                 timeout=10)
    return float(r.json()["fye"]) if r.status_code == 200 else None


def _wait(fn: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.1)
    raise TimeoutError(what)


def _active_starts(log: str) -> list[int]:
    """Offsets where the survivor's last active recovery started reading its changelogs
    (faust logs them as a table: topic | partition | offset)."""
    tables = log.split("Reading Starts At - Active")
    if len(tables) < 2:
        return []
    starts = []
    for line in tables[-1].splitlines()[1:]:
        if not line.strip() or line.strip()[0] not in "|+│┌├└╒╞╘":
            break
        m = re.search(r"[|│]\s*(\d+)\s*[|│]\s*(-?\d+)\s*[|│]\s*$", line)
        if m:
            starts.append(int(m.group(2)))
    return starts


def run_one(label: str, store: str, standby: int, cells: int, work: Path) -> dict[str, Any]:
    from tests.e2e.conftest import seeded_stack

    b = LocalBroker(port=free_port())
    b.start()
    stack = seeded_stack(b.bootstrap, work)
    stack.extra_env = {"SAMSTAT_WORKER_STORE": store,
                       "SAMSTAT_WORKER_STANDBY_REPLICAS": str(standby)}
    try:
        for name in ("ingest", "indicators"):
            stack.start(name)
        stack.start("worker")
        _wait(lambda: "Worker ready" in stack.log("worker"), 120, "worker ready")
        stack.start("worker2")
        _wait(lambda: "Worker ready" in stack.log("worker2"), 120, "worker2 ready")
        fk, reader = issue_token(stack.db_url, "forsakringskassan"), \
            issue_token(stack.db_url, None)
        ing, ind = stack.url("ingest"), stack.url("indicators")
        batches = _batches(cells)
        with httpx.Client() as http:
            for batch in batches:
                _post(http, ing, fk, batch)
            last = batches[-1][0]["period"]
            _wait(lambda: _fye(http, ind, reader, AREAS[0], last) is not None, 180, "loaded")
            time.sleep(3)  # the standby reads the changelog's tail
            # Which one owns the partitions: the local broker gives them all to one member.
            active = "worker2" if "Reading Starts At - Active" in stack.log("worker2") \
                else "worker"
            survivor = "worker" if active == "worker2" else "worker2"
            before = len(stack.log(survivor))
            # A correction of every area's first month: right everywhere only once the
            # partitions that moved are served by the survivor with all their other cells.
            fix = [dict(o, event_id=new_event_id(), revision=2, value=o["value"] * 3)
                   for o in batches[0]]
            first = batches[0][0]["period"]
            old = {a: _fye(http, ind, reader, a, first) or 0.0 for a in AREAS}
            t0 = time.monotonic()
            stack.stop(active)
            _post(http, ing, fk, fix)
            _wait(lambda: all(abs((_fye(http, ind, reader, a, first) or 0) - 3 * old[a]) < 1e-6
                              for a in AREAS), 180, "survivor exact")
            took = time.monotonic() - t0
        starts = _active_starts(stack.log(survivor)[before:])
        say(f"  takeover {label}: {took:.2f}s; survivor's active recovery started at "
            f"{starts}")
        return {"label": label, "store": store, "standby": standby, "cells": cells,
                "takeover_seconds": round(took, 2), "recovery_starts": starts}
    finally:
        stack.stop_all()
        b.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.takeover")
    ap.add_argument("--cells", type=int, default=2400, help="cells loaded before the takeover")
    args = ap.parse_args(argv)
    results = []
    for label, store, standby in CONFIGS:
        with tempfile.TemporaryDirectory(prefix="samstat-takeover-") as tmp:
            results.append(run_one(label, store, standby, args.cells, Path(tmp)))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "takeover.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
