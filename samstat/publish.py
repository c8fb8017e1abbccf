"""Publish observations as an agency: ``samstat publish`` and a small SDK for scripts.

Reads a file, completes and checks every row locally against the public contract (the JSON
Schema ``observation.v1`` via :func:`samstat_kit.contracts.validator`; no service code), then
sends the good rows over HTTP (``POST /v1/observations`` in batches) or Kafka (the agency's raw
topic ``<prefix>.observations.raw.<agency>``) and summarises what happened per row.

Rows are numbered from 1 in file order (CSV: the n-th data row, i.e. line n+1 when no field
spans lines; JSON: the n-th observation).

Formats (``--format auto`` picks by extension and, for CSV, by the header):

``csv``
    A header row of observation fields: ``event_id, agency, measure, area, period, value, unit,
    obs_status, conf_status, revision, produced_at``; each dimension is a column ``dim_<name>``
    (``dim_benefit,dim_sex``). Delimiter ``,`` or ``;`` (or tab), detected from the header; UTF-8
    with or without BOM. An empty cell leaves the field out (its default applies); an empty
    ``value`` is ``null`` (only with conf_status C or N). ``value`` accepts a decimal comma.
    Other columns are sent as they are, so the schema names them as not allowed.

``json``
    A list of observation objects, or ``{"observations": [...]}``.

``sdmx-csv``
    SDMX-CSV (1.0 or 2.0, codes or ``CODE: label`` cells). Column → field:

    ==========================================  =============================================
    ``MEASURE``                                 ``measure`` (lower-cased); when missing, the
                                                ``DATAFLOW`` id: ``SAMSTAT:BENEFIT_NET_DAYS(1.0)``
                                                → ``benefit_net_days``
    ``REF_AREA``                                ``area``
    ``TIME_PERIOD``                             ``period``: ``2023``, ``2023-A1`` → ``2023``;
                                                ``2023-S1``/``2023-H1`` → ``2023-H1``;
                                                ``2023-Q3``; ``2023-M10``/``2023-10`` → ``2023-10``
    ``OBS_VALUE``                               ``value`` (empty → ``null``), times
                                                10^``UNIT_MULT`` when that column is given
    ``OBS_STATUS`` / ``CONF_STATUS``            ``obs_status`` / ``conf_status`` (same codes)
    ``UNIT_MEASURE``                            ``unit`` (lower-cased)
    ``AGENCY``, ``EVENT_ID``, ``REVISION``,     the samstat fields of the same name (optional)
    ``PRODUCED_AT``
    ``DATAFLOW``, ``STRUCTURE``,                ignored (free text never leaves the agency)
    ``STRUCTURE_ID``, ``STRUCTURE_NAME``,
    ``ACTION``, ``FREQ``, ``DECIMALS``,
    ``UNIT_MULT``, ``OBS_COM``, ``COMMENT``,
    ``TITLE``, ``TIME_FORMAT``
    any other column                            a dimension: name lower-cased (``SEX`` →
                                                ``sex``), code as given; empty = not given
    ==========================================  =============================================

Completion: a missing ``agency`` is ``--agency``; a missing ``event_id`` is a new uuid4 (or, with
``stable_ids``, a uuid5 of cell, revision, value and statuses, so resending the same file counts
as duplicates instead of stale revisions); a missing ``produced_at`` is now (UTC).

Local checks, before anything is sent: the schema; the row's agency equals ``--agency``; and no
personal identity number anywhere (the same rule as ingest's gate: :mod:`samstat_kit.anonymity`).
A personal number stops everything: nothing is sent and the number is never printed.

Over HTTP, 429 and 503 (and connection failures) are retried with exponential backoff honouring
``Retry-After``; a 413 splits the batch. Over Kafka, records are keyed by cell key and ingest
answers asynchronously: rejected records appear on ``<prefix>.observations.deadletter`` with
their reason in headers (``samstat-source-offset`` = the offset this command reports).
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from samstat.agency_files import (
    FORMATS,
    PublishError,
    Row,
    RowError,
    read_rows,
    sdmx_period,
)
from samstat_kit.anonymity import personal_number_field
from samstat_kit.cells import cell_key
from samstat_kit.contracts import validator

# The SDK's names: reading lives in samstat.agency_files, and scripts import them from here.
__all__ = ["FORMATS", "PublishError", "Row", "RowError", "Summary", "check", "complete",
           "publish", "read_rows", "sdmx_period", "send_http", "send_kafka"]

CHANNELS = ("http", "kafka")
# A fixed namespace for --stable-ids: the same cell, revision and value give the same event_id.
STABLE_NAMESPACE = uuid.UUID("7d3c61a4-3b0e-5b8e-9a59-2f6a0f1c5e11")


@dataclass
class Summary:
    """What happened to a file. ``accepted``/``duplicates`` are None over Kafka (asynchronous)."""

    rows: int = 0
    sent: int = 0
    accepted: int | None = None
    duplicates: int | None = None
    rejected: list[RowError] = field(default_factory=list)
    suppressed: list[RowError] = field(default_factory=list)
    offsets: dict[int, tuple[int, int]] = field(default_factory=dict)  # row → (partition, offset)
    via: str = "http"
    target: str = ""

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.rejected})

    @property
    def ok(self) -> bool:
        return not self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "sent": self.sent, "accepted": self.accepted,
            "duplicates": self.duplicates, "rejected_rows": self.rejected_rows,
            "rejected": [e.__dict__ for e in self.rejected],
            "suppressed": [{"row": e.row, "reason": e.reason} for e in self.suppressed],
            "via": self.via, "target": self.target,
        }


# ------------------------------------------------------------------- completing, checks


def _stable_id(doc: Mapping[str, Any]) -> str:
    key = cell_key(str(doc.get("agency")), str(doc.get("measure")), str(doc.get("area")),
                   str(doc.get("period")), {str(k): str(v) for k, v in
                                            (doc.get("dimensions") or {}).items()})
    name = json.dumps([key, doc.get("revision", 1), doc.get("value"),
                       doc.get("obs_status", "A"), doc.get("conf_status", "F")])
    return str(uuid.uuid5(STABLE_NAMESPACE, name))


def complete(rows: Sequence[Row], agency: str, *, stable_ids: bool = False,
             now: datetime | None = None) -> None:
    """Fill in agency, event_id and produced_at where missing (in place)."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds").replace("+00:00", "Z")
    for row in rows:
        doc = row.doc
        if not isinstance(doc, dict):
            continue
        doc.setdefault("agency", agency)
        if "event_id" not in doc:
            doc["event_id"] = _stable_id(doc) if stable_ids else str(uuid.uuid4())
        doc.setdefault("produced_at", stamp)


