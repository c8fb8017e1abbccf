"""``samstat publish``: an agency's files (CSV, JSON, SDMX-CSV) over HTTP and Kafka.

The HTTP and Kafka tests run the command in process against a real ingest served by uvicorn
(with its relay and Kafka consumer) on the session's broker and SQLite database.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from samstat import publish as pub
from samstat.agency_send import authorization
from samstat.cli import app as cli
from samstat_kit.auth import service as tokens
from samstat_kit.broker import LocalBroker
from samstat_kit.db import session_factory, session_scope
from services.ingest.config import IngestSettings
from services.ingest.observations.models import (
    IngestBatch,
    IngestObservation,
)
from tests.agency.conftest import serve_ingest
from tests.tables import empty_ingest

CSV = """\
measure;area;period;value;unit;dim_benefit;dim_sex;revision
benefit_net_days;2480;2023-10;31000;days;sickness;K;1
benefit_net_days;2480;2023-10;28000,5;days;sickness;M;
"""
SDMX = """\
DATAFLOW,BENEFIT,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS,UNIT_MEASURE,REF_AREA,OBS_COM
SAMSTAT:BENEFIT_NET_DAYS(1.0),sickness,K: Kvinnor,2023-M10,31000,A,F,DAYS,2480,free text
SAMSTAT:BENEFIT_NET_DAYS(1.0),sickness,M,2023-M10,28000.5,A,F,DAYS,2480,
"""
JSON = {"observations": [
    {"measure": "benefit_net_days", "area": "2480", "period": "2023-10", "value": 31000,
     "unit": "days", "dimensions": {"benefit": "sickness", "sex": "K"}, "revision": 1},
    {"measure": "benefit_net_days", "area": "2480", "period": "2023-10", "value": 28000.5,
     "unit": "days", "dimensions": {"benefit": "sickness", "sex": "M"}},
]}


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def _cells(rows: list[pub.Row]) -> list[dict[str, Any]]:
    keep = ("agency", "measure", "area", "period", "value", "unit", "dimensions")
    return [{k: r.doc.get(k) for k in keep} for r in rows]


# ------------------------------------------------------------------- reading, no services


def test_three_formats_give_the_same_observations(tmp_path: Path) -> None:
    read = {}
    for name, text in (("a.csv", CSV), ("a.json", json.dumps(JSON)), ("s.csv", SDMX)):
        fmt, rows = pub.read_rows(_write(tmp_path, name, text))
        pub.complete(rows, "forsakringskassan")
        assert pub.check(rows, "forsakringskassan") == []
        read[fmt] = rows
    assert set(read) == {"csv", "json", "sdmx-csv"}
    assert _cells(read["csv"]) == _cells(read["json"]) == _cells(read["sdmx-csv"])
    row = read["csv"][0].doc
    assert uuid.UUID(row["event_id"]).version == 4 and row["produced_at"].endswith("Z")
    assert "OBS_COM" not in json.dumps(read["sdmx-csv"][0].doc)  # free text stays home


@pytest.mark.parametrize(("sdmx", "samstat"), [
    ("2023", "2023"), ("2023-A1", "2023"), ("2023-S2", "2023-H2"), ("2023-H1", "2023-H1"),
    ("2023-Q3", "2023-Q3"), ("2023-M01", "2023-01"), ("2023-10", "2023-10"),
])
def test_sdmx_periods(sdmx: str, samstat: str) -> None:
    assert pub.sdmx_period(sdmx) == samstat


def test_stable_ids_make_a_resend_idempotent(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", CSV)
    ids = []
    for _ in range(2):
        _, rows = pub.read_rows(path)
        pub.complete(rows, "forsakringskassan", stable_ids=True)
        ids.append([r.doc["event_id"] for r in rows])
    assert ids[0] == ids[1] and len(set(ids[0])) == 2


def test_bad_rows_are_reported_per_row_and_nothing_is_sent(tmp_path: Path) -> None:
    text = CSV + ("benefit_net_days;2480;2023-13;1;days;sickness;K;0\n"
                  "benefit_net_days;2480;2023-10;1;days;sickness;K;1;surplus\n")
    result = CliRunner().invoke(cli, ["publish", "--agency", "forsakringskassan", "--dry-run",
                                      "--json", str(_write(tmp_path, "bad.csv", text))])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    got = {(e["row"], e["field"]) for e in summary["rejected"]}
    # File rows (the header is row 1), judged offline by ingest's own checks (no token).
    assert got == {(4, "revision"), (5, "")}
    assert summary["checked_by"] == "offline"
    assert summary["sent"] == 0 and summary["rows"] == 4


def test_a_personal_number_stops_everything_and_is_never_printed(tmp_path: Path) -> None:
    doc = dict(JSON["observations"][0], dimensions={"benefit": "sickness", "sex": "19121212-1212"})
    path = _write(tmp_path, "p.json", json.dumps([JSON["observations"][1], doc]))
    result = CliRunner().invoke(cli, ["publish", "--agency", "forsakringskassan", "--token",
                                      "x", "--url", "http://127.0.0.1:9", str(path)])
    assert result.exit_code == 2
    assert "row 2 (dimensions.sex)" in result.output
    assert "121212" not in result.output


# ----------------------------------------------------------------- HTTP retries (mocked)


def _receipt(n: int) -> dict[str, Any]:
    return {"batch_id": "b", "accepted": n, "duplicates": 0, "rejected": [], "suppressed": []}


def _rows(n: int) -> list[pub.Row]:
    rows = [pub.Row(i, dict(JSON["observations"][0])) for i in range(1, n + 1)]
    pub.complete(rows, "forsakringskassan")
    return rows


def test_http_retries_honour_retry_after_and_split_on_413() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}),
                    httpx.Response(503, json={"detail": "database unavailable"})])
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        batch = json.loads(request.content)["observations"]
        sizes.append(len(batch))
        if (answer := next(answers, None)) is not None:
            return answer
        if len(batch) > 2:
            return httpx.Response(413, json={"detail": "too large"})
        return httpx.Response(202, json=_receipt(len(batch)))

    sleeps: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        summary = pub.send_http(_rows(4), url="https://ingest", token="t", batch_size=4,
                                client=client, sleep=sleeps.append)
    assert sleeps == [7.0, 1.0]  # Retry-After first, then the exponential backoff
    assert sizes == [4, 4, 4, 2, 2]
    assert summary.accepted == 4 and summary.ok


def test_http_gives_up_and_reports_every_row_of_the_batch() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": "1"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        summary = pub.send_http(_rows(3), url="https://ingest", token="t", client=client,
                                max_attempts=3, sleep=lambda _s: None)
    assert [e.row for e in summary.rejected] == [1, 2, 3]
    assert "gave up after 3 attempts: HTTP 503" in summary.rejected[0].reason


def test_a_refused_token_is_fatal() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "invalid, expired or revoked token"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client, \
            pytest.raises(pub.PublishError, match="401"):
        pub.send_http(_rows(1), url="https://ingest", token="t", client=client)


def test_a_token_refused_after_some_batches_says_what_stands() -> None:
    """A token that ran out mid-file: the error said only 401, and the agency could not
    tell which rows were stored (a review)."""
    answers = iter([httpx.Response(202, json=_receipt(2))])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or httpx.Response(401, json={"detail": "expired token"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client, \
            pytest.raises(pub.PublishError) as refused:
        pub.send_http(_rows(5), url="https://ingest", token="t", batch_size=2, client=client)
    assert str(refused.value) == ("the token was refused (401): expired token; the 2 rows "
                                  "sent before it stand; nothing from row 3 on was sent")


# ---------------------------------------------------------------- against a real ingest


@dataclass
class Ingest:
    url: str
    db_url: str
    token: str


@pytest.fixture(scope="module")
def ingest(broker: LocalBroker, sqlite_url: str) -> Iterator[Ingest]:
    """Ingest served by uvicorn in a thread, on its own topic prefix."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", "pub" + uuid.uuid4().hex[:8])
        mp.setenv("SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS", "3000")
        mp.setenv("SAMSTAT_KAFKA_SESSION_TIMEOUT_MS", "6000")
        empty_ingest(sqlite_url)
        settings = IngestSettings(database_url=sqlite_url, relay_max_backoff_seconds=0.5)
        with session_scope(session_factory(sqlite_url)) as s:
            token = tokens.issue(session=s, scope="agency", agency="forsakringskassan")
        with serve_ingest(settings) as url:
            yield Ingest(url, sqlite_url, token)
        empty_ingest(sqlite_url)


