"""Red-team finding (2026-12-07, second upload round): one verdict on a file with a personal
identity number in what the rows do not send.

The upload page scans the whole file (every cell of every line, columns no field reads,
cells beyond the header, every sheet and part of a workbook:
``services.ingest.upload.service.personal_numbers_in_file``) and refuses it whole. ``samstat
publish`` scans only the observations read from it (``samstat.publish.personal_number_rows``):
an SDMX-CSV comment (OBS_COM, never sent) holding ``ring 19880208-9717`` passes its dry run,
every row accepted, and a cell beyond the header is "1 cell(s) more than the header has
columns". Nothing leaks (those cells are never sent), but the CLI's dry run and the upload
disagree on the row, and the CLI says nothing of the number the agency keeps in its file.

Fix needed (not small): move the upload's file-level scan (personal_numbers_in_file and
its helpers, pure samstat_kit code but for the RowError places) into samstat_kit, and have
``samstat publish`` (and the client wheel) run it on the file's bytes before the rows, with
the same places ("row 2 (OBS_COM)", "(sheet 2)", "(the file's properties)")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samstat.cli import app as cli
from services.ingest.upload import service

FILES = {
    "comment.sdmx.csv":
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,BENEFIT,SEX,TIME_PERIOD,OBS_VALUE,OBS_COM\n"
        "dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0),I,2480,sickness,F,2024-M07,100,"
        "ring 19880208-9717\n",
    "beyond.csv":
        "measure,area,period,value,unit,dim_benefit,dim_sex\n"
        "benefit_net_days,2480,2024-01,100,days,sickness,K,ring 19880208-9717\n",
}


@pytest.mark.xfail(strict=True, reason="samstat publish scans the rows it sends, the upload "
                                       "the whole file; see the module docstring")
@pytest.mark.parametrize("name", FILES)
def test_the_cli_refuses_what_the_upload_refuses(tmp_path: Path, name: str) -> None:
    data = FILES[name].encode()
    upload = service.personal_numbers_in_file(name, data)
    assert [(e.row, e.reason) for e in upload] == [(2, service.PERSONAL)]
    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["publish", "--agency", "forsakringskassan", "--json",
                                      "--dry-run", "--offline", str(path)])
    assert "9717" not in result.output
    assert result.exit_code != 0
    if result.stdout.startswith("{"):
        summary = json.loads(result.stdout)
        assert summary["accepted"] == 0
        assert any("personal identity number" in e["reason"] for e in summary["rejected"])
