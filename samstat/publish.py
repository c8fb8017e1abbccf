"""Publish observations as an agency: ``samstat publish`` and the SDK behind it (also
shipped alone as the ``samstat-client`` wheel, clients/python).

Reads a file (:mod:`samstat_kit.agency_files`), completes it, checks every row locally
against the public contract (the JSON Schema ``observation.v1``), then sends the good rows
over HTTP (``POST /v1/observations`` in batches) or Kafka (the agency's raw topic
``<prefix>.observations.raw.<agency>``) and summarises what happened per row.

Errors name the FILE row and column: in CSV and SDMX-CSV the line the record starts on (the
header is row 1), in XLSX the sheet's row, in JSON the n-th observation; receipt indices of
each batch are mapped back to them.

Dry run (``--dry-run``): one verdict, nothing stored. With a token and a reachable ingest whose
OpenAPI offers it, ingest's own ``?dry_run=true`` judges every row (every check of the real
call: contract, rights, catalogue, suppression, stale revisions); with ``--offline`` (or no
token, or ingest unreachable) the same pure checks run here
(:func:`samstat_kit.checks.judge`, the code ingest runs), without stale revisions and
suppression. A row with a personal number is never sent, not even to be judged.

Formats (``--format auto`` picks by extension, content and header):

``csv`` / ``xlsx`` (first sheet)
    A header row of observation fields: ``event_id, agency, measure, area, period, value, unit,
    obs_status, conf_status, revision, produced_at``; each dimension is a column ``dim_<name>``
    (``dim_benefit,dim_sex``). CSV delimiter ``,`` or ``;`` (or tab), detected from the header;
    UTF-8 with or without BOM. An empty cell leaves the field out (its default applies); an
    empty ``value`` is ``null`` (only with conf_status C or N). ``value`` accepts a decimal
    comma. Other columns are sent as they are, so the schema names them as not allowed.
    An XLSX sheet whose header has SDMX columns is read as SDMX-CSV.

``json``
    A list of observation objects, or ``{"observations": [...]}``.

``sdmx-csv``
    SDMX-CSV 1.0 or 2.0, codes or ``CODE: label`` cells, translated by
    ``schemas/sdmx/codemap.json`` (:mod:`samstat_kit.sdmx`). Column → field:

    ==========================================  =============================================
    ``MEASURE``                                 ``measure`` (lower-cased); when missing, the
                                                dataflow: 2.0's ``STRUCTURE_ID`` (when
                                                ``STRUCTURE`` is ``dataflow``) or 1.0's
                                                ``DATAFLOW``: ``SAMSTAT:BENEFIT_NET_DAYS(1.0)``
                                                → ``benefit_net_days``
    ``REF_AREA``                                ``area``
    ``TIME_PERIOD``                             ``period``: ``2023``, ``2023-A1`` → ``2023``;
                                                ``2023-S1``/``2023-H1`` → ``2023-H1``;
                                                ``2023-Q3``; ``2023-M10``/``2023-10`` → ``2023-10``
    ``OBS_VALUE``                               ``value`` (empty → ``null``), times
                                                10^``UNIT_MULT`` when that column is given
    ``OBS_STATUS`` / ``CONF_STATUS``            ``obs_status`` / ``conf_status`` (same codes)
    ``UNIT_MEASURE``                            ``unit`` (lower-cased); when missing, the
                                                measure's unit in the catalogue
    ``ACTION``                                  ``I``/``A`` (or empty) merge and ``R`` replace:
                                                the row is a value; ``D`` withdraws the cell
                                                (``withdrawn: true``, no value). A row
                                                without ``REVISION`` is numbered as any
                                                other (see Completion)
    ``AGENCY``, ``EVENT_ID``, ``REVISION``,     the samstat fields of the same name (optional)
    ``PRODUCED_AT``
    ``STRUCTURE``, ``STRUCTURE_NAME``,          ignored (free text never leaves the agency)
    ``FREQ``, ``DECIMALS``, ``UNIT_MULT``,
    ``OBS_COM``, ``COMMENT``, ``TITLE``,
    ``TIME_FORMAT``
    any other column                            a dimension: the code map's concept (``SEX`` →
                                                ``sex``), its codes translated (``F`` → ``K``,
                                                ``Y20T64`` → ``20-64``); empty = not given
    ==========================================  =============================================

Completion: a missing ``revision`` (with a token, not ``--offline``) is numbered as the
upload page numbers it, from ``/v1/cells/history``: the cell's next revision where the row
changes the cell, the observation ingest has (a duplicate) where it does not, 1 for a new
cell; a cell repeated on two rows, either without a revision, is the later row's error. A
missing ``agency`` is ``--agency``; a missing ``unit`` the measure's; a missing
``event_id`` a new random id the gate never refuses (or, with ``stable_ids``, a uuid5 of cell
and revision, never of the value, so resending the same file counts as duplicates instead of
stale revisions); a missing ``produced_at`` is now (UTC).

Local checks, before anything is sent: the schema; the row's agency equals ``--agency``; and no
personal identity number anywhere (the same rule as ingest's gate: :mod:`samstat_kit.anonymity`).
A personal number stops everything: nothing is sent and the number is never printed.

Over HTTP, 429 and 503 (and connection failures) are retried with exponential backoff honouring
``Retry-After``; a 413 splits the batch; a batch refused for some records (403, 422 with
findings) is sent again without them. Over Kafka, records are keyed by cell key and ingest
answers asynchronously: rejected records appear on ``<prefix>.observations.deadletter`` with
their reason in headers (``samstat-source-offset`` = the offset this command reports).
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from samstat.agency_send import (
    Advance,
    Summary,
    cell_states,
    send_http,
    send_kafka,
)
from samstat_kit.agency_files import (
    FORMATS,
    PublishError,
    Row,
    RowError,
    complete_revisions,
    fill_in,
    read_bytes,
    read_rows,
    repeated_cells,
    sdmx_period,
)
from samstat_kit.agency_scan import (
    PERSONAL,
    personal_number_rows,
    places,
    read_scanned,
    shows_number,
)
from samstat_kit.anonymity import stable_event_id
from samstat_kit.cells import cell_key
from samstat_kit.checks import judge
from samstat_kit.contracts import Catalogue, load_catalogue

# The SDK's names: reading lives in samstat.agency_files, sending in samstat.agency_send;
# scripts import them all from here.
__all__ = ["FORMATS", "PublishError", "Row", "RowError", "Summary", "check", "complete",
           "judge_rows", "offline_verdict", "publish", "read_bytes", "read_rows", "sdmx_period",
           "send_http", "send_kafka"]

CHANNELS = ("http", "kafka")
# A fixed namespace for --stable-ids: the same cell and revision give the same event_id.
STABLE_NAMESPACE = uuid.UUID("7d3c61a4-3b0e-5b8e-9a59-2f6a0f1c5e11")


# ------------------------------------------------------------------- completing, checks


def _stable_id(doc: Mapping[str, Any]) -> str:
    key = cell_key(str(doc.get("agency")), str(doc.get("measure")), str(doc.get("area")),
                   str(doc.get("period")), {str(k): str(v) for k, v in
                                            (doc.get("dimensions") or {}).items()})
    # Cell and revision only: with the value in it, trying each small count against an id
    # (served, or told apart by ingest's "another agency's id") gave a hidden value back (a
    # red team). The same row sent again is the same id; a changed value is a new revision.
    name = json.dumps([key, doc.get("revision", 1)])
    # Never an id ingest's gate refuses (a uuid5 holds a personal-number-shaped run about
    # once in 11 700 names), and still the same id for the same row.
    return stable_event_id(STABLE_NAMESPACE, name)


def complete(rows: Sequence[Row], agency: str, *, stable_ids: bool = False,
             now: datetime | None = None) -> None:
    """Fill in agency, unit (the measure's), event_id and produced_at where missing (in
    place); ``stable_ids``: event ids derived from cell and revision (uuid5)."""
    fill_in(rows, agency, event_id=_stable_id if stable_ids else None, now=now)


def reading_errors(rows: Sequence[Row]) -> list[RowError]:
    """Start every row's errors from what reading it found (``row.errors``), and return them."""
    for row in rows:
        row.errors = list(row.parse_errors)
    return [e for r in rows for e in r.errors]


