"""Accepting a batch, in named steps: refuse personal numbers, judge every record (contract,
publishing rights, catalogue), suppress small counts, look up duplicates and stale revisions,
then write log, cells, outbox and the batch row in the caller's transaction. Nothing here
commits. ``dry_run`` stops before the first write: the same receipt, nothing stored."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samstat_kit.anonymity import new_id
from samstat_kit.auth.service import Principal
from samstat_kit.cells import cell_key
from samstat_kit.checks import (
    Problem,
    Refusal,
    Verdict,
    judge,
    refusal,
    sorted_problems,
)
from samstat_kit.contracts import Catalogue
from services.ingest import gate
from services.ingest.observations.bulk import (
    delete_log,
    insert_log,
    insert_rows,
    lookup,
    upsert_cells,
)
from services.ingest.observations.models import (
    IngestBatch,
    IngestObservation,
    OutboxMessage,
)
from services.ingest.observations.schemas import (
    ObservationCreate,
    ReceiptRead,
    Rejection,
    SuppressionKind,
    SuppressionRead,
)
from services.ingest.observations.wire import MESSAGE_OBSERVATIONS, as_published, encode_message

__all__ = ["MESSAGE_OBSERVATIONS", "Forbidden", "PersonalNumberFound", "StrictRejected",
           "accept_batch", "cell_history", "cells", "encode_message", "outbox_depth"]


class PersonalNumberFound(Exception):
    """The request holds a personal identity number. Carries where (paths), never what."""

    def __init__(self, found: Refusal) -> None:
        super().__init__(found.detail())
        self.refusal = found


class Forbidden(Exception):
    """The token may not publish (part of) this batch: ``denials`` name each record, field
    and reason (empty when the token may publish nothing at all)."""

    def __init__(self, reason: str, denials: list[Problem] | None = None) -> None:
        super().__init__(reason)
        self.denials = denials or []


class StrictRejected(Exception):
    def __init__(self, receipt: ReceiptRead) -> None:
        self.receipt = receipt


@dataclass
class _Plan:
    """What the batch would store, after the lookups against the database."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)
    # cells already in the database (updated, not inserted)
    known: set[str] = field(default_factory=set)
    # when the batch was received: one moment for its log rows, outbox and batch row
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


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
    dry_run: bool = False,
    body: Any = None,
    dumped: bytes | None = None,
) -> ReceiptRead:
    """Judge and store one batch; ``body`` is the whole request (scanned for personal
    numbers beside ``records`` too; ``dumped``: exactly ``orjson.dumps(body,
    option=OPT_NON_STR_KEYS)`` if the caller has it, not written again). With ``dry_run``
    every check runs, the database included, and nothing is written: the receipt is the one
    the real call would give."""
    refuse_personal_numbers(records if body is None else body,
                            dumped=None if body is None else dumped)
    verdict = judge_records(principal, records, catalogue)
    batch_id = new_id()
    if strict and verdict.problems:
        raise StrictRejected(_receipt(batch_id, 0, 0, verdict.problems, []))
    good = verdict.good
    docs = [verdict.docs[i] for i, _ in good]  # dumped once, by judge
    gate.lock(session=session, docs=docs, catalogue=catalogue)
    plan = plan_rows(session=session, good=good, docs=docs, batch_id=batch_id,
                     problems=verdict.problems)
    suppressed = suppress_small_counts(session=session, plan=plan, catalogue=catalogue,
                                       threshold=threshold, batch_id=batch_id,
                                       record=not dry_run)
    if not dry_run:
        write_rows(session=session, plan=plan, topic=topic)
        # A plain row, not an ORM object: the unit of work for this one object cost 0.25 ms
        # of CPU a batch more than the bulk writer.
        insert_rows(session=session, model=IngestBatch, rows=[{
            "id": batch_id, "agency": principal.agency or "", "token_id": principal.token_id,
            "channel": channel, "received_at": plan.now, "records": len(records),
            "accepted": len(plan.rows), "duplicates": plan.duplicates,
            "rejected": len({p.index for p in plan.problems}), "suppressed": len(suppressed),
        }])
        session.flush()  # what the disclosure step added
    return _receipt(batch_id, len(plan.rows), plan.duplicates, plan.problems, suppressed)