def _schema_errors(row: Row) -> list[RowError]:
    schema_validator = validator("observation", 1)
    doc = row.doc
    out = []
    for err in sorted(schema_validator.iter_errors(doc), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "required" and isinstance(doc, dict):
            for name in err.validator_value:
                if name not in doc:
                    out.append(RowError(row.number, name, "required field is missing"))
            continue
        if err.validator == "additionalProperties" and isinstance(doc, dict):
            allowed = set(err.schema.get("properties", {}))
            instance = err.instance if isinstance(err.instance, dict) else {}
            for name in sorted(set(instance) - allowed):
                where = f"{path}.{name}" if path else name
                out.append(RowError(row.number, where, "not a field of observation v1"))
            continue
        if err.validator == "pattern":
            reason = f"{err.instance!r} is not a valid {path or 'value'}"
        elif err.validator == "enum":
            reason = f"{err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
        else:
            reason = err.message
        out.append(RowError(row.number, path or "observation", reason))
    return out


def check(rows: Sequence[Row], agency: str) -> list[RowError]:
    """Local checks (schema, agency) per row; fills ``row.errors`` and returns all errors."""
    found: list[RowError] = []
    for row in rows:
        row.errors = list(row.parse_errors)
        if not isinstance(row.doc, dict):
            row.errors.append(RowError(row.number, "", "an observation must be a JSON object"))
        else:
            row.errors += _schema_errors(row)
            given = row.doc.get("agency")
            if isinstance(given, str) and given != agency:
                row.errors.append(RowError(row.number, "agency", f"the row is {given!r}'s "
                                           f"but you publish as {agency!r}"))
        found += row.errors
    return found


def personal_number_rows(rows: Sequence[Row]) -> list[RowError]:
    """Rows with a personal identity number: (row, field), never the number."""
    out = []
    for row in rows:
        where = personal_number_field(row.doc)
        if where is not None:
            out.append(RowError(row.number, where, "personal identity number"))
    return out


# ---------------------------------------------------------------------------- sending

Advance = Callable[[int], None]
"""Told how many more rows are done."""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return json.dumps(body)[:300]


RETRY_STATUSES = frozenset({429, 502, 503, 504})


def send_http(
    rows: Sequence[Row], *, url: str, token: str, batch_size: int = 500,
    client: httpx.Client | None = None, max_attempts: int = 8, max_wait: float = 120.0,
    sleep: Callable[[float], None] = time.sleep, progress: Advance | None = None,
) -> Summary:
    """POST the rows in batches; a receipt's indices are mapped back to row numbers."""
    summary = Summary(rows=len(rows), accepted=0, duplicates=0, via="http",
                      target=url.rstrip("/") + "/v1/observations")
    own = client is None
    http = client or httpx.Client(timeout=60)
    headers = {"Authorization": f"Bearer {token}"}
    pending = [list(rows[i:i + batch_size]) for i in range(0, len(rows), batch_size)]
    try:
        while pending:
            batch = pending.pop(0)
            response = _post_with_retries(http, summary.target, headers, batch, max_attempts,
                                          max_wait, sleep)
            if isinstance(response, str):  # gave up
                summary.rejected += [RowError(r.number, "", response) for r in batch]
            elif response.status_code == 202:
                _merge_receipt(summary, batch, response.json())
                summary.sent += len(batch)
            elif response.status_code == 401:
                raise PublishError(f"the token was refused (401): {_detail(response)}")
            elif response.status_code == 413 and len(batch) > 1:
                half = len(batch) // 2
                pending[:0] = [batch[:half], batch[half:]]
                continue
            else:
                reason = f"batch refused ({response.status_code}): {_detail(response)}"
                summary.rejected += [RowError(r.number, "", reason) for r in batch]
            if progress is not None:
                progress(len(batch))
    finally:
        if own:
            http.close()
    return summary


def _post_with_retries(http: httpx.Client, target: str, headers: dict[str, str],
                       batch: list[Row], max_attempts: int, max_wait: float,
                       sleep: Callable[[float], None]) -> httpx.Response | str:
    body = {"observations": [r.doc for r in batch]}
    backoff = 0.5
    problem = ""
    for attempt in range(1, max_attempts + 1):
        try:
            response = http.post(target, json=body, headers=headers)
        except httpx.TransportError as exc:
            # Resending is safe: an already stored event_id comes back as a duplicate.
            problem, wait = f"{exc.__class__.__name__}", backoff
        else:
            if response.status_code not in RETRY_STATUSES:
                return response
            problem = f"HTTP {response.status_code}"
            hinted = _retry_after(response)
            wait = backoff if hinted is None else hinted
        if attempt < max_attempts:
            sleep(min(wait, max_wait))
            backoff = min(backoff * 2, 30.0)
    return f"gave up after {max_attempts} attempts: {problem}"


def _merge_receipt(summary: Summary, batch: list[Row], receipt: Mapping[str, Any]) -> None:
    def row_of(index: Any) -> int:
        ok = isinstance(index, int) and 0 <= index < len(batch)
        return batch[index].number if ok else 0

    summary.accepted = (summary.accepted or 0) + int(receipt.get("accepted", 0))
    summary.duplicates = (summary.duplicates or 0) + int(receipt.get("duplicates", 0))
    summary.rejected += [RowError(row_of(r.get("index")), str(r.get("field", "")),
                                  str(r.get("reason", ""))) for r in receipt.get("rejected", [])]
    summary.suppressed += [RowError(row_of(s.get("index")), "value", str(s.get("reason", "")))
                           for s in receipt.get("suppressed", [])]


def send_kafka(
    rows: Sequence[Row], *, agency: str, bootstrap_servers: str | None = None,
    progress: Advance | None = None, timeout: float = 30.0,
) -> Summary:
    """Produce each row to the agency's raw topic, keyed by cell key, and wait for the acks."""
    from kafka import KafkaProducer

    from samstat_kit.kafka import Topics, admin_options, dumps
    from samstat_kit.settings import KafkaSettings

    kafka = KafkaSettings()
    if bootstrap_servers:
        kafka = kafka.model_copy(update={"bootstrap_servers": bootstrap_servers})
    topic = Topics(kafka.topic_prefix).raw(agency)
    summary = Summary(rows=len(rows), via="kafka", target=f"{kafka.bootstrap_servers}/{topic}")
    try:
        producer = KafkaProducer(**admin_options(kafka), client_id=f"samstat-publish-{agency}",
                                 acks="all", linger_ms=20, enable_idempotence=False,
                                 max_block_ms=int(timeout * 1000))
    except Exception as exc:
        raise PublishError(f"cannot reach Kafka at {kafka.bootstrap_servers}: "
                           f"{exc.__class__.__name__}") from None
    def undelivered(row: Row, exc: Exception) -> None:
        summary.rejected.append(RowError(row.number, "", f"not delivered to {topic}: "
                                                         f"{exc.__class__.__name__}"))

    try:
        futures = []
        for row in rows:
            d = row.doc
            key = cell_key(d["agency"], d["measure"], d["area"], d["period"],
                           d.get("dimensions") or {})
            try:
                futures.append((row, producer.send(topic, key=key.encode(), value=dumps(d))))
            except Exception as exc:  # e.g. no metadata for the topic within the timeout
                undelivered(row, exc)
                if progress is not None:
                    progress(1)
        with contextlib.suppress(Exception):  # what is missing shows in the futures below
            producer.flush(timeout=timeout)
        for row, future in futures:
            try:
                meta = future.get(timeout=timeout)
            except Exception as exc:
                undelivered(row, exc)
            else:
                summary.sent += 1
                summary.offsets[row.number] = (meta.partition, meta.offset)
            if progress is not None:
                progress(1)
    finally:
        producer.close(timeout=5)
    return summary


# --------------------------------------------------------------------------- the command


def publish(
    path: Path, *, agency: str, fmt: str = "auto", via: str = "http",
    url: str = "http://127.0.0.1:8001", token: str | None = None, batch_size: int = 500,
    bootstrap_servers: str | None = None, stable_ids: bool = False, dry_run: bool = False,
    progress: Callable[[int], Advance] | None = None,
) -> Summary:
    """Read, complete, check and send a file; the SDK entry point behind ``samstat publish``.

    ``progress(total)`` is called once with the number of rows to send and returns a callback
    that gets the number of rows done after each step. Raises :class:`PublishError` when nothing
    can be sent.
    """
    if via not in CHANNELS:
        raise PublishError(f"unknown channel {via!r}; one of {', '.join(CHANNELS)}")
    if batch_size < 1:
        raise PublishError("batch size must be at least 1")
    if via == "http" and not token and not dry_run:
        raise PublishError("HTTP needs a token: --token or SAMSTAT_TOKEN")
    _, rows = read_rows(path, fmt)
    if not rows:
        raise PublishError(f"{path} holds no observations")
    complete(rows, agency, stable_ids=stable_ids)
    personal = personal_number_rows(rows)
    if personal:
        where = "; ".join(f"row {e.row} ({e.field})" for e in personal[:20])
        raise PublishError(f"a personal identity number in {where}: nothing was sent. "
                           "Personal numbers must never leave the agency.")
    local = check(rows, agency)
    good = [r for r in rows if not r.errors]
    step = progress(len(good)) if progress is not None and good and not dry_run else None
    if dry_run or not good:
        summary = Summary(rows=len(rows), via=via, target="(dry run)" if dry_run else "")
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
        counts += [f"accepted {summary.accepted}", f"duplicates {summary.duplicates}",
                   f"suppressed {len(summary.suppressed)}"]
    counts.append(f"rejected {summary.rejected_rows}")
    out.print(f"[bold]{path.name}[/bold] → {summary.via} {summary.target}")
    out.print(" · ".join(counts))
    if summary.rejected:
        table = Table("row", "field", "reason", title="rejected", title_justify="left")
        for e in summary.rejected:
            table.add_row(str(e.row), e.field, e.reason)
        out.print(table)
    if summary.suppressed:
        table = Table("row", "reason", title="suppressed (value withheld, conf_status C)",
                      title_justify="left")
        for e in summary.suppressed:
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