def check(rows: Sequence[Row], agency: str) -> list[RowError]:
    """The rows' verdict here, by the very code ingest runs (:func:`offline_verdict`), after
    what reading them found; fills ``row.errors`` and returns all errors. Used before sending
    over Kafka, where no answer comes back. (It was the JSON Schema once: stricter than
    ingest on some spellings, looser on others, so a file the dry run passed could be
    refused, and the other way round: an independent review.)"""
    return reading_errors(rows) + offline_verdict(rows, agency)


def offline_verdict(rows: Sequence[Row], agency: str,
                    catalogue: Catalogue | None = None) -> list[RowError]:
    """What ingest would say about each row, judged here by the very code ingest runs
    (:func:`samstat_kit.checks.judge`: contract, publishing rights, catalogue) against this
    installation's catalogue. Not judged offline: stale revisions (the server's cells) and
    suppression. Rows already holding an error (unreadable, personal number) are not judged
    again. Appends to ``row.errors`` and returns the new findings."""
    cat = catalogue or load_catalogue()
    judged = [r for r in rows if not r.errors]
    verdict = judge([r.doc for r in judged], cat, agency)
    found = []
    made = verdict.refusal.problems() if verdict.refusal is not None else []
    for problem in made + verdict.problems + verdict.denials:
        row = judged[problem.index]
        err = row.error(problem.field, problem.reason)
        row.errors.append(err)
        found.append(err)
    return found


