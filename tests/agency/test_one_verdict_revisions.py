"""Three ways in, one verdict, on what a file leaves out (a black-box test): the upload page
numbered a row without a revision as its cell's next one, while ``samstat publish`` (its dry
run, and ingest's dry run it asks) sent it as revision 1 and refused it "stale" for a revision
nobody wrote. Now all three number it as the page does (the docs' "Corrections"); a cell given
twice in one file names both rows; a withdrawal says it is one (not "hidden by the agency");
an unknown measure is said as such, not as a missing unit. A real ingest over HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from samstat import publish as pub
from samstat.cli import app as cli
from samstat_kit.agency_files import read_bytes, row_cell
from services.ingest.observations.schemas import SuppressionKind
from tests.agency.conftest import RunningIngest
from tests.auth.helpers import upload_staff_on

AGENCY = "kommun-2460"
M = "econ_assistance_recipients"
HEAD = "Mått;Område;Period;Värde;Orsak;Varaktighet;Kön\n"
SDMX_HEAD = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,CAUSE,DURATION,SEX,TIME_PERIOD,OBS_VALUE\n"
FLOW = f"dataflow,SAMSTAT:{M.upper()}(1.0)"
ROOT = Path(__file__).resolve().parents[2]


def _row(period: str, value: object) -> str:
    return f"{M};2460;{period};{value};_T;_T;_T\n"


def _cli(ingest: RunningIngest, path: Path, token: str, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["publish", "--agency", AGENCY, "--url", ingest.url,
                                      "--json", *extra, str(path)],
                                env={"SAMSTAT_TOKEN": token})
    assert result.exit_code in (0, 1), result.output
    return dict(json.loads(result.stdout))


def _history(ingest: RunningIngest, token: str, data: bytes) -> list[tuple[int, Any]]:
    _, rows = read_bytes("f.csv", data)
    key = row_cell(rows[0], AGENCY)
    found = httpx.get(f"{ingest.url}/v1/cells/history", params={"cell_key": key},
                      headers={"Authorization": f"Bearer {token}"}).json()
    return [(h["revision"], h["value"]) for h in found]


@pytest.fixture
def page(running_ingest: RunningIngest) -> Iterator[tuple[TestClient, str]]:
    """Vännäs staff on the upload pages of the same ingest (its database)."""
    with upload_staff_on(running_ingest.db_url, AGENCY) as page:
        yield page


def _page_text(page: tuple[TestClient, str], name: str, data: bytes) -> str:
    client, csrf = page
    staged = client.post("/upload", data={"csrf_token": csrf},
                         files={"file": (name, data, "text/csv")})
    assert staged.status_code == 303, staged.text
    html = client.get(staged.headers["location"]).text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.integration
def test_a_row_without_revision_is_the_cells_next_one_on_every_way_in(
        running_ingest: RunningIngest, page: tuple[TestClient, str], tmp_path: Path) -> None:
    token = running_ingest.token(AGENCY)
    first = (HEAD + _row("2024-08", 100)).encode()
    (tmp_path / "first.csv").write_bytes(first)
    assert _cli(running_ingest, tmp_path / "first.csv", token)["accepted"] == 1
    assert _history(running_ingest, token, first) == [(1, 100.0)]

    again = tmp_path / "again.csv"
    again.write_bytes((HEAD + _row("2024-08", 999)).encode())
    for extra in (("--dry-run",), ("--dry-run", "--offline")):
        said = _cli(running_ingest, again, token, *extra)
        assert said["rejected"] == [] and said["accepted"] == 1, (extra, said)
    assert "Raden kan publiceras." in _page_text(page, "again.csv", again.read_bytes())
    published = _cli(running_ingest, again, token)
    assert (published["accepted"], published["rejected"]) == (1, [])
    # The same figure once more is the observation ingest has: already received.
    resent = _cli(running_ingest, again, token)
    assert (resent["accepted"], resent["duplicates"], resent["rejected"]) == (0, 1, [])
    # SDMX-CSV ACTION=I without REVISION: the next revision too.
    sdmx = tmp_path / "sdmx.csv"
    sdmx.write_text(SDMX_HEAD + f"{FLOW},I,2460,_T,_T,_T,2024-M08,1001\n", encoding="utf-8")
    assert _cli(running_ingest, sdmx, token, "--dry-run")["rejected"] == []
    assert _cli(running_ingest, sdmx, token)["accepted"] == 1
    assert _history(running_ingest, token, first) == [(1, 100.0), (2, 999.0), (3, 1001.0)]


@pytest.mark.integration
def test_a_cell_twice_in_one_file_names_both_rows(
        running_ingest: RunningIngest, page: tuple[TestClient, str], tmp_path: Path) -> None:
    token = running_ingest.token(AGENCY)
    path = tmp_path / "twice.csv"
    path.write_bytes((HEAD + _row("2024-09", 5) + _row("2024-09", 6)).encode())
    for extra in (("--dry-run",), ("--dry-run", "--offline")):
        said = _cli(running_ingest, path, token, *extra)
        assert [(e["row"], e["reason"]) for e in said["rejected"]] == [
            (3, "the same cell as row 2: remove one of the rows")], (extra, said)
    text = _page_text(page, "twice.csv", path.read_bytes())
    assert "Raderna 2 och 3 gäller samma cell. Ta bort den ena raden." in text
    assert "revision" not in text.split("Alla rader")[0].lower()


@pytest.mark.integration
def test_a_withdrawal_is_said_to_be_one(running_ingest: RunningIngest,
                                        page: tuple[TestClient, str], tmp_path: Path) -> None:
    token = running_ingest.token(AGENCY)
    path = tmp_path / "value.csv"
    path.write_text(SDMX_HEAD + f"{FLOW},I,2460,_T,_T,_T,2024-M10,70\n", encoding="utf-8")
    assert _cli(running_ingest, path, token)["accepted"] == 1
    delete = tmp_path / "delete.csv"
    delete.write_text(SDMX_HEAD + f"{FLOW},D,2460,_T,_T,_T,2024-M10,\n", encoding="utf-8")
    text = _page_text(page, "delete.csv", delete.read_bytes())
    assert "Cellen tas tillbaka" in text and "konfidentiellt" not in text
    said = _cli(running_ingest, delete, token, "--dry-run")
    assert [s["reason"] for s in said["suppressed"]] == [
        "withdrawn: the agency takes the cell back"]
    # The API's receipt: a kind of its own, which the receipt schema documents.
    _, rows = read_bytes("delete.csv", delete.read_bytes())
    pub.complete(rows, AGENCY)
    receipt = httpx.post(f"{running_ingest.url}/v1/observations", params={"dry_run": "true"},
                         json={"observations": [rows[0].doc | {"revision": 2}]},
                         headers={"Authorization": f"Bearer {token}"}).json()
    assert [(s["kind"], s["reason"]) for s in receipt["suppressed"]] == [
        ("withdrawn", "withdrawn: the agency takes the cell back")]
    schema = json.loads((ROOT / "schemas/receipt.v1.schema.json").read_text())
    jsonschema.validate(receipt, schema)
    kinds = schema["properties"]["suppressed"]["items"]["properties"]["kind"]["enum"]
    assert set(kinds) == set(SuppressionKind.__args__)  # type: ignore[attr-defined]
    for old in (ROOT / "schemas/examples/receipt.v1").glob("*.json"):  # still valid
        jsonschema.validate(json.loads(old.read_text()), schema)


def test_an_unknown_measure_is_said_as_one_without_a_unit_column(tmp_path: Path) -> None:
    path = tmp_path / "economic.csv"
    path.write_bytes((HEAD + "economic;2460;2024-08;5;_T;_T;_T\n").encode())
    said = _cli(RunningIngest("http://127.0.0.1:9", ""), path, "", "--dry-run", "--offline")
    assert [(e["row"], e["column"], e["field"], e["reason"]) for e in said["rejected"]] == [
        (2, "Mått", "measure", "unknown measure 'economic'")]


def test_an_empty_value_names_its_column_in_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes((HEAD + _row("2024-08", "")).encode())
    said = _cli(RunningIngest("http://127.0.0.1:9", ""), path, "", "--dry-run", "--offline")
    assert [(e["row"], e["column"], e["field"]) for e in said["rejected"]] == [
        (2, "Värde", "value")]


@pytest.mark.integration
def test_a_files_cells_are_looked_up_once_per_measure_and_area(
        running_ingest: RunningIngest, tmp_path: Path) -> None:
    """Numbering a file's rows asked ``/v1/cells/history`` once per cell: a year of months
    was twelve requests, a national file thousands. One ``/v1/cells`` per measure and area
    gives each cell's newest revision the same."""
    from samstat.agency_send import cell_states

    token = running_ingest.token(AGENCY)
    months = [f"2021-{m:02d}" for m in range(1, 13)]  # a year no other test writes
    path = tmp_path / "year.csv"
    path.write_text(HEAD + "".join(_row(p, 100 + n) for n, p in enumerate(months)))
    assert _cli(running_ingest, path, token)["accepted"] == 12
    path.write_text(HEAD + _row(months[0], 99))  # January corrected: revision 2
    assert _cli(running_ingest, path, token)["accepted"] == 1
    asked: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda r: asked.append(r.url.path)]}) as http:
        _, rows = read_bytes("year.csv", (HEAD + "".join(
            _row(p, 1) for p in months) + _row("2020-12", 1)).encode())
        keys = sorted({row_cell(r, AGENCY) for r in rows})
        found = cell_states(running_ingest.url, token, http)(keys)
    assert asked == ["/v1/cells"]
    assert {k: v[0] for k, v in found.items()} == {
        row_cell(r, AGENCY): 2 if r.doc["period"] == months[0] else 1
        for r in rows if r.doc["period"] != "2020-12"}


def test_an_ingest_that_does_not_answer_is_asked_once_not_once_per_cell() -> None:
    """A hung ingest (every request a timeout) was asked ``/v1/cells`` and then each cell's
    history, 30 seconds apiece: three rows kept the dry run two minutes from its offline
    verdict, a thousand cells eight hours."""
    from samstat.agency_send import cell_states

    asked: list[str] = []

    def hung(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        raise httpx.ReadTimeout("no answer", request=request)

    _, rows = read_bytes("f.csv", (HEAD + "".join(
        _row(f"2021-{m:02d}", 1) for m in range(1, 13))).encode())
    keys = sorted({row_cell(r, AGENCY) for r in rows})
    with httpx.Client(transport=httpx.MockTransport(hung)) as http:
        assert cell_states("https://ingest", "t", http)(keys) == {}
    assert asked == ["/v1/cells"]
