"""Accepting a batch: gate, validate, deduplicate, version, and write log + outbox in the
caller's transaction. Nothing here commits."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from samstat_kit.anonymity import contains_personal_number
from samstat_kit.auth.service import Principal
from samstat_kit.cells import cell_key
from samstat_kit.contracts import Catalogue
from services.ingest import gate
from services.ingest.observations.bulk import insert_log, insert_rows, one_of
from services.ingest.observations.models import (
    IngestBatch,
    IngestCell,
    IngestObservation,
    OutboxMessage,
)
from services.ingest.observations.schemas import (
    ObservationCreate,
    ReceiptRead,
    Rejection,
    SuppressionRead,
)
from services.ingest.validation import Problem, check_catalogue, dump_records, parse_records


class PersonalNumberFound(Exception):
    """The batch holds a personal identity number. Deliberately carries no detail."""


class Forbidden(Exception):
    """The token may not publish (part of) this batch."""


class StrictRejected(Exception):
    def __init__(self, receipt: ReceiptRead) -> None:
        self.receipt = receipt


def _authorize(index: int, obs: ObservationCreate, principal: Principal, cat: Catalogue) -> None:
    if principal.scope != "agency":
        raise Forbidden("only agency tokens publish observations")
    if obs.agency != principal.agency:
        raise Forbidden(f"record {index}: the token of {principal.agency} may not publish "
                        f"as {obs.agency}")
    denial = cat.publish_denial(obs.agency, obs.measure, obs.area, obs.dimensions)
    if denial:
        raise Forbidden(f"record {index}: {denial}")


def accept_batch(
    *,
    session: Session,
    principal: Principal,
    records: list[Any],
    catalogue: Catalogue,
    topic: str,
    threshold: int,
    strict: bool = False,
    channel: str = "http",
) -> ReceiptRead:
    if contains_personal_number(records):
        raise PersonalNumberFound()
    good: list[tuple[int, ObservationCreate]] = []
    parsed, problems = parse_records(records)
    for i, obs in parsed:
        _authorize(i, obs, principal, catalogue)
        errs = check_catalogue(i, obs, catalogue)
        if errs:
            problems.extend(errs)
        else:
            good.append((i, obs))
    batch_id = str(uuid.uuid4())
    if strict and problems:
        raise StrictRejected(_receipt(batch_id, 0, 0, problems, []))

    docs = dump_records([o for _, o in good])
    person = [catalogue.measures[o.measure].person_count for _, o in good]
    suppressed = [
        SuppressionRead(index=good[s.index][0], reason=s.reason)
        for s in gate.suppress(docs, person, threshold)
    ]

    now = datetime.now(UTC)
    ids = [d["event_id"] for d in docs]
    keys = [cell_key(d["agency"], d["measure"], d["area"], d["period"], d["dimensions"])
            for d in docs]
    # Core statements on the session's connection: the ORM's execution path cost more than
    # these two lookups themselves.
    connection = session.connection()
    seen_ids = set(connection.scalars(
        select(IngestObservation.event_id)
        .where(one_of(session, IngestObservation.event_id, ids))))
    current = dict(connection.execute(
        select(IngestCell.cell_key, IngestCell.revision)
        .where(one_of(session, IngestCell.cell_key, keys))
    ).all())
    known = set(current)

    duplicates = 0
    by_area: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    for (index, _), doc, key in zip(good, docs, keys, strict=True):
        if doc["event_id"] in seen_ids:
            duplicates += 1
            continue
        if key in current and doc["revision"] <= current[key]:
            problems.append(Problem(index, "revision",
                                    f"stale: the cell already has revision {current[key]}"))
            continue
        seen_ids.add(doc["event_id"])
        current[key] = doc["revision"]
        rows.append({
            "event_id": doc["event_id"], "cell_key": key, "agency": doc["agency"],
            "measure": doc["measure"], "area": doc["area"], "period": doc["period"],
            "dimensions": doc["dimensions"], "value": doc["value"], "unit": doc["unit"],
            "obs_status": doc["obs_status"], "conf_status": doc["conf_status"],
            "revision": doc["revision"],
            "produced_at": _utc(datetime.fromisoformat(doc["produced_at"])),
            "received_at": now, "batch_id": batch_id,
        })
        by_area[doc["area"]].append(doc | {"cell_key": key})

    # Bulk statements, not ORM objects (services/ingest/observations/bulk.py): a 500-record
    # batch is a few statements instead of a thousand tracked instances.
    if rows:
        seqs = insert_log(session=session, rows=rows)
        latest: dict[str, dict[str, Any]] = {}
        for row, seq in zip(rows, seqs, strict=True):
            if row["cell_key"] not in latest or \
                    row["revision"] > latest[row["cell_key"]]["revision"]:
                latest[row["cell_key"]] = {"cell_key": row["cell_key"],
                                           "revision": row["revision"], "seq": seq}
        fresh = [c for k, c in latest.items() if k not in known]
        changed = [c for k, c in latest.items() if k in known]
        insert_rows(session=session, model=IngestCell, rows=fresh)
        if changed:
            session.execute(update(IngestCell), changed)
    # One message per area: a national batch touches ~150 areas.
    insert_rows(session=session, model=OutboxMessage, rows=[
        {"topic": topic, "key": area, "created_at": now,
         "payload": encode_message(batch_id, area_docs)}
        for area, area_docs in by_area.items()])
    rejected = len({p.index for p in problems})
    session.add(IngestBatch(
        id=batch_id, agency=principal.agency or "", token_id=principal.token_id,
        channel=channel, received_at=now, records=len(records), accepted=len(rows),
        duplicates=duplicates, rejected=rejected, suppressed=len(suppressed),
    ))
    session.flush()
    return _receipt(batch_id, len(rows), duplicates, problems, suppressed)


# Observations per validated-topic message at most, when messages are packed (relay) or
# built from the log (replay): the worker's per-message cost is then paid once per 500.
MESSAGE_OBSERVATIONS = 500


def encode_message(batch_id: str, observations: list[dict[str, Any]]) -> bytes:
    """One validated-topic message: the accepted cells of one area from one batch.

    Keyed by area, so every revision of a cell (and every cell a municipality's aggregates
    need) lands on one partition in order, while the stream processor pays its per-message
    overhead once per area and batch rather than once per observation.
    """
    return orjson.dumps({"v": 1, "batch_id": batch_id, "observations": observations})


# The exact bytes encode_message writes around the observations. The relay splices waiting
# messages of a partition together at this level (split_message/join_messages): decoding and
# re-encoding them cost ingest a seventh of its CPU under load.
_HEAD, _MID, _TAIL = b'{"v":1,"batch_id":', b',"observations":[', b"]}"


def split_message(payload: bytes) -> tuple[str, bytes, int] | None:
    """(batch id, the observations' JSON without the brackets, how many) of a message that
    :func:`encode_message` wrote; None for anything else."""
    if not (payload.startswith(_HEAD) and payload.endswith(_TAIL)):
        return None
    mid = payload.find(_MID, len(_HEAD))
    if mid < 0:
        return None
    try:
        batch_id = json.loads(payload[len(_HEAD):mid])
    except ValueError:
        return None
    if not isinstance(batch_id, str):
        return None
    body = payload[mid + len(_MID):-len(_TAIL)]
    # Every observation has exactly one "event_id" key; inside a JSON string the quotes
    # would be escaped, so the pattern counts keys only.
    return batch_id, body, body.count(b'"event_id":')


def join_messages(batch_ids: list[str], bodies: list[bytes]) -> bytes:
    """One message holding the observations of several, in order; ``batch_ids`` names them."""
    return b"".join([
        _HEAD, json.dumps(batch_ids[0]).encode(),
        b',"batch_ids":', json.dumps(batch_ids, separators=(",", ":")).encode(),
        _MID, b",".join(b for b in bodies if b), _TAIL])


def _utc(moment: datetime) -> datetime:
    """In UTC: SQLite keeps a timestamp's wall-clock time and drops its offset."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _receipt(batch_id: str, accepted: int, duplicates: int, problems: list[Problem],
             suppressed: list[SuppressionRead]) -> ReceiptRead:
    return ReceiptRead(
        batch_id=batch_id, accepted=accepted, duplicates=duplicates,
        rejected=[Rejection(index=p.index, field=p.field, reason=p.reason)
                  for p in sorted(problems, key=lambda p: p.index)],
        suppressed=suppressed,
    )