def _server_dry_run(url: str, token: str | None, client: httpx.Client | None) -> str | None:
    """Why the server's dry run cannot be used (then the CLI judges offline), or None.

    Asked first, because an ingest without ``?dry_run`` would ignore the parameter and STORE
    the batch: only a server whose OpenAPI documents it gets the rows."""
    if not token:
        return "no token"
    http = client or httpx.Client(timeout=10)
    try:
        response = http.get(url.rstrip("/") + "/openapi.json")
    except httpx.TransportError as exc:
        return f"ingest not reachable ({exc.__class__.__name__})"
    finally:
        if client is None:
            http.close()
    try:
        post = response.json()["paths"]["/v1/observations"]["post"]
        names = {p.get("name") for p in post.get("parameters", [])}
    except (ValueError, KeyError, TypeError, AttributeError):
        names = set()
    if response.status_code != 200 or "dry_run" not in names:
        raise PublishError(f"{url} offers no dry run (?dry_run=true); use --offline")
    return None


def judge_rows(rows: Sequence[Row], *, agency: str, url: str, token: str | None,
            batch_size: int = 500, offline: bool = False,
            client: httpx.Client | None = None, beyond: Sequence[RowError] = ()) -> Summary:
    """One verdict per row, nothing stored: ingest's own dry run (``POST
    /v1/observations?dry_run=true``, every check of the real call) when it can be asked,
    else (``offline``, no token, ingest unreachable) the same pure checks run here.

    Rows with a personal identity number are never sent, not even to be checked; nor are
    those the file holds one ``beyond`` (:func:`~samstat_kit.agency_scan.read_scanned`) on."""
    reading_errors(rows)
    by_number = {r.number: r for r in rows}  # each row's own (a search per row: n² steps)
    elsewhere: list[RowError] = []  # beyond every row: its name, a comment line, a sheet
    for err in [*personal_number_rows(rows), *beyond]:
        row = by_number.get(err.row)
        (row.errors if row is not None else elsewhere).append(err)
    local = [e for r in rows for e in r.errors] + elsewhere
    why_offline = "--offline" if offline else _server_dry_run(url, token, client)
    if why_offline is None:
        good = [r for r in rows if not r.errors]
        summary = send_http(good, url=url, token=token or "", batch_size=batch_size,
                            client=client, dry_run=True) if good else \
            Summary(accepted=0, duplicates=0, target=url)
        summary.checked_by = "ingest"
    else:
        local += offline_verdict(rows, agency)
        summary = Summary(target=f"(offline: {why_offline})", checked_by="offline")
        summary.accepted = sum(1 for r in rows if not r.errors)
    summary.sent = 0
    summary.rejected = sorted(local + summary.rejected, key=lambda e: (e.row, e.field))
    return summary


# --------------------------------------------------------------------------- the command


