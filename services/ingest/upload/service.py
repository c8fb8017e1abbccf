"""Uploads: keep a read file, correct one of its rows, list an agency's uploads. Functions
with a keyword-only ``session``; nothing here commits."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.agency_files import (
    PublishError,
    Row,
    RowError,
    Sheet,
    fill_in,
    next_revisions,
    sheet_rows,
)
from samstat_kit.anonymity import (
    contains_personal_number,
    is_personal_number,
    personal_number_fields,
)
from services.ingest.observations.bulk import one_of
from services.ingest.observations.models import IngestCell
from services.ingest.upload.models import IngestUpload

# Event ids of an upload's rows: derived from the upload, the row and its cells, so that
# publishing the same upload twice gives duplicates, and a corrected row a new id.
NAMESPACE = uuid.UUID("1f0e2d3c-4b5a-5968-8776-a5b4c3d2e1f0")
MAX_ROWS = 20_000


class NotFound(Exception):
    """No such upload for this agency."""


def personal_numbers(sheet: Sheet) -> list[RowError]:
    """Where a personal identity number is (file row and column), never the number."""
    found = []
    for number, cells, _extra in sheet.lines:
        for place in personal_number_fields(cells):
            column = place.split(".", 1)[0]
            found.append(RowError(number, "", "a personal identity number", column))
    if personal_number_fields(sheet.columns):
        found.append(RowError(1, "", "a personal identity number", "(header)"))
    return found


PERSONAL = "a personal identity number"


def personal_numbers_in_file(name: str, data: bytes) -> list[RowError]:
    """What :func:`personal_numbers` cannot see, since it reads only the cells under the
    header of the first sheet: the file's name, a CSV's every line (cells beyond the header,
    under a repeated column name, comment lines), every sheet of a workbook, all its cells and
    the sheets' names. A number anywhere in what was sent refuses the file. Where, never what
    (a sheet by its position, since its name may be the number)."""
    found = []
    if is_personal_number(name):
        found.append(RowError(0, "", PERSONAL, "(file name)"))
    if data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        return found + _in_workbook(data)
    text = data.decode("utf-8-sig", errors="replace")
    if contains_personal_number(text):
        found += [RowError(n, "", PERSONAL, "") for n, line in
                  enumerate(text.splitlines(), start=1) if is_personal_number(line)]
    return found


def _in_workbook(data: bytes) -> list[RowError]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not a workbook: read_sheet says so
        return []
    found = []
    try:
        for position, sheet in enumerate(book.worksheets, start=1):
            where = f"(sheet {position})"
            if is_personal_number(sheet.title):
                found.append(RowError(0, "", PERSONAL, where))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if contains_personal_number([str(v) if isinstance(v, datetime) else v
                                             for v in values]):
                    found.append(RowError(number, "", PERSONAL, where))
    finally:
        book.close()
    return found


def stage(*, session: Session, agency: str, actor: str, filename: str,
          sheet: Sheet) -> IngestUpload:
    """Keep a read file for its agency. Refuses (PublishError) an empty or too long file and
    one holding a personal identity number: then nothing of it is kept."""
    if not sheet.lines:
        raise PublishError("the file holds no rows under its header")
    if len(sheet.lines) > MAX_ROWS:
        raise PublishError(f"at most {MAX_ROWS} rows per file")
    upload = IngestUpload(
        id=str(uuid.uuid4()), agency=agency, actor=actor, filename=filename[:200],
        kind=sheet.kind, xlsx=sheet.xlsx, columns=sheet.columns,
        lines=[list(line) for line in sheet.lines], created_at=datetime.now(UTC),
        accepted=0, duplicates=0, rejected=0, suppressed=0, batch_ids=[], findings=[])
    session.add(upload)
    session.flush()
    return upload


def get(*, session: Session, agency: str, upload_id: str) -> IngestUpload:
    upload = session.get(IngestUpload, upload_id)
    if upload is None or upload.agency != agency:
        raise NotFound(upload_id)
    return upload


def history(*, session: Session, agency: str, limit: int = 50) -> list[IngestUpload]:
    return list(session.scalars(
        select(IngestUpload).where(IngestUpload.agency == agency)
        .order_by(IngestUpload.created_at.desc()).limit(limit)))


def sheet_of(upload: IngestUpload) -> Sheet:
    return Sheet(upload.kind, list(upload.columns),
                 [(int(n), dict(cells), int(extra)) for n, cells, extra in upload.lines],
                 xlsx=upload.xlsx)


def cell_revisions(*, session: Session, keys: list[str]) -> dict[str, int]:
    """The cells' current revisions (cells ingest does not have are left out)."""
    return dict(session.execute(select(IngestCell.cell_key, IngestCell.revision)
                                .where(one_of(session, IngestCell.cell_key, keys)))
                .tuples().all())


def rows_of(upload: IngestUpload, *, session: Session) -> list[Row]:
    """The upload's observations, completed for its agency with event ids of its own; R and
    D rows without a REVISION become their cell's next revision."""
    rows = sheet_rows(sheet_of(upload))
    next_revisions(rows, upload.agency, lambda keys: cell_revisions(session=session, keys=keys))
    cells = {int(n): c for n, c, _e in upload.lines}

    def event_id(row: Row) -> str:
        name = f"{upload.id}/{row.number}/{json.dumps(cells.get(row.number), sort_keys=True)}"
        candidate = str(uuid.uuid5(NAMESPACE, name))
        while is_personal_number(candidate):  # about one id in 11 700 (samstat_kit.anonymity)
            name += "+"
            candidate = str(uuid.uuid5(NAMESPACE, name))
        return candidate

    row_of = {id(r.doc): r for r in rows}
    fill_in(rows, upload.agency, event_id=lambda doc: event_id(row_of[id(doc)]))
    return rows


def fix_row(*, session: Session, upload: IngestUpload, number: int,
            cells: dict[str, str]) -> None:
    """Replace one row's cells (only the file's columns). Refuses (PublishError) a personal
    identity number and a published upload."""
    if upload.published_at is not None:
        raise PublishError("this upload is already published; upload the file again")
    if personal_number_fields(cells):
        raise PublishError(f"row {number}: a personal identity number; the row was not "
                           "changed")
    lines: list[Any] = []
    found = False
    for n, old, extra in upload.lines:
        if int(n) == number:
            found = True
            old = {c: str(cells.get(c, old.get(c, ""))).strip() for c in upload.columns}
            extra = 0
        lines.append([n, old, extra])
    if not found:
        raise NotFound(f"row {number}")
    upload.lines = lines
    session.flush()


def record_publication(*, session: Session, upload: IngestUpload, accepted: int,
                       duplicates: int, rejected: list[RowError],
                       suppressed: list[RowError], batch_ids: list[str]) -> None:
    """The receipt, kept with the upload: counts, batch ids and each row's finding."""
    upload.published_at = datetime.now(UTC)
    upload.accepted, upload.duplicates = accepted, duplicates
    upload.rejected, upload.suppressed = len({e.row for e in rejected}), len(suppressed)
    upload.batch_ids = batch_ids
    upload.findings = [[e.row, e.column, e.field, e.reason, kind]
                       for kind, errs in (("rejected", rejected), ("suppressed", suppressed))
                       for e in errs]
    session.flush()