def refuse_personal_numbers(body: Any, *, dumped: bytes | None = None) -> None:
    """Step 1: a personal identity number anywhere (any field, key, number, event id) refuses
    the whole request."""
    found = refusal(body, dumped=dumped)
    if found is not None:
        raise PersonalNumberFound(found)


def judge_records(principal: Principal, records: list[Any], catalogue: Catalogue) -> Verdict:
    """Step 2: contract, publishing rights and catalogue per record (pure:
    :func:`samstat_kit.checks.judge`). Any denial makes the batch forbidden (403), naming
    every denied record, so nothing is published half under a wrong identity."""
    if principal.scope != "agency":
        raise Forbidden("only agency tokens publish observations")
    verdict = judge(records, catalogue, principal.agency)
    if verdict.refusal is not None:
        raise PersonalNumberFound(verdict.refusal)
    if verdict.denials:
        first = verdict.denials[0]
        raise Forbidden(f"record {first.index} ({first.field}): {first.reason}"
                        + (f"; and {len(verdict.denials) - 1} more denied record(s)"
                           if len(verdict.denials) > 1 else ""), verdict.denials)
    return verdict


def suppress_small_counts(*, session: Session, plan: _Plan, catalogue: Catalogue,
                          threshold: int, batch_id: str, record: bool = True
                          ) -> list[SuppressionRead]:
    """Step 4b: the disclosure control (services/ingest/disclosure), on what is really new
    (no duplicates, no stale revisions) against everything published before. Hides values in
    the planned rows in place and says which (by index in the sent batch); ``record`` keeps
    the cells' states and the audit trail (not on a dry run)."""
    hidden = gate.protect(session=session, docs=[r["_doc"] for r in plan.rows],
                          catalogue=catalogue, threshold=threshold, batch_id=batch_id,
                          record=record)
    for h in hidden:
        row = plan.rows[h.index]
        row["value"], row["conf_status"] = row["_doc"]["value"], row["_doc"]["conf_status"]
    # The disclosure step's kinds are exactly the receipt's (SuppressionRead.kind).
    return [SuppressionRead(index=plan.rows[h.index]["_index"], reason=h.reason,
                            kind=cast(SuppressionKind, h.kind))
            for h in hidden]


_FOREIGN_ID = ("already the id of another agency's observation: send this one with a new "
               "event_id (samstat publish: without --stable-ids)")


def plan_rows(*, session: Session, good: list[tuple[int, ObservationCreate]],
              docs: list[dict[str, Any]], batch_id: str, problems: list[Problem]) -> _Plan:
    """Step 4: duplicates (event ids already stored or repeated) and stale revisions, against
    the database and within the batch; the log rows of what remains."""
    plan = _Plan(problems=list(problems))
    keys = [cell_key(d["agency"], d["measure"], d["area"], d["period"], d["dimensions"])
            for d in docs]
    current, owners = lookup(session=session, cell_keys=keys,
                             event_ids=[d["event_id"] for d in docs])
    seen_ids = set(owners)
    plan.known = set(current)
    now = plan.now
    for (index, _), doc, key in zip(good, docs, keys, strict=True):
        if owners.get(doc["event_id"], doc["agency"]) != doc["agency"]:
            # Not a duplicate: ids are global, and another agency's stable id (derived from
            # public inputs) must not make this record vanish as one (an independent review).
            plan.problems.append(Problem(index, "event_id", _FOREIGN_ID))
            continue
        if doc["event_id"] in seen_ids:
            plan.duplicates += 1
            continue
        if key in current and doc["revision"] <= current[key]:
            plan.problems.append(Problem(index, "revision",
                                         f"stale: the cell already has revision {current[key]}"))
            continue
        seen_ids.add(doc["event_id"])
        current[key] = doc["revision"]
        plan.rows.append({
            "event_id": doc["event_id"], "cell_key": key, "agency": doc["agency"],
            "measure": doc["measure"], "area": doc["area"], "period": doc["period"],
            "dimensions": doc["dimensions"], "value": doc["value"], "unit": doc["unit"],
            "obs_status": doc["obs_status"], "conf_status": doc["conf_status"],
            "revision": doc["revision"],
            "produced_at": _utc(datetime.fromisoformat(doc["produced_at"])),
            "received_at": now, "batch_id": batch_id, "_index": index, "_doc": doc,
        })
    return plan


