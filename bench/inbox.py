"""The convener's inbox at scale: the queries behind one inbox page, with and without the
inbox's indexes (migration notify 0004), in the same run.

``python -m bench.inbox [--db sqlite|postgres] [--alerts N]`` (not in ``python -m bench``'s
default set; its figures are in docs/benchmarks.md). A fresh database (a new SQLite file, or a
PostgreSQL database of its own) holds N alerts of 20 agencies, one of which has 40 % of them,
fired over two years, most resolved, some read. Timed for the largest agency and a small
one: the first page, a page deep in the list (by its keyset cursor), the open filter, an area
filter, and the counts and filter choices at the top of the page. The baseline is the same
database with the inbox's indexes dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from samstat.components import migrate_all
from samstat_kit.auth.service import Principal
from samstat_kit.db import session_factory, session_scope
from services.notify.alerts.models import Alert
from services.notify.inbox import listing
from services.notify.inbox.models import InboxRead

NOW = datetime(2026, 6, 1, tzinfo=UTC)
AGENCIES = [f"agency-{i:02d}" for i in range(20)]
AREAS = [f"24{i:02d}" for i in range(15)]
# What migration notify 0004 adds; the baseline drops them.
INDEXES = ("ix_notify_alerts_convener_order", "ix_notify_alerts_owner_order")
READER = "convener@agency-00.example"


def rows(n: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        convener = AGENCIES[0] if rng.random() < 0.4 else rng.choice(AGENCIES[1:])
        at = NOW - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        status = rng.choices(("resolved", "firing", "acknowledged"), (80, 12, 8))[0]
        area = rng.choice(AREAS)
        out.append(dict(
            id=str(uuid.UUID(int=rng.getrandbits(128))), dedup_key=f"i{i % 33}|{area}|{i}",
            initiative=rng.randrange(1, 13), indicator=f"i{i % 33:02d}", area=area,
            period=str(2024 + i % 2), rule="yoy_rise", value=1.0, expected=0.5,
            status=status, convener=convener,
            follow_up_owner=rng.choice(AGENCIES) if rng.random() < 0.1 else None,
            reason="bench", episode=1, created_at=at, updated_at=at, fired_at=at,
            reminders=0, resolved_at=at if status == "resolved" else None))
    return out


def load(url: str, n: int) -> None:
    rng = random.Random(7)
    data = rows(n, rng)
    engine = create_engine(url)
    with engine.begin() as c:
        for i in range(0, n, 5000):
            c.execute(insert(Alert), data[i:i + 5000])
        mine = [r["id"] for r in data if r["convener"] == AGENCIES[0]]
        c.execute(insert(InboxRead), [dict(alert_id=a, reader=READER, read_at=NOW)
                                      for a in mine if rng.random() < 0.7])
    analyse(engine)
    engine.dispose()


def analyse(engine: Any) -> None:
    with engine.begin() as c:
        c.execute(text("ANALYZE"))


def timed(fn: Callable[[], Any], n: int) -> dict[str, float]:
    fn()  # warm
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return {"p50_ms": round(1000 * ts[len(ts) // 2], 2),
            "p95_ms": round(1000 * ts[int(len(ts) * 0.95) - 1], 2)}


def measure(url: str, reps: int) -> dict[str, Any]:
    return {f"{who} ({share})": measure_for(url, who, reps)
            for who, share in ((AGENCIES[0], "40 %"), (AGENCIES[5], "3 %"))}


def measure_for(url: str, agency: str, reps: int) -> dict[str, Any]:
    factory = session_factory(url)
    who = Principal(token_id="t", scope="agency", agency=agency)
    out: dict[str, Any] = {}
    with session_scope(factory) as s:
        def page(**kw: Any) -> listing.Page:
            return listing.page(session=s, principal=who, reader=READER, now=NOW, **kw)
        first = page()
        deep = first
        for _ in range(10):  # the 11th page: a keyset cursor 500 rows down
            assert deep.older is not None
            deep = page(after=deep.older)
        cursor = deep.older
        out["rows for the agency"] = first.total
        out["first page"] = timed(page, reps)
        out["page 11 (by cursor)"] = timed(lambda: page(after=cursor), reps)
        out["open only"] = timed(lambda: page(filters=listing.Filters(state="open")), reps)
        out["one area"] = timed(lambda: page(filters=listing.Filters(area=AREAS[3])), reps)
        out["counts and filter choices"] = timed(lambda: (
            listing.open_by_initiative(session=s, principal=who),
            listing.filter_options(session=s, principal=who)), reps)
    factory.kw["bind"].dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite", choices=("sqlite", "postgres"))
    ap.add_argument("--alerts", type=int, default=50_000)
    ap.add_argument("-n", type=int, default=30)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="samstat-inbox-"))
    if args.db == "sqlite":
        url = f"sqlite:///{work / 'inbox.db'}"
    else:
        base = os.environ.get("SAMSTAT_BENCH_PG",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS samstat_bench_inbox"))
            c.execute(text("CREATE DATABASE samstat_bench_inbox"))
        admin.dispose()
        url = base.rsplit("/", 1)[0] + "/samstat_bench_inbox"
    migrate_all(url)
    t = time.monotonic()
    load(url, args.alerts)
    result: dict[str, Any] = {"db": args.db, "alerts": args.alerts,
                              "load_seconds": round(time.monotonic() - t, 1)}
    result["with the indexes"] = measure(url, args.n)
    engine = create_engine(url)
    with engine.begin() as c:
        for name in INDEXES:
            c.execute(text(f"DROP INDEX {name}"))
    analyse(engine)
    engine.dispose()
    result["without them (baseline)"] = measure(url, args.n)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
