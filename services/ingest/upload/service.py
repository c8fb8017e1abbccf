"""Uploads: keep a read file, correct one of its rows, list an agency's uploads. Functions
with a keyword-only ``session``; nothing here commits."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit import agency_scan
from samstat_kit.agency_files import (
    PublishError,
    Row,
    RowError,
    Sheet,
    complete_revisions,
    fill_in,
    read_sheet,
    repeated_cells,
    sheet_rows,
)
from samstat_kit.agency_scan import PERSONAL, personal_numbers, shows_number
from samstat_kit.anonymity import is_personal_number, new_id, personal_number_fields
from samstat_kit.auth.models import User
from samstat_kit.workbook import MAX_SHEET_ROWS, Cells
from services.ingest.observations.bulk import one_of
from services.ingest.observations.models import IngestCell, IngestObservation
from services.ingest.upload.models import IngestUpload

# Event ids of an upload's rows: derived from the upload, the row and its cells, so that
# publishing the same upload twice gives duplicates, and a corrected row a new id.
NAMESPACE = uuid.UUID("1f0e2d3c-4b5a-5968-8776-a5b4c3d2e1f0")
MAX_ROWS = 20_000
# Cells read from one workbook, all its sheets together (20,000 rows of 12 columns): reading
# stops there. A 61 KiB workbook held two million cells and kept a worker for 37 s of CPU,
# with every other workbook upload waiting for openpyxl's lock (samstat_kit.workbook).
MAX_CELLS = 250_000
# What an uploaded workbook may unpack to: 250,000 cells are about 10 MiB of sheet. openpyxl
# parses a sheet that does not state its dimension whole when it opens the book (5 s for 30
# MB), before any budget of cells is counted.
MAX_UNZIPPED = 16 * 2**20
# Columns a file may have: an observation's fields and dimensions, SDMX-CSV's own columns
# besides, are some forty. Each heading is judged (a near spelling looked for), and the
# preview draws every row as wide as the header: a 2 MB CSV of 300,000 headings held a
# worker for a minute, and 3,000 rows of one cell under 300 headings drew a 100 MB page in
# 36 s, every time it was opened (a red team).
MAX_COLUMNS = 100
# Cells counting every row as wide as its header: room for the longest file (MAX_ROWS) in an
# SDMX-CSV's some fifteen columns, which the limit of cells a workbook has would cut short.
MAX_GRID = 400_000
# The highest file row number an upload keeps (a sheet's last row; a CSV with rows beyond it is
# refused): pages and routes take no row number above it, so none they echo has ten digits.
MAX_ROW_NUMBER = MAX_SHEET_ROWS
NAME_LENGTH = 200  # IngestUpload.filename


class NotFound(Exception):
    """No such upload for this agency."""


class PersonalNumbers(PublishError):
    """A personal identity number in what was to be kept: where it is, never what."""

    def __init__(self, found: list[RowError]) -> None:
        super().__init__(f"{PERSONAL}; nothing of the file was kept")
        self.found = found


def personal_numbers_in_file(name: str, data: bytes) -> list[RowError]:
    """:func:`samstat_kit.agency_scan.personal_numbers_in_file` within an upload's limits,
    the name also as it would be kept."""
    return agency_scan.personal_numbers_in_file(name, data, names=(stored_name(name),),
                                                read=read, cells=_budget)


def stored_name(filename: str) -> str:
    """A file's name as the upload keeps it, and the pages show it."""
    return filename[:NAME_LENGTH]


def _name_has_personal_number(filename: str) -> bool:
    # Cut to its stored length, a name can end in a number it did not hold whole:
    # "a" * 188 + "19880208971799.csv" is kept as "…aa198802089717".
    return shows_number(filename) or shows_number(stored_name(filename))


def read(name: str, data: bytes) -> Sheet:
    """An uploaded file as a :class:`Sheet`, read no further than an upload keeps, and no
    larger than it keeps (:func:`within_size`)."""
    return within_size(read_sheet(name, data, max_rows=MAX_ROWS, cells=_budget()))


def within_size(sheet: Sheet) -> Sheet:
    """``sheet``, or PublishError if it has more than :data:`MAX_COLUMNS` columns, or more
    than :data:`MAX_GRID` cells counting every row as wide as its header (the pages show it
    so, and check it so), whatever the format: a workbook's budget of cells counts only the
    cells a row has, a CSV's nothing at all."""
    if len(sheet.columns) > MAX_COLUMNS:
        raise PublishError(f"at most {MAX_COLUMNS} columns per file")
    if len(sheet.columns) * len(sheet.lines) > MAX_GRID:
        raise PublishError(f"the file holds more than {MAX_GRID} cells (its rows times its "
                           "columns)")
    return sheet


def _budget() -> Cells:
    return Cells(MAX_CELLS, unzipped=MAX_UNZIPPED)


