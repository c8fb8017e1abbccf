"""The upload domain on SQLite and PostgreSQL: keeping a file, correcting a row, judging by
ingest's own checks with file rows, publishing, the agency's history, and the table as the
migration made it."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samstat_kit.agency_files import PublishError, read_sheet
from samstat_kit.auth.service import Principal
from samstat_kit.contracts import load_catalogue
from services.ingest.observations.models import IngestObservation
from services.ingest.upload import flows, service
from services.ingest.upload.models import IngestUpload

AGENCY = "kommun-2460"
CSV = """measure;area;period;value;dim_duration;dim_cause;dim_sex
econ_assistance_recipients;2460;2019-05;41;0-10;ill_health;K
econ_assistance_recipients;2480;2019-05;37;0-10;ill_health;M

econ_assistance_recipients;2460;2019-05;abc;0-10;other;K
econ_assistance_recipients;2460;2019-05;52;0-10;unemployment;X
econ_assistance_recipients;2460;2019-05;29;11-36;other;M
"""


def _principal(agency: str = AGENCY) -> Principal:
    return Principal(token_id="t" * 8, scope="agency", agency=agency)


def _ingest() -> flows.Ingest:
    return flows.Ingest(catalogue=load_catalogue(), topic="test.validated", threshold=5)


def _stage(session: Session, text: str = CSV, agency: str = AGENCY) -> IngestUpload:
    return service.stage(session=session, agency=agency, actor="karin@vannas.se",
                         filename="nov.csv", sheet=read_sheet("nov.csv", text.encode()))


def test_every_row_is_judged_by_file_row_and_column(session: Session) -> None:
    upload = _stage(session)
    outcome = flows.judge(session=session, principal=_principal(), upload=upload,
                          ingest=_ingest())
    got = {(e.row, e.column, e.field) for e in outcome.errors}
    # Row 3 is another municipality's (a denial: the rest of the batch is judged anyway);
    # the blank line 4 keeps the numbering of the file.
    assert got == {(3, "area", "area"), (5, "value", "value"),
                   (6, "dim_sex", "dimensions.sex")}
    assert [r.number for r in outcome.good] == [2, 7]
    assert session.scalar(select(func.count()).select_from(IngestObservation)
                          .where(IngestObservation.period == "2019-05",
                                 IngestObservation.agency == AGENCY)) == 0


def test_fix_then_publish_then_history(session: Session) -> None:
    upload = _stage(session)
    def ids() -> dict[int, str]:
        return {r.number: r.doc["event_id"] for r in service.rows_of(upload, session=session)}

    first = ids()
    assert first == ids()  # stable
    service.fix_row(session=session, upload=upload, number=5, cells={"value": "44"})
    service.fix_row(session=session, upload=upload, number=6, cells={"dim_sex": "M"})
    fixed = ids()
    assert fixed[5] != first[5] and fixed[2] == first[2]  # a corrected row is a new event
    outcome = flows.publish(session=session, principal=_principal(), upload=upload,
                            ingest=_ingest())
    assert outcome.accepted == 4 and upload.published_at is not None
    assert upload.rejected == 1 and upload.findings[0][:3] == [3, "area", "area"]
    with pytest.raises(PublishError, match="already published"):
        service.fix_row(session=session, upload=upload, number=3, cells={"area": "2460"})
    other = _stage(session, agency="kommun-2480")
    mine = service.history(session=session, agency=AGENCY)
    assert upload in mine and other not in mine
    with pytest.raises(service.NotFound):
        service.get(session=session, agency=AGENCY, upload_id=other.id)


def test_personal_numbers_are_found_and_nothing_is_kept(session: Session) -> None:
    sheet = read_sheet("p.csv", (CSV + "econ_assistance_recipients;2460;2019-05;5;0-10;"
                                       "other;19121212-1212\n").encode())
    found = service.personal_numbers(sheet)
    assert [(e.row, e.column) for e in found] == [(8, "dim_sex")]
    assert "1212" not in repr(found)
    upload = _stage(session)
    with pytest.raises(PublishError, match="personal identity number"):
        service.fix_row(session=session, upload=upload, number=2,
                        cells={"dim_sex": "191212121212"})


def test_the_table_matches_the_migration(session: Session) -> None:
    context = MigrationContext.configure(session.connection())
    diff = [d for d in compare_metadata(context, IngestUpload.metadata)
            if "ingest_uploads" in repr(d)]
    assert diff == []


def test_an_sdmx_delete_withdraws_the_cell_as_its_next_revision(session: Session) -> None:
    head = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,DURATION,CAUSE,SEX,TIME_PERIOD,OBS_VALUE\n"
    flow = "dataflow,SAMSTAT:ECON_ASSISTANCE_RECIPIENTS(1.0)"
    for action, value in (("I", "17"), ("R", "18"), ("D", "")):
        upload = _stage(session, head + f"{flow},{action},2460,M0T10,other,F,2019-M06,{value}\n")
        out = flows.publish(session=session, principal=_principal(), upload=upload,
                            ingest=_ingest())
        assert (out.accepted, out.errors) == (1, []), out.errors
    history = [(o.revision, o.value, o.withdrawn) for o in session.scalars(
        select(IngestObservation).where(IngestObservation.agency == AGENCY,
                                        IngestObservation.period == "2019-06")
        .order_by(IngestObservation.revision))]
    assert history == [(1, 17.0, False), (2, 18.0, False), (3, None, True)]


def test_a_month_uploaded_again_is_a_correction_not_a_dead_end(session: Session) -> None:
    """The same month again with one figure changed (a review: every row came back "stale:
    the cell already has revision 1"): the changed figure is its cell's next revision, the
    others are already received; a row that names its revision is left as it is."""
    month = ("measure;area;period;value;dim_duration;dim_cause;dim_sex\n"
             "econ_assistance_recipients;2460;2019-08;41;0-10;ill_health;K\n"
             "econ_assistance_recipients;2460;2019-08;37;0-10;ill_health;M\n")
    first = flows.publish(session=session, principal=_principal(), upload=_stage(
        session, month), ingest=_ingest())
    assert (first.accepted, first.errors) == (2, [])
    again = _stage(session, month.replace(";37;", ";38;"))
    judged = flows.judge(session=session, principal=_principal(), upload=again,
                         ingest=_ingest())
    assert judged.errors == [] and len(judged.good) == 2
    out = flows.publish(session=session, principal=_principal(), upload=again,
                        ingest=_ingest())
    assert (out.accepted, out.duplicates, out.errors) == (1, 1, [])
    history = [(o.revision, o.value) for o in session.scalars(
        select(IngestObservation).where(IngestObservation.agency == AGENCY,
                                        IngestObservation.period == "2019-08")
        .order_by(IngestObservation.value))]
    assert history == [(1, 37.0), (2, 38.0), (1, 41.0)]
    stale = _stage(session, month.replace("dim_sex", "dim_sex;revision")
                   .replace(";K\n", ";K;1\n").replace(";M\n", ";M;1\n")
                   .replace(";37;", ";39;"))
    refused = flows.judge(session=session, principal=_principal(), upload=stale,
                          ingest=_ingest())
    # as the file says: revision 1 again, where each cell has 1 (41) or 2 (38) already
    assert [e.row for e in refused.errors] == [2, 3]


def test_the_pages_words_exist_in_both_languages() -> None:
    from samstat_kit import present
    from services.ingest.upload.texts import (
        FIELD_HINTS,
        HIDDEN,
        PREVIEW,
        REASONS,
        REFUSALS,
        UPLOAD,
        hint,
    )

    for texts in (UPLOAD, PREVIEW, FIELD_HINTS, HIDDEN, REASONS, REFUSALS):
        assert present.check_texts(texts) == {}
    assert hint("dimensions.sex", "sv").startswith("Koden") and hint("odd", "en") == ""


def test_a_row_naming_another_agency_is_not_completed_from_its_cells(session: Session) -> None:
    """A review: the correction lookup keyed a row by the agency its own column names, so a
    file could fetch another agency's event id and revision (and learn whether a value
    matched). Only the uploader's own rows are completed from what ingest holds."""
    fk = "forsakringskassan"
    theirs = ("measure;area;period;value;unit;dim_benefit;dim_sex\n"
              "benefit_net_days;2460;2019-09;31000;days;sickness;K\n")
    published = flows.publish(session=session, principal=_principal(fk), upload=_stage(
        session, theirs, agency=fk), ingest=_ingest())
    assert published.accepted == 1
    probe = _stage(session, theirs.replace("measure;", "agency;measure;")
                   .replace("\nbenefit", f"\n{fk};benefit"))
    [row] = service.rows_of(probe, session=session)
    stored = session.scalars(select(IngestObservation.event_id).where(
        IngestObservation.agency == fk, IngestObservation.period == "2019-09")).one()
    assert row.doc["event_id"] != stored and row.doc.get("revision") in (None, 1)
