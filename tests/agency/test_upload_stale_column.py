"""A row refused as stale (the file repeats a cell it already has, at the same revision) is
said where the reader can act on it: the problem list's "Kolumn" said "revision" though the
file had no such column (samstat numbered the row itself), beside "remove one of the rows, or
give no revision". Without a revision column the row names no column and the reason only asks
to remove a row; with one, its heading and both ways out. On the upload page of a real ingest,
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from tests.auth.helpers import upload_staff_on
from tests.tables import empty_ingest
from tests.workbooks import xlsx

Staff = tuple[TestClient, str]
M = "econ_assistance_recipients"
SV = ["Mått", "Område", "Period", "Värde", "Orsak", "Varaktighet", "Kön"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows 2 and 3 are the same cell (Vännäs, November, women) with two values.
ROWS = [[M, "2460", "2026-11", 61, "_T", "_T", "K"], [M, "2460", "2026-11", 62, "_T", "_T", "K"]]


@pytest.fixture
def staff(db_url: str) -> Iterator[Staff]:
    """Vännäs staff signed in on the upload pages of an ingest with empty tables."""
    empty_ingest(db_url)
    with upload_staff_on(db_url) as page:
        yield page
    empty_ingest(db_url)


def _problems(staff: Staff, header: list[str], rows: list[list[object]], lang: str
              ) -> dict[int, tuple[str, str]]:
    """The upload's problem list: file row -> (its "Kolumn" cell, its problem), as read."""
    client, csrf = staff
    staged = client.post(f"/upload?lang={lang}", data={"csrf_token": csrf},
                         files={"file": ("nov.xlsx", xlsx(header, rows), XLSX)})
    assert staged.status_code == 303, staged.text
    html = client.get(f"{staged.headers['location']}?lang={lang}").text
    table = html.split('<table class="problems">', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
        number, column, problem = (unescape(re.sub(r"<[^>]+>", " ", c)).strip()
                                   for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
        found[int(number)] = (column, re.sub(r"\s+", " ", problem))
    return found


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_cell_repeated_without_revisions_names_both_rows(staff: Staff, lang: str) -> None:
    """No revision the file did not write is called stale: the later row is said to be the
    earlier one's cell (it said "revision 2 … or give no revision", a black-box test)."""
    problems = _problems(staff, SV, ROWS, lang)
    assert list(problems) == [3], problems
    column, problem = problems[3]
    assert column == "", problem  # it said "revision"
    said = {"sv": "Raderna 2 och 3 gäller samma cell. Ta bort den ena raden.",
            "en": "Rows 2 and 3 are the same cell. Remove one of the rows."}[lang]
    assert problem == said


def test_a_stale_row_names_the_files_own_revision_column(staff: Staff) -> None:
    problems = _problems(staff, [*SV, "Revision"], [[*r, 1] for r in ROWS], "sv")
    assert list(problems) == [3], problems
    column, problem = problems[3]
    assert column == "Revision"
    assert "Ta bort den ena raden, eller låt bli att ange revision." in problem