def outbox_depth(*, session: Session) -> tuple[int, datetime | None]:
    count, oldest = session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))).one()
    return int(count), oldest


def cells(
    *,
    session: Session,
    measure: str,
    area: str,
    period: str | None = None,
    agency: str | None = None,
    as_of: datetime | None = None,
) -> list[IngestObservation]:
    """Each matching cell at its highest revision received by ``as_of`` (default: now)."""
    q = select(IngestObservation).where(IngestObservation.measure == measure,
                                        IngestObservation.area == area)
    if period is not None:
        q = q.where(IngestObservation.period == period)
    if agency is not None:
        q = q.where(IngestObservation.agency == agency)
    if as_of is not None:
        q = q.where(IngestObservation.received_at <= as_of)
    best: dict[str, IngestObservation] = {}
    for row in session.scalars(q.order_by(IngestObservation.seq)):
        if row.cell_key not in best or row.revision > best[row.cell_key].revision:
            best[row.cell_key] = row
    return sorted(best.values(), key=lambda r: r.cell_key)


def cell_history(*, session: Session, cell_key: str) -> list[IngestObservation]:
    """Every accepted revision of one cell, oldest first."""
    q = (select(IngestObservation).where(IngestObservation.cell_key == cell_key)
         .order_by(IngestObservation.revision))
    return list(session.scalars(q))
