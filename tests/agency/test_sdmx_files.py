"""SDMX-CSV 2.0 in: STRUCTURE/STRUCTURE_ID name the measure, codes are translated by the code
map, ACTION is read, the unit comes from the catalogue, and every field keeps its column."""

from __future__ import annotations

import io

import openpyxl
import pytest

from samstat_kit.agency_files import fill_in, read_bytes

HEAD = "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,REF_AREA,SEX,AGE,TIME_PERIOD,OBS_VALUE\n"
FLOW = "dataflow,SAMSTAT:POPULATION(1.0),Folkmängd"


def _rows(text: str) -> list:
    fmt, rows = read_bytes("f.csv", text.encode())
    assert fmt == "sdmx-csv"
    fill_in(rows, "scb")
    return rows


def test_structure_id_codes_unit_and_columns() -> None:
    [row] = _rows(HEAD + f"{FLOW},I,2480,F: Kvinnor,Y20T64,2023,61234\n")
    doc = row.doc
    assert (doc["measure"], doc["area"], doc["period"], doc["value"]) == \
        ("population", "2480", "2023", 61234)
    assert doc["dimensions"] == {"sex": "K", "age": "20-64"}
    assert doc["unit"] == "persons"  # not in the file: the catalogue's
    assert "withdrawn" not in doc and "Folkmängd" not in str(doc)  # names stay home
    assert row.column_of("dimensions.sex") == "SEX" and row.column_of("measure") == \
        "STRUCTURE_ID" and row.column_of("value") == "OBS_VALUE"


@pytest.mark.parametrize(("action", "expected"), [
    ("I", "merge"), ("A", "merge"), ("", "merge"), ("R", "replace"), ("D", "delete")])
def test_actions(action: str, expected: str) -> None:
    [row] = _rows(HEAD + f"{FLOW},{action},2480,M,Y20T64,2023,{'' if action == 'D' else 5}\n")
    assert row.action == expected and not row.parse_errors
    assert row.doc.get("withdrawn", False) is (expected == "delete")
    if expected == "delete":
        assert row.doc["value"] is None


def test_an_unknown_action_is_named_by_row_and_column() -> None:
    [_, row] = _rows(HEAD + f"{FLOW},I,2480,M,Y20T64,2023,5\n{FLOW},X,2480,M,Y20T64,2023,5\n")
    assert [(e.row, e.column) for e in row.parse_errors] == [(3, "ACTION")]


def test_an_unknown_action_never_repeats_a_personal_number() -> None:
    """ACTION is not sent, so the scan of what is sent never saw it: its error printed it."""
    [row] = _rows(HEAD + f"{FLOW},19121212-1212,2480,M,Y20T64,2023,5\n")
    [error] = row.parse_errors
    assert error.column == "ACTION" and "1212" not in error.reason, error


def test_a_datastructure_row_falls_back_to_dataflow_and_sdmx_in_excel() -> None:
    text = ("STRUCTURE,STRUCTURE_ID,DATAFLOW,REF_AREA,SEX,AGE,TIME_PERIOD,OBS_VALUE\n"
            "datastructure,SAMSTAT:DSD_X(1.0),SAMSTAT:POPULATION(1.0),2480,_T,Y20T64,2022,9\n")
    [row] = _rows(text)
    assert row.doc["measure"] == "population" and row.doc["dimensions"]["sex"] == "_T"
    book = openpyxl.Workbook()
    for line in text.splitlines():
        book.active.append(line.split(","))
    data = io.BytesIO()
    book.save(data)
    fmt, [xrow] = read_bytes("f.xlsx", data.getvalue())
    assert fmt == "xlsx" and xrow.number == 2 and xrow.doc["dimensions"] == row.doc["dimensions"]
