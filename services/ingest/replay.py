"""``samstat replay``: republish the whole ingest log, in log order, to the validated topic.

The local broker keeps nothing across a restart; this restores every cell's revisions, and the
stream processors rebuild all state from them. Observations are cell values, so replaying into a
broker that still holds some of them is harmless.

Log order is not always a cell's revision order: two batches that race log their rows in the
order they insert them, and the later revision can win the race to the log (PostgreSQL; the
live outbox still carries them in revision order). A row that a lower revision of its cell
follows in the log is held back until that row has gone (:class:`RevisionOrder`), so each
cell's rows go out in revision order, as they went live, and everything else in log order.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from samstat_kit.kafka import Topics, ensure_topics_async, make_producer
from samstat_kit.settings import KitSettings
from services.ingest.observations.models import IngestObservation
from services.ingest.observations.wire import MESSAGE_OBSERVATIONS, as_published, encode_message

CHUNK = 5000


def _doc(o: IngestObservation) -> dict[str, Any]:
    return as_published({
        "event_id": o.event_id, "agency": o.agency, "measure": o.measure, "area": o.area,
        "period": o.period, "dimensions": o.dimensions, "value": o.value, "unit": o.unit,
        "obs_status": o.obs_status, "conf_status": o.conf_status, "revision": o.revision,
        "produced_at": o.produced_at.isoformat(), "cell_key": o.cell_key,
        "withdrawn": o.withdrawn,
    })


def overtaken(session: Session) -> dict[int, int]:
    """Log rows a lower revision of their cell follows in the log: seq -> the seq of the
    last such row, after which the row may go. Empty unless batches raced (one pass over
    the log, on the cell-key index; the result is a handful of rows)."""
    row, later = IngestObservation, aliased(IngestObservation)
    return {int(seq): int(release) for seq, release in session.execute(
        select(row.seq, func.max(later.seq))
        .join(later, (later.cell_key == row.cell_key) & (later.seq > row.seq)
              & (later.revision < row.revision))
        .group_by(row.seq))}


class RevisionOrder:
    """Log rows in, in log order; the same rows out, each cell's in revision order.

    A row in ``hold`` waits until the log reaches its release (the last lower revision of its
    cell after it; that row goes first). Rows released together go lowest revision first. A
    held row's release is never itself a held row: that row's own lower, later sibling
    would be a later lower sibling of the first row too."""

    def __init__(self, hold: Mapping[int, int]) -> None:
        self.hold = hold
        self.held: list[tuple[int, int, int, dict[str, Any]]] = []  # release, rev, seq, doc

    def take(self, seq: int, revision: int, doc: dict[str, Any]) -> list[dict[str, Any]]:
        """The documents to send now that the log reached ``seq``."""
        release = self.hold.get(seq)
        if release is not None:
            heapq.heappush(self.held, (release, revision, seq, doc))
            return []
        out = [doc]
        while self.held and self.held[0][0] <= seq:
            out.append(heapq.heappop(self.held)[3])
        return out

    def rest(self) -> list[dict[str, Any]]:
        """What is still held when the log ends (its release was not read: logged since)."""
        out = [item[3] for item in sorted(self.held)]
        self.held = []
        return out


async def replay(
    settings: KitSettings,
    factory: sessionmaker[Session],
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> int:
    kafka = settings.kafka
    topics = Topics(kafka.topic_prefix)
    await ensure_topics_async(kafka, topics.core(), timeout_s=30)
    producer = make_producer(kafka, linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    done = 0
    # An area's observations wait here, across chunks, until a full message is ready: the
    # worker pays its per-message cost once per message, and a chunk of the log holds only a
    # few observations of each of the 290 municipalities.
    waiting: dict[str, list[dict[str, Any]]] = defaultdict(list)

    async def send(area: str, label: str) -> Any:
        docs, waiting[area] = waiting[area], []
        return await producer.send(topics.validated, key=area.encode(),
                                   value=encode_message(label, docs))

    try:
        with factory() as session:
            total = session.scalar(select(func.count(IngestObservation.seq))) or 0
            order = RevisionOrder(overtaken(session))
            last = 0
            while True:
                rows = list(session.scalars(
                    select(IngestObservation).where(IngestObservation.seq > last)
                    .order_by(IngestObservation.seq).limit(CHUNK)))
                if not rows:
                    break
                last = rows[-1].seq
                futures = []
                for doc in (d for o in rows for d in order.take(o.seq, o.revision, _doc(o))):
                    area = doc["area"]
                    waiting[area].append(doc)
                    if len(waiting[area]) >= MESSAGE_OBSERVATIONS:
                        futures.append(await send(area, f"replay-{last}"))
                await asyncio.gather(*futures)
                done += len(rows)
                progress(done, total)
                session.expunge_all()
            for doc in order.rest():
                waiting[doc["area"]].append(doc)
            await asyncio.gather(*[await send(area, f"replay-{last}")
                                   for area, docs in list(waiting.items()) if docs])
    finally:
        await producer.stop()
    return done
