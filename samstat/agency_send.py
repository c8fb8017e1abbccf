"""Sending an agency's rows for ``samstat publish``: over HTTP to ingest (batches, retries
with Retry-After, a receipt merged per row) or straight to the agency's raw Kafka topic."""

from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx

from samstat_kit.agency_files import PublishError, Row, RowError
from samstat_kit.cells import cell_key


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
    checked_by: str = ""  # dry run: "ingest" (its ?dry_run=true) or "offline"

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
            "checked_by": self.checked_by,
            "suppressed": [{"row": e.row, "reason": e.reason} for e in self.suppressed],
            "via": self.via, "target": self.target,
        }


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
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())  # noqa: UP017 (3.9)


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
    dry_run: bool = False,
) -> Summary:
    """POST the rows in batches; a receipt's indices are mapped back to file rows.

    ``dry_run``: ``?dry_run=true``, ingest runs every check and stores nothing.
    A batch refused whole for some of its records (403 publishing rights, 422 with per-record
    findings) is sent again without them, so every other row still gets its verdict; a 403
    without findings (an older ingest) is halved until the refused row is found."""
    target = _address(url) + "/v1/observations"
    summary = Summary(rows=len(rows), accepted=0, duplicates=0, via="http",
                      target=target + ("?dry_run=true" if dry_run else ""))
    headers = authorization(url, token)
    own = client is None
    http = client or _client(url, timeout=60)
    params = {"dry_run": "true"} if dry_run else None
    pending = [list(rows[i:i + batch_size]) for i in range(0, len(rows), batch_size)]
    try:
        while pending:
            batch = pending.pop(0)
            response = _post_with_retries(http, target, headers, batch, max_attempts,
                                          max_wait, sleep, params)
            done = _judge_response(summary, batch, response, pending)
            if progress is not None and done:
                progress(done)
    finally:
        if own:
            http.close()
    return summary


def authorization(url: str, token: str) -> dict[str, str]:
    """The bearer header for ``url``; PublishError if it would cross a network in clear
    text. A token is the agency's right to publish: sent over ``http://`` to another machine,
    anyone on the way could read it and publish as the agency. ``http://`` stays for this
    machine (a local ingest, the demo, tests)."""
    address = httpx.URL(_address(url))
    if address.scheme != "https" and not _this_machine(address.host):
        raise PublishError(f"the token would go to {address.host} unencrypted: use its "
                           "https:// address (http:// is only for this machine)")
    return {"Authorization": f"Bearer {token}"}


def _client(url: str, timeout: float) -> httpx.Client:
    """A client for ``url``: over ``http://`` (this machine, :func:`authorization`) never
    through a proxy from the environment (``HTTP_PROXY``, ``ALL_PROXY``): the proxy is
    another machine, and the token would reach it in clear text. Over ``https://`` a proxy
    only tunnels the encrypted connection."""
    return httpx.Client(timeout=timeout,
                        trust_env=httpx.URL(_address(url)).scheme == "https")


def _this_machine(host: str) -> bool:
    """A loopback address, or ``localhost`` itself, which /etc/hosts answers. Nothing is
    resolved here: a name that resolves to the loopback today need not tomorrow, and a name
    under ``.localhost`` (or ``localhost.``) goes to DNS on a usual host, which may answer
    anything."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _address(url: str) -> str:
    """``url`` without its trailing slash; PublishError unless it is an http(s) address with
    a host: such a mistake is no outage, and it was retried for a minute per batch."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise PublishError("--url must be ingest's http:// or https:// address "
                           "(e.g. https://samstat.example.org)")
    return url.rstrip("/")


def _judge_response(summary: Summary, batch: list[Row], response: httpx.Response | str,
                    pending: list[list[Row]]) -> int:
    """Merge one answer into the summary; returns how many rows got their verdict (the rest
    went back to ``pending``)."""
    if isinstance(response, str):  # gave up
        summary.rejected += [RowError(r.number, "", response) for r in batch]
        return len(batch)
    status = response.status_code
    if status == 202 or (status == 200 and "batch_id" in _body(response)):
        _merge_receipt(summary, batch, _body(response))
        summary.sent += len(batch)
        return len(batch)
    if status == 401:
        # Said with what is stored already: a token that ran out after the first batches
        # left the agency not knowing which rows to send again (a review).
        stored = f"; the {summary.sent} rows sent before it stand" if summary.sent else ""
        raise PublishError(f"the token was refused (401): {_detail(response)}{stored}; "
                           f"nothing from row {batch[0].number} on was sent")
    if status == 413 and len(batch) > 1:
        half = len(batch) // 2
        pending[:0] = [batch[:half], batch[half:]]
        return 0
    findings = _findings(batch, _body(response)) if status in (403, 422) else []
    if findings:
        refused = {e.row for e in findings}
        summary.rejected += findings
        rest = [r for r in batch if r.number not in refused]
        if rest:
            pending.insert(0, rest)
        return len(batch) - len(rest)
    if status == 403 and len(batch) > 1:
        half = len(batch) // 2
        pending[:0] = [batch[:half], batch[half:]]
        return 0
    reason = f"batch refused ({status}): {_detail(response)}"
    summary.rejected += [RowError(r.number, "", reason) for r in batch]
    return len(batch)


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _findings(batch: list[Row], body: Mapping[str, Any]) -> list[RowError]:
    """Per-record findings of an error body (ErrorRead ``rejected``), as file rows."""
    out = []
    for item in body.get("rejected") or []:
        index = item.get("index") if isinstance(item, dict) else None
        if isinstance(index, int) and 0 <= index < len(batch):
            row = batch[index]
            out.append(row.error(str(item.get("field", "")), str(item.get("reason", ""))))
    return out


