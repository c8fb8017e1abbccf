"""The upload pages on ingest: ``/upload`` (choose a file; the agency's uploads),
``/upload/{id}`` (every row's verdict by file row and column, a form to fix a row, publish
the good rows, the receipt). Signed-in agency staff only; forms carry the CSRF token.

The verdict is ingest's own: ``accept_batch`` as a dry run (flows.py), the same checks
``POST /v1/observations?dry_run=true`` runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from samstat_kit import present
from samstat_kit.agency_files import PublishError
from samstat_kit.db import session_scope, writer_lock
from samstat_kit.headers import header_problem
from samstat_kit.present import account
from samstat_kit.web import (
    BrowserLogin,
    OptionalReader,
    Reader,
    actor,
    csp_nonce,
    csrf_input,
    read_checked_form,
    reader_of,
)
from services.ingest.upload import flows, service, template, view
from services.ingest.upload.reasons import (
    Lookup,
    column,
    explain,
    header_lines,
    place,
    refused,
)
from services.ingest.upload.texts import PREVIEW, UPLOAD

PAGES = present.Presenter(Path(__file__).parent / "templates")
LOGIN = BrowserLogin(home="/upload")
router = APIRouter(tags=["upload"], include_in_schema=False)
router.include_router(LOGIN.router(include_in_schema=False))
NO_STORE = {"Cache-Control": "no-store"}
# A file row number as a route takes it: FastAPI reads 08802089717, +08802089717 and
# 880208_9717 as 8802089717, which no scan of the raw path or query sees as a number. Bounded
# to the rows an upload can have, a parsed number can never be one (an answer out of range is
# the 422 that names the rule, not the value: services/ingest/guard.py).
RowNumber = Annotated[int, PathParam(ge=1, le=service.MAX_ROW_NUMBER)]
FixedRow = Annotated[int | None, Query(ge=1, le=service.MAX_ROW_NUMBER)]
# The fields a form here may have (more: 400): the upload and publish forms carry the CSRF
# token (and the upload form one file); a row's form one field per column of the file.
MAX_FIELDS = 8
MAX_ROW_FIELDS = 1000


def _agency(reader: Reader) -> str | None:
    principal = reader.principal
    return principal.agency if principal.scope == "agency" and principal.agency else None


def _frame(request: Request, reader: Reader) -> dict[str, Any]:
    agency = _agency(reader) or ""
    name = request.app.state.catalogue.agencies.get(agency)
    return {**account.header(request, reader), "csrf": csrf_input(request),
            "nonce": csp_nonce(request),
            "agency_name": name.name if name else agency}


def _ingest(request: Request) -> flows.Ingest:
    state = request.app.state
    return flows.Ingest(catalogue=state.catalogue, topic=state.topics.validated,
                        threshold=state.settings.suppression_threshold)


def _write(request: Request) -> Any:
    return writer_lock(request.app.state.settings.db_url)


def _session(request: Request) -> Any:
    return session_scope(request.app.state.session_factory)


def _gate(request: Request, reader: Reader | None) -> Response | str:
    """The reader's agency, or the answer for someone who may not upload."""
    if reader is None:
        return LOGIN.redirect(request)
    agency = _agency(reader)
    if agency is None:
        return PAGES.render(request, "upload.html", texts=UPLOAD, status=403,
                            headers=NO_STORE, forbidden=True, uploads=[], errors=[],
                            message=None, details=[], **_frame(request, reader))
    return agency


def _home(request: Request, reader: Reader, agency: str, *, status: int = 200,
          message: str | None = None, errors: list[Any] | None = None,
          details: list[str] | None = None) -> Response:
    """The upload page: the form, the agency's uploads, and why a file was not taken
    (``message``, its ``details`` lines, or ``errors`` where in the file)."""
    with _session(request) as session:
        uploads = [{"id": u.id, "filename": u.filename, "created_at": u.created_at,
                    "rows": len(u.lines), "published": u.published_at is not None,
                    "accepted": u.accepted, "rejected": u.rejected}
                   for u in service.history(session=session, agency=agency)]
    return PAGES.render(request, "upload.html", texts=UPLOAD, status=status,
                        headers=NO_STORE, forbidden=False, uploads=uploads, message=message,
                        errors=errors or [], details=details or [],
                        **_frame(request, reader))


def _missing(request: Request, reader: Reader) -> Response:
    """No such upload (or row) for this agency: a page saying so, with the way back. Its
    language switch keeps the address asked for (``/upload/<id>`` in the other language, as
    every page's does); answering a form (POST) it leads to the uploads, never to the form's
    address, which is no page."""
    here = request if request.method in ("GET", "HEAD") else _at(request, "/upload")
    return PAGES.render(here, "missing.html", texts=UPLOAD,
                        title_key="missing_title", status=404, headers=NO_STORE,
                        **_frame(request, reader))


