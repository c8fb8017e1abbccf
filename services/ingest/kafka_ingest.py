"""Agencies that speak Kafka: consume ``<prefix>.observations.raw.<agency>`` into ingest.

Each agency has its own raw topic (one observation v1 JSON per message, any key). Kafka ACLs
restrict who may write to it (deploy/k8s), so the *topic* is the agency's identity: every record
of ``raw.<agency>`` is judged with ``Principal(token_id="kafka", scope="agency", agency=<agency>)``
by the very same :func:`services.ingest.observations.service.accept_batch` that serves HTTP,
with ``channel="kafka"``. Accepted records take the normal way (ingest log + outbox in one
transaction → relay → validated topic).

Everything else goes to ``<prefix>.observations.deadletter``, one message per record, with the
headers ``samstat-reason`` (human-readable), ``samstat-reason-code`` (``malformed``,
``rejected``, ``forbidden``, ``personal_number``, ``personal_number_in_batch``),
``samstat-field``, ``samstat-index`` (0-based position of the record in its agency's polled
batch), ``samstat-agency``, ``samstat-source-topic``, ``samstat-source-partition`` and
``samstat-source-offset``:

* a value that is not JSON (``malformed``);
* a record that ``accept_batch`` rejects — schema, catalogue, stale revision (``rejected``;
  several problems of one record are joined: fields by ``,``, reasons by ``; ``);
* a record the agency may not publish (``forbidden``): ``accept_batch`` names every such record
  in its structured denials (index, field, reason); they are set aside and the rest retried;
* an ``event_id`` that happens to hold digits shaped like a personal identity number
  (``event_id``, the record redacted): only that record, the producer resends it with a new id;
* JSON nested deeper than :data:`samstat_kit.checks.MAX_DEPTH` or an integer beyond 64 bits
  (``malformed``);
* a personal identity number anywhere else in a record (value, raw text or key, as a string,
  an integer or a float): then nothing of that agency's polled batch is stored. The records
  holding a number are dead-lettered with
  their value replaced by :data:`REDACTED` and no key (``personal_number``); the agency's other
  records of that batch keep their value (``personal_number_in_batch``; the agency resends
  them). Neither the number nor the record's content is ever logged or put in a header.

Delivery is at-least-once with exactly-once effect: the handler commits the database
transaction(s), then sends the dead letters synchronously (kafka-python, acks=all) and only
then returns, after which :class:`~samstat_kit.consumer.BatchConsumer` commits the offsets. A
crash in between replays the batch: accepted records come back as duplicates (by
``event_id``), and dead letters may be sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from kafka import KafkaProducer
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit.anonymity import contains_personal_number, is_personal_number
from samstat_kit.auth.service import Principal
from samstat_kit.checks import EVENT_ID_REASON, refusal, shape_problem
from samstat_kit.consumer import BatchConsumer
from samstat_kit.contracts import Catalogue, load_catalogue
from samstat_kit.db import session_scope, writer_lock
from samstat_kit.kafka import Topics, admin_options, ensure_topics_async
from samstat_kit.settings import KafkaSettings
from samstat_kit.tasks import stop_tasks
from services.ingest.config import IngestSettings
from services.ingest.jsonbody import loads_exact
from services.ingest.metrics import (
    DEADLETTERS,
    OBSERVATIONS,
    REJECTED_BATCHES,
    count_receipt,
)
from services.ingest.observations import service
from services.ingest.observations.schemas import ReceiptRead

log = logging.getLogger(__name__)

REDACTED = b'{"redacted":"personal identity number"}'
TOKEN_ID = "kafka"
MAX_BACKOFF = 5.0


@dataclass(frozen=True)
class DeadLetter:
    agency: str
    record: ConsumerRecord
    index: int
    code: str
    field: str
    reason: str
    value: bytes | None
    key: bytes | None

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            ("samstat-reason", self.reason.encode()),
            ("samstat-reason-code", self.code.encode()),
            ("samstat-field", self.field.encode()),
            ("samstat-index", str(self.index).encode()),
            ("samstat-agency", self.agency.encode()),
            ("samstat-source-topic", str(self.record.topic).encode()),
            ("samstat-source-partition", str(self.record.partition).encode()),
            ("samstat-source-offset", str(self.record.offset).encode()),
        ]


@dataclass
class _Parsed:
    """One raw record of an agency's batch, decoded as far as possible."""

    record: ConsumerRecord
    doc: Any = None
    malformed: str | None = None  # why the value is not JSON
    personal_field: str | None = None  # where a personal number is (never the number)
    event_id_only: bool = False  # ... and it is only the record's (random) event id