def _publish(ingest: Ingest, path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        cli, ["publish", "--agency", "forsakringskassan", "--url", ingest.url, "--json",
              *extra, str(path)], env={"SAMSTAT_TOKEN": ingest.token})
    return result.exit_code, json.loads(result.stdout)


def _stored(db_url: str, event_ids: list[str]) -> int:
    with session_scope(session_factory(db_url)) as s:
        return int(s.scalar(select(func.count()).select_from(IngestObservation)
                            .where(IngestObservation.event_id.in_(event_ids))) or 0)


@pytest.mark.integration
def test_publish_csv_json_and_sdmx_over_http(ingest: Ingest, tmp_path: Path) -> None:
    # Each file publishes other periods, so that none is a stale revision of another.
    files = [
        _write(tmp_path, "a.csv", CSV.replace("2023-10", "2022-01")),
        _write(tmp_path, "a.json", json.dumps(JSON).replace("2023-10", "2022-02")),
        _write(tmp_path, "s.csv", SDMX.replace("2023-M10", "2022-M03")),
    ]
    for path in files:
        code, summary = _publish(ingest, path, "--batch-size", "1")
        assert code == 0, summary
        assert (summary["accepted"], summary["rejected"]) == (2, []), path.name
    # Resending with stable ids: the first time accepted, the second time duplicates.
    again = _write(tmp_path, "again.csv", CSV.replace("2023-10", "2022-04"))
    assert _publish(ingest, again, "--stable-ids")[1]["accepted"] == 2
    code, summary = _publish(ingest, again, "--stable-ids")
    assert code == 0 and summary["duplicates"] == 2 and summary["accepted"] == 0