def _at(request: Request, path: str) -> Request:
    """The request as if it had asked for the page at ``path`` (its query kept): a page
    answering a form links its language switch there, not to the form's address."""
    return Request({**request.scope, "path": path, "raw_path": path.encode(),
                    "method": "GET"}, request.receive)


@router.get("/upload/" + template.FILENAME["sv"])
@router.get("/upload/" + template.FILENAME["en"])
def template_file(request: Request, reader: OptionalReader) -> Response:
    """The Excel template for the reader's agency, in the page's language."""
    agency = _gate(request, reader)
    if isinstance(agency, Response):
        return agency
    lang = present.language(request)
    data = template.workbook(request.app.state.catalogue, agency, lang)
    name = template.FILENAME["en" if lang == "en" else "sv"]
    return Response(data, media_type=template.MEDIA, headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/upload")
def upload_page(request: Request, reader: OptionalReader) -> Response:
    agency = _gate(request, reader)
    if isinstance(agency, Response):
        return agency
    assert reader is not None
    return _home(request, reader, agency)


@router.post("/upload")
async def upload_file(request: Request, reader: OptionalReader) -> Response:
    signed = await _signed_form(request, reader, max_files=1, max_fields=MAX_FIELDS)
    if isinstance(signed, Response):
        return signed
    agency, form = signed
    try:
        return await _threaded(request, _stage_file, reader, agency, form.get("file"))
    finally:
        await form.close()


async def _signed_form(request: Request, reader: Reader | None, *, max_files: int,
                       max_fields: int) -> tuple[str, FormData] | Response:
    """The reader's agency and the posted form, or the answer refusing them. Who posts is
    decided before a byte of the body is read: a ``File()`` or ``Form()`` parameter would
    have FastAPI parse (and spool to disk) the whole body before the sign-in was looked at.
    The body itself is capped by :mod:`services.ingest.limits`; the CSRF token is in it."""
    agency = _gate(request, reader)
    if isinstance(agency, Response):
        return agency
    return agency, await read_checked_form(request, max_files=max_files,
                                           max_fields=max_fields)


def _refused(request: Request, reason: str) -> str:
    """The page's words for a file not taken: the reader's (English) reason in them."""
    return refused(reason, present.language(request))


def _too_large(request: Request, limit: int) -> str:
    return _refused(request, f"the file is larger than {limit} bytes")


def _stage_file(request: Request, reader: Reader, agency: str, file: Any) -> Response:
    """Read, check and keep the chosen file as an upload (not yet published)."""
    texts = UPLOAD[present.language(request)]
    if not isinstance(file, UploadFile):
        return _home(request, reader, agency, status=422,
                     message=_refused(request, "the form has no file"))
    limit = request.app.state.settings.max_body_bytes
    data = file.file.read(limit + 1)
    name = file.filename or "upload"
    if len(data) > limit:
        return _home(request, reader, agency, status=422, message=_too_large(request, limit))
    try:
        # The whole file first (its name, every sheet and line): a refusal of the read may
        # quote the name, and the sheet read below sees only the cells under its header.
        found = service.personal_numbers_in_file(name, data)
        if not found:
            sheet = service.read(name, data)  # no further than an upload keeps
            problem = header_problem(sheet.columns) \
                if sheet.kind == "csv" and sheet.lines else None
            if problem is not None:  # said once, not on every row
                lang = present.language(request)
                return _home(request, reader, agency, status=422, message=texts["headings"],
                             details=[*header_lines(problem, lang), texts["headings_fix"]])
            with _write(request), _session(request) as session:
                # Refuses (PersonalNumbers) a number in the rows as kept or as read.
                upload = service.stage(session=session, agency=agency, actor=actor(reader),
                                       filename=name, sheet=sheet)
                upload_id = upload.id
    except service.PersonalNumbers as exc:
        found = exc.found
    except PublishError as exc:
        return _home(request, reader, agency, status=422,
                     message=_refused(request, str(exc)))
    if found:
        lang = present.language(request)
        return _home(request, reader, agency, status=422, message=texts["personal"],
                     errors=[replace(e, column=place(e.column, lang)) for e in found])
    return RedirectResponse(f"/upload/{upload_id}", status_code=303, headers=NO_STORE)


def body_too_large(request: Request) -> Response | None:
    """The 413 page of an upload form refused unread by :mod:`services.ingest.limits`: the
    upload page with the reason, as for a file over the limit that was read. None for anyone
    who may not upload here (the caller answers with ingest's error body instead)."""
    reader = reader_of(request)
    agency = _agency(reader) if reader is not None else None
    if reader is None or agency is None:
        return None
    return _home(request, reader, agency, status=413,
                 message=_too_large(request, request.app.state.settings.max_body_bytes))


@router.get("/upload/{upload_id}")
def preview_page(request: Request, upload_id: str, reader: OptionalReader,
                 fixed: FixedRow = None) -> Response:
    agency = _gate(request, reader)
    if isinstance(agency, Response):
        return agency
    assert reader is not None
    return _preview(request, reader, agency, upload_id, fixed=fixed)


def _preview(request: Request, reader: Reader, agency: str, upload_id: str, *,
             fixed: int | None = None, refused: str | None = None,
             status: int = 200) -> Response:
    """The upload's rows and every finding (the receipt, once published); ``refused``: why
    a row's correction was not taken, said on this page rather than a bare one."""
    with _session(request) as session:
        try:
            upload = service.get(session=session, agency=agency, upload_id=upload_id)
        except service.NotFound:
            return _missing(request, reader)
        outcome = None if upload.published_at else flows.judge(
            session=session, principal=reader.principal, upload=upload,
            ingest=_ingest(request))
        lang = present.language(request)
        shown = view.preview(upload, outcome, lang, request.app.state.catalogue)
        shown["by"] = service.who(session=session, actor=upload.actor,
                                  agencies=request.app.state.catalogue.agencies)
    if fixed not in {n for n, _cells in shown["lines"]}:
        fixed = None  # only a row of this upload is named
    measures = shown.pop("measures")
    lookup = Lookup(request.app.state.catalogue)
    return PAGES.render(
        _at(request, f"/upload/{upload.id}"), "preview.html", texts=PREVIEW,
        title_key="receipt_title" if shown["published"] else "title", status=status,
        headers=NO_STORE, fixed=fixed, refused=refused,
        explain=lambda e: explain(e, measures.get(e.row), lang, lookup), column=column,
        **shown,
        **_frame(request, reader))


@router.post("/upload/{upload_id}/rows/{number}")
async def fix_row(request: Request, upload_id: str, number: RowNumber,
                  reader: OptionalReader) -> Response:
    signed = await _signed_form(request, reader, max_files=0, max_fields=MAX_ROW_FIELDS)
    if isinstance(signed, Response):
        return signed
    _, form = signed
    cells = {k: str(v) for k, v in form.items()}
    await form.close()
    return await _threaded(request, _fix, upload_id, number, reader, cells)


async def _threaded(request: Request, fn: Any, *args: Any) -> Response:
    from starlette.concurrency import run_in_threadpool

    response: Response = await run_in_threadpool(fn, request, *args)
    return response


def _fix(request: Request, upload_id: str, number: int, reader: Reader | None,
         form: dict[str, str]) -> Response:
    agency = _gate(request, reader)
    if isinstance(agency, Response):
        return agency
    assert reader is not None
    with _write(request), _session(request) as session:
        try:
            upload = service.get(session=session, agency=agency, upload_id=upload_id,
                                 for_update=True)
            cells = {c: form[f"c{i}"] for i, c in enumerate(upload.columns) if f"c{i}" in form}
            service.fix_row(session=session, upload=upload, number=number, cells=cells)
        except service.NotFound:  # the upload, or a row it lacks (never the number asked)
            return _missing(request, reader)
        except PublishError as exc:  # a personal number, or published: the row as it was
            reason = str(exc)
        else:
            reason = ""
    if reason:
        words = PREVIEW[present.language(request)]
        said = words["personal_fix" if service.PERSONAL in reason else "published_fix"]
        return _preview(request, reader, agency, upload_id, refused=said.format(n=number),
                        status=422)
    return RedirectResponse(f"/upload/{upload_id}?fixed={number}#rad-{number}",
                            status_code=303, headers=NO_STORE)


@router.post("/upload/{upload_id}/publish")
async def publish_form(request: Request, upload_id: str, reader: OptionalReader) -> Response:
    signed = await _signed_form(request, reader, max_files=0, max_fields=MAX_FIELDS)
    if isinstance(signed, Response):
        return signed
    await signed[1].close()
    return await _threaded(request, publish, upload_id, reader, None)


def publish(request: Request, upload_id: str, reader: Reader | None,
            _csrf: None = None) -> Response:
    """Publish the upload's good rows (once). Blocking; the form, its CSRF token included,
    was checked by :func:`publish_form` (``_csrf``: where a dependency once said so)."""
    agency = _gate(request, reader)
    if isinstance(agency, Response):
        return agency
    assert reader is not None
    with _write(request), _session(request) as session:
        try:
            upload = service.get(session=session, agency=agency, upload_id=upload_id,
                                 for_update=True)
        except service.NotFound:
            return _missing(request, reader)
        if upload.published_at is None:
            flows.publish(session=session, principal=reader.principal, upload=upload,
                          ingest=_ingest(request))
    request.app.state.relay.wake()
    return RedirectResponse(f"/upload/{upload_id}", status_code=303, headers=NO_STORE)