# Bytes a dead letter passes on as they came (a value that is not JSON, a key) are scanned as
# whoever reads them may decode them: UTF-8, a Windows code page (an en dash is one byte),
# UTF-16 and UTF-32 either way round (json.loads itself reads those), and, with their NUL
# bytes dropped, as the ASCII text a UTF-16 or UTF-32 text of digits is at any alignment.
_ENCODINGS = ("utf-8", "cp1252", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
# A JSON reader turns \u0038 into 8: a value that is not JSON may still be read as JSON text.
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _readings(raw: bytes) -> list[str]:
    texts = [raw.decode(encoding, "replace") for encoding in _ENCODINGS]
    if b"\x00" in raw:
        texts.append(raw.replace(b"\x00", b"").decode("utf-8", "replace"))
    texts += [_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), t) for t in texts if "\\u" in t]
    return texts


def _bytes_have_personal_number(raw: bytes | None) -> bool:
    return bool(raw) and contains_personal_number(_readings(bytes(raw or b"")))


def _key_has_personal_number(key: bytes | None) -> bool:
    return _bytes_have_personal_number(key)


def _parse(record: ConsumerRecord) -> _Parsed:
    raw: bytes | None = record.value
    p = _Parsed(record)
    if raw is None:
        p.malformed = "empty message (no value)"
    else:
        try:
            # Read as an HTTP body is (duplicate keys refused: the last one would win and
            # hide what the first held; too deep, or not UTF-8: a ValueError).
            p.doc = loads_exact(raw)
        except ValueError:
            p.malformed = "the message value is not valid UTF-8 JSON (or nested too deep)"
            if _bytes_have_personal_number(raw):  # it would be dead-lettered as sent
                p.personal_field = "<raw value>"
        else:
            found = refusal(p.doc)
            if found is not None:
                p.personal_field = found.places[0]
                p.event_id_only = found.places == ("event_id",)
            else:
                p.malformed = shape_problem(p.doc)
    if p.personal_field is None and _key_has_personal_number(record.key):
        p.personal_field = "<message key>"
    if p.personal_field is None and _headers_have_personal_number(record.headers):
        p.personal_field = "<message header>"
    return p


def _headers_have_personal_number(headers: Any) -> bool:
    """A number in a header's name or value: a message carries it whatever part it is in."""
    return any(is_personal_number(str(name)) or _bytes_have_personal_number(value)
               for name, value in headers or ())