@pytest.mark.integration
def test_http_reports_local_and_ingest_rejections_per_row(ingest: Ingest,
                                                          tmp_path: Path) -> None:
    text = ("measure,area,period,value,unit,dim_sex,dim_benefit\n"
            "benefit_net_days,2480,2021-01,10,days,K,sickness\n"      # row 2 fine
            "benefit_net_days,2480,2021-13,10,days,K,sickness\n"      # row 3 ingest: period
            "benefit_net_days,2480,2021-01,10,persons,M,sickness\n"   # row 4 ingest: unit
            "activity_compensation_recipients,2480,2021-01,3,persons,K,\n"  # 5 suppressed
            "benefit_net_days,2480,2021-01,10,days,X,sickness\n")     # row 6 ingest: code
    path = _write(tmp_path, "mixed.csv", text)
    code, summary = _publish(ingest, path)
    assert code == 1
    # Every readable row goes to ingest, which judges it (one verdict with the dry run's).
    assert summary["accepted"] == 2 and summary["sent"] == 5
    assert {(e["row"], e["field"]) for e in summary["rejected"]} == {
        (3, "period"), (4, "unit"), (6, "dimensions.sex")}
    assert [s["row"] for s in summary["suppressed"]] == [5]
    # The human summary names row, field and reason too.
    result = CliRunner().invoke(cli, ["publish", "--agency", "forsakringskassan", "--url",
                                      ingest.url, str(path)],
                                env={"SAMSTAT_TOKEN": ingest.token, "COLUMNS": "200"})
    assert result.exit_code == 1
    assert "dimensions.sex" in result.stdout and "'X' is not allowed" in result.stdout


@pytest.mark.integration
def test_publish_over_kafka(ingest: Ingest, tmp_path: Path) -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    text = ("event_id,measure,area,period,value,unit,dim_benefit,dim_sex\n"
            f"{ids[0]},benefit_net_days,2480,2020-01,100,days,sickness,K\n"
            f"{ids[1]},benefit_net_days,2460,2020-01,200,days,sickness,M\n"
            f"{ids[2]},benefit_net_days,2404,2020-01,300,days,sickness,K\n"
            f"{uuid.uuid4()},benefit_net_days,2404,2020-01,oops,days,sickness,M\n")
    code, summary = _publish(ingest, _write(tmp_path, "k.csv", text), "--via", "kafka")
    assert code == 1  # file row 5 is rejected locally and not sent
    assert summary["sent"] == 3 and summary["via"] == "kafka"
    assert [(e["row"], e["field"]) for e in summary["rejected"]] == [(5, "value")]
    deadline = time.monotonic() + 30
    while _stored(ingest.db_url, ids) < 3:
        assert time.monotonic() < deadline, "ingest never stored the Kafka records"
        time.sleep(0.2)
    with session_scope(session_factory(ingest.db_url)) as s:
        channels = set(s.scalars(select(IngestBatch.channel).join(
            IngestObservation, IngestObservation.batch_id == IngestBatch.id)
            .where(IngestObservation.event_id.in_(ids))))
    assert channels == {"kafka"}


