"""Red-team finding (2026-12-07, second upload round): one verdict on a file with a personal
identity number in what the rows do not send.

The upload page scans the whole file (every cell of every line, columns no field reads,
cells beyond the header, every sheet and part of a workbook) and refuses it whole. ``samstat
publish`` scanned only the observations read from it: an SDMX-CSV comment (OBS_COM, never
sent) holding ``ring 19880208-9717`` passed its dry run, and a cell beyond the header was
"1 cell(s) more than the header has columns". Nothing leaked (those cells are never sent),
but the command said nothing of the number the agency keeps in its file.

Fixed: the file-level scan lives in ``samstat_kit.agency_scan`` (``personal_numbers_in_file``)
and ``samstat publish`` (and the client wheel) runs it on the file's bytes: on a dry run the
row is rejected as a row with a number in a sent field is, and a real run sends nothing."""

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


@pytest.mark.parametrize("name", FILES)
def test_a_real_run_sends_nothing_and_says_where(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(FILES[name].encode())
    # Nothing listens on port 9: a request would fail with another message.
    result = CliRunner().invoke(cli, ["publish", "--agency", "forsakringskassan", "--url",
                                      "http://127.0.0.1:9", str(path)],
                                env={"SAMSTAT_TOKEN": "t"})
    assert result.exit_code == 2, result.output
    assert "personal identity number in row 2" in " ".join(result.output.split())
    assert "nothing was sent" in result.output and "9717" not in result.output


def test_a_json_files_lines_are_not_its_observations(tmp_path: Path) -> None:
    """The scan counts a JSON file's lines; its rows are observations. A number in
    observation 1 (pretty-printed, on line 12) rejected observation 12 too, which holds
    none and which ingest accepts: the dry run and the server disagreed on it."""
    obs = [{"measure": "benefit_net_days", "area": "2480", "period": f"2024-{m:02d}",
            "value": m, "unit": "days", "dimensions": {"benefit": "sickness", "sex": "K"}}
           for m in range(1, 13)]
    obs[0]["comment"] = "ring 19880208-9717"
    path = tmp_path / "f.json"
    path.write_text(json.dumps(obs, indent=1))
    result = CliRunner().invoke(cli, ["publish", "--agency", "forsakringskassan", "--dry-run",
                                      "--offline", "--json", str(path)])
    summary = json.loads(result.stdout)
    assert {e["row"] for e in summary["rejected"]} == {1}, summary["rejected"]
    assert summary["accepted"] == 11


def test_a_number_in_the_files_name_is_never_printed(tmp_path: Path) -> None:
    good = tmp_path / "198802089717.csv"
    good.write_text(FILES["beyond.csv"].replace(",ring 19880208-9717", ""))
    empty = tmp_path / "ring 198802089717.csv"
    empty.write_text("measure,area,period,value,unit,dim_benefit,dim_sex\n")
    for path, extra in ((good, []), (good, ["--json"]), (empty, [])):
        result = CliRunner().invoke(cli, ["publish", "--agency", "forsakringskassan",
                                          "--dry-run", "--offline", *extra, str(path)])
        assert "9717" not in result.output, result.output
    from samstat.publish import PublishError, publish
    folder = tmp_path / "19880208-9717"
    folder.mkdir()
    with pytest.raises(PublishError) as caught:  # not readable: a folder
        publish(folder, agency="forsakringskassan", dry_run=True, offline=True)
    assert "9717" not in str(caught.value)