class KafkaIngest:
    """Consumes every agency's raw topic and feeds it through ``accept_batch``."""

    def __init__(
        self,
        settings: IngestSettings,
        factory: sessionmaker[Session],
        *,
        catalogue: Catalogue | None = None,
        on_accepted: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.kafka: KafkaSettings = settings.kafka
        self.factory = factory
        self.catalogue = catalogue or load_catalogue()
        self.topics = Topics(self.kafka.topic_prefix)
        self.agency_of = {self.topics.raw(code): code for code in sorted(self.catalogue.agencies)}
        self.group_id = settings.kafka_ingest_group or f"{self.kafka.topic_prefix}-ingest-raw"
        self.consumer = BatchConsumer(self.kafka, list(self.agency_of), self.group_id,
                                      self.handle, max_records=settings.kafka_ingest_max_records)
        self.on_accepted = on_accepted
        self._loop: asyncio.AbstractEventLoop | None = None
        self._producer: KafkaProducer | None = None
        self.last_error: str | None = None

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Wait (cancellably) until the broker answers, then consume until cancelled."""
        self._loop = asyncio.get_running_loop()
        backoff = 0.2
        while True:
            try:
                # Fails at once (cancellably) while no broker answers.
                await ensure_topics_async(self.kafka, [*self.agency_of, self.topics.deadletter])
                break
            except Exception as exc:
                self.last_error = f"cannot create topics: {exc.__class__.__name__}"
                log.info("kafka ingest: %s; retrying in %.1fs", self.last_error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
        self.last_error = None
        await self.consumer.run()

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await asyncio.to_thread(producer.close, 5)

    @property
    def error(self) -> str | None:
        return self.last_error or self.consumer.last_error

    # -------------------------------------------------------------------- handler

    def handle(self, records: Sequence[ConsumerRecord]) -> None:
        """One polled batch (in a worker thread): store per agency, then dead-letter."""
        by_topic: dict[str, list[ConsumerRecord]] = defaultdict(list)
        for r in records:
            by_topic[r.topic].append(r)
        dead: list[DeadLetter] = []
        accepted = 0
        for topic, recs in by_topic.items():
            agency = self.agency_of.get(topic)
            if agency is None:  # not subscribed; cannot happen, but never guess an identity
                log.error("kafka ingest: records from unexpected topic %s skipped", topic)
                continue
            n, letters = self._handle_agency(agency, recs)
            accepted += n
            dead += letters
        if dead:
            self._send(dead)
        if accepted and self.on_accepted is not None and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # loop closed during shutdown
                self._loop.call_soon_threadsafe(self.on_accepted)

    def _handle_agency(self, agency: str, recs: list[ConsumerRecord]
                       ) -> tuple[int, list[DeadLetter]]:
        parsed = [_parse(r) for r in recs]
        if any(p.personal_field is not None and not p.event_id_only for p in parsed):
            return 0, self._personal_number_batch(agency, parsed)

        dead: list[DeadLetter] = []
        sendable: list[int] = []
        for i, p in enumerate(parsed):
            if p.event_id_only:
                dead.append(self._redacted(agency, p, i, "event_id", "event_id",
                                           EVENT_ID_REASON))
            elif p.malformed is not None:
                dead.append(self._letter(agency, p, i, "malformed", "", p.malformed))
            else:
                sendable.append(i)

        receipt: ReceiptRead | None = None
        while sendable:
            try:
                receipt = self._accept(agency, [parsed[i].doc for i in sendable])
                break
            except service.PersonalNumberFound:
                # The gate saw something our own scan did not: treat the batch as tainted.
                return 0, self._personal_number_batch(agency, parsed, redact_all=True)
            except service.Forbidden as exc:
                # The structured denials name each record (its index among those sent):
                # set them aside, retry the rest. No denials: nothing may be published.
                culprits = {sendable[d.index]: (d.field, d.reason) for d in exc.denials} or {
                    i: ("agency", str(exc)) for i in sendable}
                for i, (where, reason) in culprits.items():
                    dead.append(self._letter(agency, parsed[i], i, "forbidden", where, reason))
                sendable = [i for i in sendable if i not in culprits]

        if receipt is not None:
            problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for rej in receipt.rejected:
                problems[sendable[rej.index]].append((rej.field, rej.reason))
            for i, probs in sorted(problems.items()):
                fields = ",".join(dict.fromkeys(f for f, _ in probs))
                reasons = "; ".join(r for _, r in probs)
                dead.append(self._letter(agency, parsed[i], i, "rejected", fields, reasons))
            measures = {parsed[i].doc.get("measure") for i in sendable
                        if i not in problems and isinstance(parsed[i].doc, dict)}
            count_receipt(agency, accepted=receipt.accepted, duplicates=receipt.duplicates,
                          rejected=len(dead), suppressed=len(receipt.suppressed),
                          measures=measures & self.catalogue.measures.keys())
        elif dead:
            OBSERVATIONS.labels(agency, "rejected").inc(len(dead))
        accepted = receipt.accepted if receipt is not None else 0
        if dead:
            log.info("kafka ingest: %s: %d accepted, %d dead-lettered", agency, accepted,
                     len(dead))
        return accepted, sorted(dead, key=lambda d: d.index)

    def _accept(self, agency: str, docs: list[Any]) -> ReceiptRead:
        principal = Principal(token_id=TOKEN_ID, scope="agency", agency=agency)
        with writer_lock(self.settings.db_url), session_scope(self.factory) as session:
            return service.accept_batch(
                session=session, principal=principal, records=docs, catalogue=self.catalogue,
                topic=self.topics.validated, threshold=self.settings.suppression_threshold,
                channel="kafka",
            )

    def _personal_number_batch(self, agency: str, parsed: list[_Parsed], *,
                               redact_all: bool = False) -> list[DeadLetter]:
        REJECTED_BATCHES.labels("personal_number").inc()
        OBSERVATIONS.labels(agency, "rejected").inc(len(parsed))
        log.warning("kafka ingest: %s: a personal identity number in a polled batch of %d "
                    "records; nothing stored, all dead-lettered", agency, len(parsed))
        dead = []
        for i, p in enumerate(parsed):
            if p.personal_field is not None or redact_all:
                dead.append(self._redacted(
                    agency, p, i, "personal_number", p.personal_field or "",
                    "personal identity number; the record is redacted and nothing of the "
                    "agency's polled batch was stored"))
            else:
                dead.append(self._letter(
                    agency, p, i, "personal_number_in_batch", "",
                    "another record of the same polled batch held a personal identity "
                    "number, so nothing of the batch was stored; resend this record"))
        return dead

    @staticmethod
    def _redacted(agency: str, p: _Parsed, index: int, code: str, field: str,
                  reason: str) -> DeadLetter:
        """A dead letter without the record's value and key: they hold a personal number."""
        return DeadLetter(agency=agency, record=p.record, index=index, code=code, field=field,
                          reason=reason, value=REDACTED, key=None)

    @staticmethod
    def _letter(agency: str, p: _Parsed, index: int, code: str, field: str,
                reason: str) -> DeadLetter:
        return DeadLetter(agency=agency, record=p.record, index=index, code=code, field=field,
                          reason=reason, value=p.record.value, key=p.record.key)

    # ---------------------------------------------------------------- dead letters

    def _producer_(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                **admin_options(self.kafka), client_id="samstat-ingest-deadletter",
                acks="all", linger_ms=5, retries=5, request_timeout_ms=10000,
                max_block_ms=10000, delivery_timeout_ms=30000,
                enable_idempotence=False,  # Tansu does not implement idempotent producers
            )
        return self._producer

    def _send(self, dead: list[DeadLetter]) -> None:
        """Send synchronously; raising makes BatchConsumer replay the batch uncommitted."""
        producer = self._producer_()
        futures = [producer.send(self.topics.deadletter, value=d.value, key=d.key,
                                 headers=d.headers()) for d in dead]
        producer.flush(timeout=30)
        for f in futures:
            f.get(timeout=30)
        for d in dead:
            DEADLETTERS.labels(d.agency, d.code).inc()


def start(settings: IngestSettings, factory: sessionmaker[Session], *,
          on_accepted: Callable[[], None] | None = None) -> RunningKafkaIngest | None:
    """Start consuming in the running event loop; None when ``kafka_ingest_enabled`` is off."""
    if not settings.kafka_ingest_enabled:
        return None
    ingest = KafkaIngest(settings, factory, on_accepted=on_accepted)
    return RunningKafkaIngest(ingest, asyncio.create_task(ingest.run(), name="kafka-ingest"))


@dataclass
class RunningKafkaIngest:
    ingest: KafkaIngest
    task: asyncio.Task[None]

    async def stop(self) -> None:
        await stop_tasks(self.task)
        await self.ingest.close()