def write_rows(*, session: Session, plan: _Plan, topic: str) -> None:
    """Step 5: log, cells (guarded: never to a lower revision) and outbox, correct when
    another transaction races this one: a duplicate that committed first is counted as a
    duplicate, and a revision that lost to a newer one is stale and taken back."""
    # Bulk statements, not ORM objects (services/ingest/observations/bulk.py): a 500-record
    # batch is a few statements instead of a thousand tracked instances.
    # The rows carry "_index" and "_doc" beside the columns; the bulk writers take the
    # columns by name (copying 500 dicts without them cost more than writing them).
    seqs = insert_log(session=session, rows=plan.rows)
    raced = [r for r in plan.rows if r["event_id"] not in seqs]
    plan.duplicates += len(raced)
    rows = [r for r in plan.rows if r["event_id"] in seqs]
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row["cell_key"]
        if key not in latest or row["revision"] > latest[key]["revision"]:
            latest[key] = {"cell_key": key, "revision": row["revision"],
                           "seq": seqs[row["event_id"]]}
    moved = upsert_cells(session=session, cells=list(latest.values()), known=plan.known)
    lost = [r for r in rows if r["cell_key"] not in moved]
    if lost:
        delete_log(session=session, event_ids=[r["event_id"] for r in lost])
        plan.problems += [Problem(r["_index"], "revision",
                                  "stale: the cell got a newer revision meanwhile")
                          for r in lost]
    plan.rows = [r for r in rows if r["cell_key"] in moved]
    # One message per area: a national batch touches ~150 areas.
    by_area: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in plan.rows:
        by_area[row["area"]].append(as_published(row["_doc"] | {"cell_key": row["cell_key"]}))
    batch_id = plan.rows[0]["batch_id"] if plan.rows else ""
    insert_rows(session=session, model=OutboxMessage, rows=[
        {"topic": topic, "key": area, "created_at": plan.now,
         "payload": encode_message(batch_id, area_docs)}
        for area, area_docs in by_area.items()])


def _utc(moment: datetime) -> datetime:
    """In UTC: SQLite keeps a timestamp's wall-clock time and drops its offset."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _receipt(batch_id: str, accepted: int, duplicates: int, problems: list[Problem],
             suppressed: list[SuppressionRead]) -> ReceiptRead:
    return ReceiptRead(
        batch_id=batch_id, accepted=accepted, duplicates=duplicates,
        rejected=[Rejection(index=p.index, field=p.field, reason=p.reason)
                  for p in sorted_problems(problems)],
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
    """Each matching cell at its highest revision received by ``as_of`` (default: now; an
    instant without a zone is UTC, as samstat stores them). In UTC before the comparison:
    SQLite keeps an instant's clock time without its zone, so an ``as_of`` written in another
    zone was compared by its local clock time and showed what came hours later."""
    q = select(IngestObservation).where(IngestObservation.measure == measure,
                                        IngestObservation.area == area)
    if period is not None:
        q = q.where(IngestObservation.period == period)
    if agency is not None:
        q = q.where(IngestObservation.agency == agency)
    if as_of is not None:
        q = q.where(IngestObservation.received_at <= _utc(as_of))
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
