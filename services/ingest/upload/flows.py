"""Where the upload meets the observations domain: judge an upload's rows by ingest's own
``accept_batch`` (dry run: every check, nothing stored), and publish its good rows. Receipt
indices become file rows; a batch refused for some records (403 publishing rights) is
judged again without them, so every row gets its verdict."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from samstat_kit.agency_files import Row, RowError
from samstat_kit.auth.service import Principal
from samstat_kit.contracts import Catalogue
from services.ingest.observations import service as observations
from services.ingest.upload import service
from services.ingest.upload.models import IngestUpload

CHUNK = 500


@dataclass
class Outcome:
    """What ingest said (or would say) about an upload's rows."""

    rows: list[Row]
    accepted: int = 0
    duplicates: int = 0
    suppressed: list[RowError] = field(default_factory=list)
    batch_ids: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RowError]:
        return sorted((e for r in self.rows for e in r.errors), key=lambda e: e.row)

    @property
    def good(self) -> list[Row]:
        return [r for r in self.rows if not r.errors]


@dataclass
class Ingest:
    """Ingest's settings the calls need."""

    catalogue: Catalogue
    topic: str
    threshold: int


def judge(*, session: Session, principal: Principal, upload: IngestUpload,
          ingest: Ingest) -> Outcome:
    """Every row's verdict, nothing stored (a dry run of ingest's own checks)."""
    outcome = Outcome(service.rows_of(upload, session=session))
    for row in outcome.rows:
        row.errors = list(row.parse_errors)
    _send(session, principal, [r for r in outcome.rows if not r.errors], ingest, outcome,
          dry_run=True)
    return outcome


def publish(*, session: Session, principal: Principal, upload: IngestUpload,
            ingest: Ingest) -> Outcome:
    """Publish the rows that pass (judged again now), in the caller's transaction, and
    record the receipt on the upload."""
    outcome = judge(session=session, principal=principal, upload=upload, ingest=ingest)
    judged = Outcome(outcome.good)
    _send(session, principal, judged.rows, ingest, judged, dry_run=False)
    service.record_publication(
        session=session, upload=upload, accepted=judged.accepted,
        duplicates=judged.duplicates, rejected=outcome.errors + judged.errors,
        suppressed=judged.suppressed, batch_ids=judged.batch_ids)
    outcome.accepted, outcome.duplicates = judged.accepted, judged.duplicates
    outcome.suppressed, outcome.batch_ids = judged.suppressed, judged.batch_ids
    return outcome


def _send(session: Session, principal: Principal, rows: list[Row], ingest: Ingest,
          outcome: Outcome, *, dry_run: bool) -> None:
    # The batch audit row keeps 32 characters of who sent it (a token id); a person's
    # e-mail address may be longer, and the upload itself records the whole address.
    principal = replace(principal, token_id=principal.token_id[:32])
    pending = [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]
    while pending:
        batch = pending.pop(0)
        if not batch:
            continue
        try:
            receipt = observations.accept_batch(
                session=session, principal=principal, records=[r.doc for r in batch],
                catalogue=ingest.catalogue, topic=ingest.topic, threshold=ingest.threshold,
                channel="upload", dry_run=dry_run)
        except observations.Forbidden as exc:
            _set_aside(batch, [(p.index, p.field, p.reason) for p in exc.denials], str(exc),
                       pending)
            continue
        except observations.PersonalNumberFound as exc:  # checked before; never echoed
            _set_aside(batch, [(p.index, p.field, p.reason) for p in exc.refusal.problems()],
                       "a personal identity number", pending)
            continue
        outcome.accepted += receipt.accepted
        outcome.duplicates += receipt.duplicates
        outcome.batch_ids.append(receipt.batch_id)
        for r in receipt.rejected:
            batch[r.index].errors.append(batch[r.index].error(r.field, r.reason))
        outcome.suppressed += [batch[s.index].error("value", s.reason)
                               for s in receipt.suppressed]


def _set_aside(batch: list[Row], findings: list[tuple[int, str, str]], whole: str,
               pending: list[list[Row]]) -> None:
    """A batch refused for some of its records: those get their finding, the others are
    judged again; refused without naming a record, every row gets the reason."""
    named = {i for i, _f, _r in findings if 0 <= i < len(batch)}
    if not named:
        for row in batch:
            row.errors.append(row.error("", whole))
        return
    for i, name, reason in findings:
        if i in named:
            batch[i].errors.append(batch[i].error(name, reason))
    pending.insert(0, [r for i, r in enumerate(batch) if i not in named])
