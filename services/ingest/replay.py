"""``samstat replay``: republish the whole ingest log, in log order, to the validated topic.

The local broker keeps nothing across a restart; this restores every cell's revisions, and the
stream processors rebuild all state from them. Observations are cell values, so replaying into a
broker that still holds some of them is harmless.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit.kafka import Topics, ensure_topics_async, make_producer
from samstat_kit.settings import KitSettings
from services.ingest.observations.models import IngestObservation
from services.ingest.observations.wire import MESSAGE_OBSERVATIONS, encode_message

CHUNK = 5000


def _doc(o: IngestObservation) -> dict[str, Any]:
    return {
        "event_id": o.event_id, "agency": o.agency, "measure": o.measure, "area": o.area,
        "period": o.period, "dimensions": o.dimensions, "value": o.value, "unit": o.unit,
        "obs_status": o.obs_status, "conf_status": o.conf_status, "revision": o.revision,
        "produced_at": o.produced_at.isoformat(), "cell_key": o.cell_key,
        "withdrawn": o.withdrawn,
    }


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
            last = 0
            while True:
                rows = list(session.scalars(
                    select(IngestObservation).where(IngestObservation.seq > last)
                    .order_by(IngestObservation.seq).limit(CHUNK)))
                if not rows:
                    break
                last = rows[-1].seq
                futures = []
                for o in rows:
                    waiting[o.area].append(_doc(o))
                    if len(waiting[o.area]) >= MESSAGE_OBSERVATIONS:
                        futures.append(await send(o.area, f"replay-{last}"))
                await asyncio.gather(*futures)
                done += len(rows)
                progress(done, total)
                session.expunge_all()
            await asyncio.gather(*[await send(area, f"replay-{last}")
                                   for area, docs in list(waiting.items()) if docs])
    finally:
        await producer.stop()
    return done