def _post_with_retries(http: httpx.Client, target: str, headers: dict[str, str],
                       batch: list[Row], max_attempts: int, max_wait: float,
                       sleep: Callable[[float], None],
                       params: dict[str, str] | None = None) -> httpx.Response | str:
    body = {"observations": [r.doc for r in batch]}
    backoff = 0.5
    problem = ""
    for attempt in range(1, max_attempts + 1):
        try:
            response = http.post(target, json=body, headers=headers, params=params)
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
    def error(index: Any, name: str, reason: str) -> RowError:
        if isinstance(index, int) and 0 <= index < len(batch):
            return batch[index].error(name, reason)
        return RowError(0, name, reason)

    summary.accepted = (summary.accepted or 0) + int(receipt.get("accepted", 0))
    summary.duplicates = (summary.duplicates or 0) + int(receipt.get("duplicates", 0))
    summary.rejected += [error(r.get("index"), str(r.get("field", "")), str(r.get("reason", "")))
                         for r in receipt.get("rejected", [])]
    summary.suppressed += [error(s.get("index"), "value", str(s.get("reason", "")))
                           for s in receipt.get("suppressed", [])]


def cell_states(url: str, token: str, client: httpx.Client | None = None
                ) -> Callable[[list[str]], dict[str, tuple[int, float | None, str, str]]]:
    """Each cell's newest revision at ingest: (revision, the value as served, its event id,
    its conf_status); a cell ingest does not know (or cannot say) is new. One
    ``GET /v1/cells`` per measure and area of the cells asked (a file of 5,000 rows asked
    ``/v1/cells/history`` 5,000 times); a group it cannot answer is asked cell by cell. An
    ingest that does not answer at all (a timeout, no connection) is not asked again: every
    cell it was not asked about is new (a hung ingest was asked each cell, 30 s apiece)."""
    auth = authorization(url, token)

    def lookup(keys: list[str]) -> dict[str, tuple[int, float | None, str, str]]:
        http = client or _client(url, timeout=30)
        groups: dict[tuple[str, ...], set[str]] = {}
        for key in keys:
            groups.setdefault(tuple(key.split("|")[:3]), set()).add(key)
        found: dict[str, tuple[int, float | None, str, str]] = {}
        try:
            _ask_groups(http, url, auth, groups, found)
        except httpx.TransportError:
            pass  # not answering: what it was not asked about is new
        finally:
            if client is None:
                http.close()
        return found
    return lookup


def _ask_groups(http: httpx.Client, url: str, auth: dict[str, str],
                groups: dict[tuple[str, ...], set[str]],
                found: dict[str, tuple[int, float | None, str, str]]) -> None:
    """Each group's cells from ``/v1/cells`` (else each cell's history) into ``found``."""
    for (agency, measure, area), wanted in groups.items():
        cells = _get(http, url, "/v1/cells", auth,
                     {"agency": agency, "measure": measure, "area": area})
        if cells is None:  # asked one by one, each the newest of its revisions
            cells = [max(history, key=lambda c: int(c["revision"]))
                     for key in sorted(wanted) if (history := _get(
                         http, url, "/v1/cells/history", auth, {"cell_key": key}))]
        for c in cells:
            with contextlib.suppress(ValueError, TypeError, KeyError):
                if c["cell_key"] in wanted:
                    value = c["value"]
                    found[c["cell_key"]] = (
                        int(c["revision"]), None if value is None else float(value),
                        str(c["event_id"]), str(c["conf_status"]))


def _get(http: httpx.Client, url: str, path: str, headers: dict[str, str],
         params: dict[str, str]) -> list[dict[str, Any]] | None:
    """The JSON list an answer holds, or None if it holds none (an error, not JSON). No
    answer at all raises :class:`httpx.TransportError`."""
    try:
        response = http.get(url.rstrip("/") + path, params=params, headers=headers)
    except httpx.TransportError:
        raise
    except httpx.HTTPError:  # an answer it could not read
        return None
    with contextlib.suppress(ValueError):
        body = response.json() if response.status_code == 200 else None
        if isinstance(body, list):
            return body
    return None


def send_kafka(
    rows: Sequence[Row], *, agency: str, bootstrap_servers: str | None = None,
    progress: Advance | None = None, timeout: float = 30.0,
) -> Summary:
    """Produce each row to the agency's raw topic, keyed by cell key, and wait for the acks."""
    from kafka import KafkaProducer

    from samstat_kit.kafka_names import Topics, admin_options, dumps
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
