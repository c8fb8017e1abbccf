"""Where a personal identity number is, said on the upload page (never the number; a
black-box test): a CSV cell by its row and column (the column was empty), an XLSX comment by
its cell and row, the file's properties by no row (both were "Rad 0")."""

from __future__ import annotations

import io
import re
from html import unescape

import openpyxl
from fastapi.testclient import TestClient
from openpyxl.comments import Comment

from tests.echo import said
from tests.workbooks import xlsx

Staff = tuple[TestClient, str]
M = "econ_assistance_recipients"
SV = ["Mått", "Område", "Period", "Värde", "Orsak", "Varaktighet", "Kön"]


def _table(html: str) -> dict[int, tuple[str, str]]:
    """A problem table's rows: file row (0 for "–") -> (its column, its problem)."""
    body = html.split("<tbody>", 1)[1].split("</table>", 1)[0]
    found = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", c))).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        found[int(cells[0]) if cells[0].isdigit() else 0] = (cells[1], cells[2])
    return found


def _refused(staff: Staff, name: str, data: bytes) -> dict[int, tuple[str, str]]:
    client, csrf = staff
    r = client.post("/upload", data={"csrf_token": csrf},
                    files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == 422, r.text
    assert "9717" not in said(r.text)  # an upload's id in the list may hold it (CI did)
    return _table(r.text.split("Personnummer hittades", 1)[1])


def test_a_personal_number_in_a_csv_cell_names_its_column(upload_staff: Staff) -> None:
    data = ("Mått;Område;Period;Värde;Orsak;Varaktighet;Kön\n"
            f"{M};2460;2024-08;5;_T;_T;_T\n{M};2460;2024-08;5;_T;_T;Anna 19880208-9717\n"
            ).encode()
    assert _refused(upload_staff, "f.csv", data) == {3: ("Kön", "Personnummer")}


def test_a_personal_number_in_a_comment_or_the_properties_names_no_row_0(
        upload_staff: Staff) -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx(SV, [[M, "2460", "2024-08", 5, "_T", "_T",
                                                        "_T"]])))
    book.active["A2"].comment = Comment("ring 19880208-9717", "x")
    out = io.BytesIO()
    book.save(out)
    assert _refused(upload_staff, "f.xlsx", out.getvalue()) == {
        2: ("(kommentaren i cell A2)", "Personnummer")}
    book = openpyxl.load_workbook(io.BytesIO(xlsx(SV, [])))
    book.properties.creator = "19880208-9717"
    out = io.BytesIO()
    book.save(out)
    assert _refused(upload_staff, "f.xlsx", out.getvalue()) == {
        0: ("(filens egenskaper)", "Personnummer")}
    refused = upload_staff[0].post(
        "/upload", data={"csrf_token": upload_staff[1]},
        files={"file": ("f.xlsx", out.getvalue(), "application/octet-stream")}).text
    listed = refused.split("Personnummer hittades", 1)[1].split("</table>", 1)[0]
    assert '<td class="num">–</td>' in listed and '<td class="num">0</td>' not in listed