def test_a_file_of_personal_numbers_is_judged_in_linear_time() -> None:
    """Each personal-number finding looked its row up among all rows: a file of microdata
    (a personal number on every row) took n² steps, 20,000 rows minutes, before saying no."""
    looked_up = 0

    class Counted(pub.Row):
        def __getattribute__(self, name: str) -> Any:
            nonlocal looked_up
            looked_up += name == "number"
            return super().__getattribute__(name)

    rows = [Counted(n, {"measure": "benefit_net_days", "note": "19121212-1212"})
            for n in range(2, 2_002)]
    summary = pub.judge_rows(rows, agency="forsakringskassan", url="http://127.0.0.1:9",
                             token=None, offline=True)
    assert summary.rejected_rows == 2_000 and "121212" not in json.dumps(summary.as_dict())
    assert looked_up < 10 * len(rows), looked_up


@pytest.mark.parametrize("url", ["notaurl", "ftp://ingest", "http://", "ingest:8001",
                                 "http://[::1"])
def test_an_address_that_is_no_http_address_is_fatal_at_once(url: str) -> None:
    """A mistyped --url is no outage: it was retried eight times per batch (about a minute)
    before each row said it gave up (a review). Nothing is sent, nothing slept."""
    sleeps: list[float] = []
    with pytest.raises(pub.PublishError, match="http:// or https://"):
        pub.send_http(_rows(3), url=url, token="t", sleep=sleeps.append)
    assert sleeps == []


@pytest.mark.parametrize("url", ["http://ingest.invalid", "http://INGEST.invalid:8001/",
                                 "http://127.0.0.1.nip.invalid", "http://10.0.0.1.invalid",
                                 "http://ingest.localhost", "http://localhost."])
def test_a_token_never_crosses_a_network_in_clear_text(url: str, tmp_path: Path) -> None:
    """Security review: ``--url http://...`` to another machine sent the bearer token
    unencrypted. Refused before any connection (the hosts are reserved names that never
    resolve, and the refusal comes before resolving)."""
    with pytest.raises(pub.PublishError, match="unencrypted: use its https://"):
        pub.send_http(_rows(1), url=url, token="t")
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(JSON), encoding="utf-8")
    for dry_run in (False, True):
        with pytest.raises(pub.PublishError, match="unencrypted"):
            pub.publish(path, agency="forsakringskassan", url=url, token="t", dry_run=dry_run)


@pytest.mark.parametrize("url", ["https://ingest.invalid", "http://127.0.0.1:8001",
                                 "http://127.9.9.9", "http://localhost:8001",
                                 "http://[::1]:8001", "http://LOCALHOST"])
def test_https_anywhere_and_http_on_this_machine_carry_the_token(url: str) -> None:
    assert authorization(url, "t") == {"Authorization": "Bearer t"}


@pytest.mark.parametrize("proxy_variable", ["HTTP_PROXY", "ALL_PROXY", "http_proxy"])
def test_http_to_this_machine_never_goes_through_a_proxy(proxy_variable: str,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Review: ``http://localhost`` passed the guard, but with ``HTTP_PROXY`` set (as many
    offices do) httpx sent the request, its bearer token in clear, to the proxy: another
    machine. The proxy here is a listener on the loopback standing in for it."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                seen.append(conn.recv(65536))
                conn.sendall(b"HTTP/1.1 503 x\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    monkeypatch.setenv(proxy_variable, f"http://127.0.0.1:{listener.getsockname()[1]}")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    try:
        pub.send_http(_rows(1), url="http://localhost:1", token="SECRET", max_attempts=1,
                      sleep=lambda _s: None)
        assert pub.cell_states("http://localhost:1", "SECRET")(
            ["forsakringskassan|m|2480|2024"]) == {}
    finally:
        listener.close()
    assert not any(b"SECRET" in got for got in seen)
