"""Property: whatever blank lines, quoted line breaks, delimiters and cells a CSV holds, each
row's number is the file line its record starts on, and its cells come back as written."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samstat_kit.agency_files import PublishError, read_bytes, read_sheet

COLUMNS = ["measure", "area", "period", "value", "dim_sex"]
cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
               max_size=12).map(str.strip) | st.just("a\nb")


@given(st.lists(st.one_of(st.none(), st.lists(cell, min_size=5, max_size=5)), max_size=12),
       st.sampled_from([",", ";", "\t"]))
def test_rows_are_numbered_by_the_line_they_start_on(lines: list[list[str] | None],
                                                     delimiter: str) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(COLUMNS)
    expected = []
    line = 2
    for cells in lines:
        if cells is None or not any(c.strip() for c in cells):
            out.write("\n")  # a blank line: no row, but the numbering goes on
            line += 1
            continue
        writer.writerow(cells)
        expected.append((line, dict(zip(COLUMNS, cells, strict=True))))
        line += 1 + sum(c.count("\n") for c in cells)
    sheet = read_sheet("f.csv", out.getvalue().encode())
    assert [(n, cells) for n, cells, _extra in sheet.lines] == expected
    _, rows = read_bytes("f.csv", out.getvalue().encode(), "csv")
    assert [r.number for r in rows] == [n for n, _ in expected]


def test_a_file_not_in_utf8_names_the_row_it_breaks_on() -> None:
    """Excel's plain "CSV" is Windows-1252: the reason gave a byte offset, not a row."""
    data = "measure;area;period;value\nbenefit_net_days;2480;2023-10;5\nMåtten;Vännäs\n"
    with pytest.raises(PublishError, match=r"not UTF-8 \(row 3: .*CSV UTF-8"):
        read_bytes("f.csv", data.encode("cp1252"))
