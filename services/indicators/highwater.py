"""Correct changelog highwaters for faust's table recovery.

Faust decides that a table is recovered when it has read its changelog up to the partition's
end offset as reported by ListOffsets. The local broker (Tansu) reports the *base* offset of
the last record batch plus one, so after a batch of several records it answers too low, and
faust then stops one or more records short: the last updates before a restart were lost (seen
here as a worker that, after kill -9, forgot a correction it had already applied). The high
watermark in a Fetch response is right on Tansu and on Apache Kafka alike, so recovery takes
the larger of the two. On a broker that reports end offsets correctly this changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.tables.recovery import Recovery

from samstat_kit.kafka import client_options
from samstat_kit.settings import KafkaSettings

log = logging.getLogger(__name__)
_patched = False


async def fetch_highwaters(settings: KafkaSettings, tps: Iterable[TopicPartition],
                           reported: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
    """End offsets as the Fetch high watermark says (only for non-empty partitions)."""
    wanted = [tp for tp in tps if reported.get(tp, 0) > 0]
    if not wanted:
        return {}
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(wanted)
        for tp in wanted:
            consumer.seek(tp, reported[tp] - 1)
        out: dict[TopicPartition, int] = {}
        for _ in range(5):
            await consumer.getmany(*[tp for tp in wanted if tp not in out], timeout_ms=500,
                                   max_records=len(wanted))
            for tp in wanted:
                hw = consumer.highwater(tp)
                if hw is not None:
                    out[tp] = hw
            if len(out) == len(wanted):
                break
        return out
    finally:
        await consumer.stop()


def install(settings: KafkaSettings) -> None:
    """Wrap faust's highwater step once per process (faust-streaming 0.15.x)."""
    global _patched
    if _patched:
        return
    original = Recovery._build_highwaters

    async def build_highwaters(self: Recovery, consumer: Any, tps: Any, destination: Any,
                               title: str) -> None:
        await original(self, consumer, tps, destination, title)
        reported = {TopicPartition(tp.topic, tp.partition): destination[tp] + 1 for tp in tps}
        try:
            fetched = await fetch_highwaters(settings, reported, reported)
        except Exception as exc:  # fall back to what faust found; log why
            log.warning("could not verify changelog highwaters: %s", exc)
            return
        for tp in tps:
            hw = fetched.get(TopicPartition(tp.topic, tp.partition))
            if hw is not None and hw - 1 > destination[tp]:
                log.info("changelog %s[%d]: highwater %d, not %d", tp.topic, tp.partition,
                         hw - 1, destination[tp])
                destination[tp] = hw - 1

    Recovery._build_highwaters = build_highwaters  # type: ignore[method-assign]
    _patched = True
