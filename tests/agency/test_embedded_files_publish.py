"""``samstat publish`` reads the files embedded in a workbook as the upload page does
(tests/ingest/test_redteam_embedded_files.py): a personal number in an embedded workbook is
rejected on a dry run and stops a real one; an embedded file that cannot be read, or unpacks
past the limit, refuses the file (exit 2), not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samstat.cli import app as cli
from tests.workbooks import EMBEDDED, embedding, with_parts, xlsx, zipped

HEADER = ["measure", "area", "period", "value", "unit", "dim_benefit", "dim_sex"]
ROW = ["benefit_net_days", "2480", "2024-01", 100, "days", "sickness", "K"]
CLEAN = xlsx(HEADER, [ROW])
HOLDING = xlsx(["note"], [["ring 19880208-9717"]])  # a shared string
DRY = ["publish", "--agency", "forsakringskassan", "--dry-run", "--offline", "--json"]
# Nothing listens on port 9: a request would fail with another message.
REAL = ["publish", "--agency", "forsakringskassan", "--url", "http://127.0.0.1:9"]


def _file(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "f.xlsx"
    path.write_bytes(data)
    return str(path)


def test_a_clean_embedded_workbook_is_published(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [*DRY, _file(tmp_path, embedding(CLEAN, CLEAN, 2))])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["accepted"] == 1


@pytest.mark.parametrize("levels", [1, 2])
def test_a_dry_run_rejects_a_number_in_an_embedded_workbook(tmp_path: Path,
                                                             levels: int) -> None:
    result = CliRunner().invoke(cli, [*DRY, _file(tmp_path, embedding(CLEAN, HOLDING, levels))])
    assert result.exit_code == 1 and "9717" not in result.output
    # As a number in the file's properties: reported beside the rows (row 0), which a real
    # run then never sends (below).
    rejected = json.loads(result.stdout)["rejected"]
    assert [(e["row"], e["column"]) for e in rejected] == [
        (0, "(another part of the workbook)")]
    assert "personal identity number" in rejected[0]["reason"]


@pytest.mark.parametrize("levels", [1, 2])
def test_a_real_run_sends_nothing(tmp_path: Path, levels: int) -> None:
    result = CliRunner().invoke(cli, [*REAL, _file(tmp_path, embedding(CLEAN, HOLDING, levels))],
                                env={"SAMSTAT_TOKEN": "t"})
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "personal identity number in (another part of the workbook): nothing was sent" \
        in said and "9717" not in said


def _bomb() -> bytes:
    return zipped({"xl/sharedStrings.xml": b"\x00" * (40 * 2**20)})


UNREADABLE = {
    "a corrupt nested zip": (lambda: with_parts(CLEAN, {EMBEDDED: HOLDING[:len(HOLDING) // 2]}),
                             "not an Excel workbook"),
    # the command's budget is 64 MiB unpacked, all levels together: 40 MiB one level down
    # and 40 more two levels down
    "a zip bomb nested inside": (lambda: with_parts(CLEAN, {
        EMBEDDED: with_parts(CLEAN, {EMBEDDED: _bomb()}), "xl/embeddings/b.bin": _bomb()}),
        "unpacks to more than 64 MiB"),
}


@pytest.mark.parametrize("case", UNREADABLE)
@pytest.mark.parametrize("dry_run", [True, False])
def test_an_unreadable_embedded_file_refuses_the_file(tmp_path: Path, case: str,
                                                      dry_run: bool) -> None:
    make, reason = UNREADABLE[case]
    args = DRY if dry_run else REAL
    result = CliRunner().invoke(cli, [*args, _file(tmp_path, make())],
                                env={"SAMSTAT_TOKEN": "t"})
    assert result.exit_code == 2, result.output
    assert reason in result.output and "Traceback" not in result.output
    assert "9717" not in result.output