def stage(*, session: Session, agency: str, actor: str, filename: str,
          sheet: Sheet) -> IngestUpload:
    """Keep a read file for its agency. Refuses (PublishError) an empty or too long file and
    (PersonalNumbers) one whose name or rows hold a personal identity number, as kept or as
    read: then nothing of it is kept."""
    if not sheet.lines:
        raise PublishError("the file holds no rows under its header")
    if len(sheet.lines) > MAX_ROWS:
        raise PublishError(f"at most {MAX_ROWS} rows per file")
    if max(n for n, _c, _e in sheet.lines) > MAX_ROW_NUMBER:
        raise PublishError(f"rows beyond row {MAX_ROW_NUMBER} (the last row of a sheet)")
    found = personal_numbers(sheet)  # in the rows as kept, and as read
    if _name_has_personal_number(filename):
        found.insert(0, RowError(0, "", PERSONAL, "(file name)"))
    if found:
        raise PersonalNumbers(found)
    upload = IngestUpload(
        id=new_id(), agency=agency, actor=actor, filename=stored_name(filename),
        kind=sheet.kind, xlsx=sheet.xlsx, columns=sheet.columns,
        lines=[list(line) for line in sheet.lines], created_at=datetime.now(UTC),
        accepted=0, duplicates=0, rejected=0, suppressed=0, batch_ids=[], findings=[])
    session.add(upload)
    session.flush()
    return upload


def get(*, session: Session, agency: str, upload_id: str,
        for_update: bool = False) -> IngestUpload:
    """The agency's upload; ``for_update``: locked until the transaction ends (PostgreSQL),
    for whoever changes it: publishing and fixing a row read it, decide, and write it back,
    and two at once would publish twice or lose a fix."""
    upload = session.get(IngestUpload, upload_id, with_for_update=for_update,
                         populate_existing=for_update)
    if upload is None or upload.agency != agency:
        raise NotFound(upload_id)
    return upload


def history(*, session: Session, agency: str, limit: int = 50) -> list[IngestUpload]:
    return list(session.scalars(
        select(IngestUpload).where(IngestUpload.agency == agency)
        .order_by(IngestUpload.created_at.desc()).limit(limit)))


def who(*, session: Session, actor: str, agencies: Mapping[str, Any]) -> str:
    """Who an upload was published by, as the inbox names people: the person's name (a
    disabled person's too: the receipt is history), else the address; an API token as its
    agency's name. The upload keeps the address (its audit trail), the receipt says the name
    (a walk: "av lisa.ek@vannas.se")."""
    if actor.startswith("token:"):
        agency = agencies.get(actor[len("token:"):])
        return str(agency.name) if agency is not None else actor
    name = session.scalar(select(User.name).where(User.email == actor))
    return name or actor


def sheet_of(upload: IngestUpload) -> Sheet:
    return Sheet(upload.kind, list(upload.columns),
                 [(int(n), dict(cells), int(extra)) for n, cells, extra in upload.lines],
                 xlsx=upload.xlsx)


def cell_states(*, session: Session, keys: list[str]
                ) -> dict[str, tuple[int, float | None, str, str]]:
    """The cells' newest observations (revision, value, event id, conf_status); cells
    ingest does not have are left out.

    A key with a NUL character is not looked up: ingest has no such cell (no field takes a
    NUL), and PostgreSQL refuses one in a parameter, which made every page of an upload
    whose file held a NUL byte answer "cannot be stored or searched" (a red team). The row
    is then judged like any other, its bad cell named."""
    wanted = sorted({k for k in keys if "\x00" not in k})
    return {k: (rev, value, event_id, conf) for k, rev, value, event_id, conf in session.execute(
        select(IngestCell.cell_key, IngestCell.revision, IngestObservation.value,
               IngestObservation.event_id, IngestObservation.conf_status)
        .join(IngestObservation, IngestObservation.seq == IngestCell.seq)
        .where(one_of(session, IngestCell.cell_key, wanted))).tuples()} if wanted else {}


def rows_of(upload: IngestUpload, *, session: Session) -> list[Row]:
    """The upload's observations, completed for its agency with event ids of its own; a
    row without a revision is its cell's next one where it changes the cell, the
    observation ingest has where it does not
    (:func:`~samstat_kit.agency_files.complete_revisions`, as ``samstat publish``); a cell
    repeated without revisions is an error of the later row."""
    rows = sheet_rows(sheet_of(upload))
    repeated_cells(rows, upload.agency)
    complete_revisions(rows, upload.agency,
                       lambda keys: cell_states(session=session, keys=keys))
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
    identity number, in the cells as sent or in the row as kept and read, and a published
    upload. Only a row the upload has is named (NotFound never repeats the number asked)."""
    if upload.published_at is not None:
        raise PublishError("this upload is already published; upload the file again")
    lines: list[Any] = [[n, old, extra] for n, old, extra in upload.lines]
    line = next((line for line in lines if int(line[0]) == number), None)
    if line is None:
        raise NotFound("no such row")
    line[1] = {c: str(cells.get(c, line[1].get(c, ""))).strip() for c in upload.columns}
    line[2] = 0
    kept = Sheet(upload.kind, list(upload.columns), [(number, line[1], 0)], xlsx=upload.xlsx)
    if personal_number_fields(cells) or personal_numbers(kept):
        raise PublishError(f"row {number}: {PERSONAL}; the row was not changed")
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