def publish(
    path: Path, *, agency: str, fmt: str = "auto", via: str = "http",
    url: str = "http://127.0.0.1:8001", token: str | None = None, batch_size: int = 500,
    bootstrap_servers: str | None = None, stable_ids: bool = False, dry_run: bool = False,
    offline: bool = False, progress: Callable[[int], Advance] | None = None,
    table: bool = False,
) -> Summary:
    """Read, complete, check and send a file; the SDK entry point behind ``samstat publish``.

    ``progress(total)`` is called once with the number of rows to send and returns a callback
    that gets the number of rows done after each step. Raises :class:`PublishError` when nothing
    can be sent. A row naming no revision is numbered as the upload page numbers it
    (:func:`~samstat_kit.agency_files.complete_revisions`: the cell's next revision where
    it changes the cell, the observation ingest has where it does not), so an import
    (``table``, kept for its callers) and any other file are read alike.
    """
    if via not in CHANNELS:
        raise PublishError(f"unknown channel {via!r}; one of {', '.join(CHANNELS)}")
    if batch_size < 1:
        raise PublishError("batch size must be at least 1")
    if via == "http" and not token and not dry_run:
        raise PublishError("HTTP needs a token: --token or SAMSTAT_TOKEN")
    rows, beyond = read_scanned(path, fmt)
    repeated_cells(rows, agency)
    if token and not offline:  # rows naming no revision: as the upload page numbers them
        complete_revisions(rows, agency, cell_states(url, token))
    complete(rows, agency, stable_ids=stable_ids)
    if dry_run:
        summary = judge_rows(rows, agency=agency, url=url, token=token,
                             batch_size=batch_size, offline=offline, beyond=beyond)
        summary.rows, summary.via = len(rows), via
        return summary
    personal = personal_number_rows(rows) + beyond
    if personal:
        raise PublishError(f"{PERSONAL} in {places(personal)}: nothing was sent. "
                           "Personal numbers must never leave the agency.")
    # Over HTTP ingest judges every row sent, and its answer names the file row.
    local = reading_errors(rows) if via == "http" else check(rows, agency)
    good = [r for r in rows if not r.errors]
    step = progress(len(good)) if progress is not None and good else None
    if not good:
        summary = Summary(rows=len(rows), via=via)
    elif via == "http":
        summary = send_http(good, url=url, token=token or "", batch_size=batch_size,
                            progress=step)
    else:
        summary = send_kafka(good, agency=agency, bootstrap_servers=bootstrap_servers,
                             progress=step)
    summary.rows = len(rows)
    summary.rejected = sorted(local + summary.rejected, key=lambda e: (e.row, e.field))
    return summary


def render(summary: Summary, *, path: Path, out: Any) -> None:
    """Print a human summary with rich (``out`` is a rich Console)."""
    from rich.table import Table

    counts = [f"rows {summary.rows}", f"sent {summary.sent}"]
    if summary.accepted is not None:
        counts.append(f"accepted {summary.accepted}")
    if summary.duplicates is not None:  # unknown offline and over Kafka
        counts += [f"duplicates {summary.duplicates}", f"suppressed {len(summary.suppressed)}"]
    withdrawn = [e for e in summary.suppressed if e.reason.startswith("withdrawn")]
    hidden = [e for e in summary.suppressed if e not in withdrawn]
    if summary.duplicates is not None and withdrawn:
        counts[-1] = f"suppressed {len(hidden)}"
        counts.append(f"withdrawn {len(withdrawn)}")
    counts.append(f"rejected {summary.rejected_rows}")
    verdict = f" (dry run, checked by {summary.checked_by})" if summary.checked_by else ""
    name = "(file name)" if shows_number(path.name) else path.name  # never the number
    out.print(f"[bold]{name}[/bold] → {summary.via} {summary.target}{verdict}")
    out.print(" · ".join(counts))
    if summary.rejected:
        table = Table("row", "column", "field", "reason", title="rejected",
                      title_justify="left")
        for e in summary.rejected:
            table.add_row(str(e.row), e.column, e.field, e.reason)
        out.print(table)
    for title, found in (("suppressed (value withheld, conf_status C)", hidden),
                         ("withdrawn (the cell taken back: no value)", withdrawn)):
        if found:
            table = Table("row", "reason", title=title, title_justify="left")
            for e in found:
                table.add_row(str(e.row), e.reason)
            out.print(table)
    if summary.via == "kafka" and summary.sent:
        offsets = sorted(summary.offsets.values())
        out.print(f"delivered to Kafka (partition, offset) {offsets[0]} … {offsets[-1]}; "
                  "ingest checks them asynchronously and puts rejected records on the "
                  "dead-letter topic with the reason and samstat-source-offset in headers.")


def main(path: Path, *, json_output: bool = False, quiet: bool = False,
         **options: Any) -> int:
    """Run ``samstat publish``; returns the exit code (0 ok, 1 rejections, 2 fatal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    out, err = Console(), Console(stderr=True)
    bar = Progress("[progress.description]{task.description}", BarColumn(),
                   MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True,
                   disable=quiet or json_output or not err.is_terminal)

    def progress(total: int) -> Advance:
        task = bar.add_task("publishing", total=total)
        return lambda n: bar.advance(task, n)

    try:
        with bar:
            summary = publish(path, progress=progress, **options)
    except PublishError as exc:
        if json_output:
            sys.stdout.write(json.dumps({"error": str(exc)}) + "\n")
        else:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
        return 2
    if json_output:
        sys.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False) + "\n")
    else:
        render(summary, path=path, out=out)
    return 0 if summary.ok else 1
