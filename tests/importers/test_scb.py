"""``samstat import scb``: SCB's JSON-stat 2.0 and PX samples mapped, and published into a real
ingest (the ``ingest`` fixture of tests/test_publish.py), also fetched from a loopback stand-in
of the PxWeb API v2."""

from __future__ import annotations

import calendar
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from samstat.cli import app as cli
from samstat.importers import scb
from samstat.importers.mapping import MappingError, apply, load_mapping, shipped
from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import IngestObservation
from tests.tables import empty_ingest
from tests.test_publish import Ingest, ingest  # noqa: F401  (the real-ingest fixture)

SAMPLES = Path(scb.__file__).parent / "samples" / "scb"
NATION_POP_2021 = 5_903_486  # SCB, riket 2021, 20-64 (domain.md)
NATION_FYE_2021 = 784_018
# 8 areas x 7 contents (6 benefits and their sum) x 3 sexes x 132 months
OFFICIAL_CELLS = 8 * 7 * 3 * 132


def _by_cell(docs: list[dict[str, Any]]) -> dict[tuple[str, str, tuple], Any]:
    return {(d["area"], d["period"], tuple(sorted(d["dimensions"].items()))): d["value"]
            for d in docs}


def _raw_population(area: str, year: str, ages: range) -> int:
    """Straight from the JSON-stat cube, by its strides: the test's own reading."""
    doc = json.loads((SAMPLES / "TAB638.json").read_text("utf-8"))
    dims = [doc["dimension"][i]["category"]["index"] for i in doc["id"]]
    strides = [1] * len(dims)
    for i in range(len(dims) - 2, -1, -1):
        strides[i] = strides[i + 1] * doc["size"][i + 1]
    region = {"0000": "00"}.get(area, area)
    total = 0
    for age in ages:
        for sex in ("1", "2"):
            pos = (dims[0][region] * strides[0] + dims[1][str(age)] * strides[1]
                   + dims[2][sex] * strides[2] + dims[3]["BE0101N1"] * strides[3]
                   + dims[4][year] * strides[4])
            total += doc["value"][pos]
    return total


@pytest.mark.parametrize("name", ["TAB638.json", "TAB638.px"])
def test_population_sums_single_ages_20_to_64_and_maps_codes(name: str) -> None:
    mapping, docs = scb.observations(SAMPLES / name)
    assert mapping.table == "TAB638" and {d["measure"] for d in docs} == {"population"}
    assert {d["area"] for d in docs} == {"0000", "24", "2401", "2403", "2404", "2409",
                                         "2460", "2480"}
    assert {d["dimensions"]["sex"] for d in docs} == {"K", "M"}
    assert {d["dimensions"]["age"] for d in docs} == {"20-64"}
    assert {d["period"] for d in docs} == {str(y) for y in range(2014, 2025)}
    cells = _by_cell(docs)
    nation = sum(v for (a, p, _), v in cells.items() if (a, p) == ("0000", "2021"))
    assert nation == NATION_POP_2021 == _raw_population("0000", "2021", range(20, 65))
    # 19- and 65-year-olds are in the file, and left out
    assert _raw_population("0000", "2021", range(19, 66)) > NATION_POP_2021
    umea = sum(v for (a, p, _), v in cells.items() if (a, p) == ("2480", "2019"))
    assert umea == _raw_population("2480", "2019", range(20, 65))


def test_jsonstat_and_px_give_the_same_observations() -> None:
    for table in ("TAB638", "TAB1386"):
        a = _by_cell(scb.observations(SAMPLES / f"{table}.json")[1])
        b = _by_cell(scb.observations(SAMPLES / f"{table}.px")[1])
        assert a == b and len(a) > 100


def _raw_fye(region: str, sex: str, group: str, label: str, month: str) -> float:
    """One figure straight from the JSON-stat cube by its strides (the test's own reading),
    its content found by label."""
    doc = json.loads((SAMPLES / "TAB1386.json").read_text("utf-8"))
    cats = [doc["dimension"][i]["category"] for i in doc["id"]]
    content = next(c for c, lab in cats[3]["label"].items() if lab == label)
    pos = 0
    for cat, code in zip(cats, (region, sex, group, content, month), strict=True):
        pos = pos * len(cat["index"]) + cat["index"][code]
    return float(doc["value"][pos])


def test_official_fye_by_month_benefit_and_sex() -> None:
    """SCB's HE0000T02N2: months, contents matched by label, 20-64 kept, the population and
    the share among the contents left out."""
    mapping, docs = scb.observations(SAMPLES / "TAB1386.json")
    assert mapping.measure == "fye_official" and "HE0000T02N2" in mapping.names
    cells = _by_cell(docs)
    assert {d["period"] for d in docs} == {f"{y}-{m:02d}" for y in range(2014, 2025)
                                           for m in range(1, 13)}
    total = (("benefit", "_T"), ("sex", "_T"))
    assert cells[("0000", "2021-03", total)] == _raw_fye(
        "00", "1+2", "20-64", "Summa helårsekvivalenter", "2021M03")
    assert cells[("0000", "2021-03", total)] != _raw_fye(
        "00", "1+2", "20-65", "Summa helårsekvivalenter", "2021M03")
    assert cells[("2480", "2019-11", (("benefit", "sickness_activity_compensation"),
                                      ("sex", "K")))] == _raw_fye(
        "2480", "2", "20-64", "Sjuk- och aktivitetsersersättning", "2019M11")
    days = {f"2021-{m:02d}": calendar.monthrange(2021, m)[1] for m in range(1, 13)}
    year = sum(cells[("0000", p, total)] * d for p, d in days.items()) / 365
    assert year == pytest.approx(NATION_FYE_2021, abs=0.5)
    benefits = {d["dimensions"]["benefit"] for d in docs}
    assert benefits == {"sickness", "sickness_activity_compensation", "unemployment",
                        "labour_market_programme", "economic_assistance", "establishment",
                        "_T"}
    assert {d["dimensions"]["sex"] for d in docs} == {"K", "M", "_T"}
    parts = sum(v for (a, p, dims), v in cells.items()
                if (a, p) == ("24", "2020-06") and dict(dims)["sex"] != "_T"
                and dict(dims)["benefit"] != "_T")
    assert parts == cells[("24", "2020-06", total)]


def test_contents_are_matched_by_label_and_an_unknown_one_is_an_error() -> None:
    mapping = shipped("scb")["HE0000T02N2"]  # found by its matrix too
    frame, named = scb.read_file(SAMPLES / "TAB1386.px")
    assert named == "HE0000T02N2" and mapping.table == "TAB1386"
    renamed = frame.copy()
    # the codes are not what the mapping reads: new codes, same labels, same figures
    renamed["ContentsCode"] = "X" + renamed["ContentsCode"]
    assert _by_cell(apply(mapping, renamed)) == _by_cell(apply(mapping, frame))
    odd = frame.copy()
    odd.loc[odd["ContentsCode:label"] == "Etableringsersättning",
            "ContentsCode:label"] = "Etableringstillägg"
    with pytest.raises(MappingError, match="ContentsCode: unknown label 'Etableringstillägg'"):
        apply(mapping, odd)
    month = frame.copy()
    month.loc[month.index[0], "Tid"] = "2021-13"
    with pytest.raises(MappingError, match=r"row 1: Tid: '2021-13' is not a month"):
        apply(mapping, month)
    with pytest.raises(MappingError, match=r"no variable ContentsCode \(labels\)"):
        apply(mapping, frame.drop(columns=["ContentsCode:label"]))


def test_jsonstat_labels_come_from_the_dataset_whatever_its_dimensions_are_called() -> None:
    """Labels are optional in JSON-stat and dimension labels may repeat: a mapping by codes
    reads such a file as before; a code without a label stands for itself."""
    doc = json.loads((SAMPLES / "TAB638.json").read_text("utf-8"))
    doc["dimension"]["Kon"]["label"] = "value"
    doc["dimension"]["Region"]["label"] = doc["dimension"]["Alder"]["label"]
    del doc["dimension"]["Kon"]["category"]["label"]
    frame = scb.read_jsonstat(json.dumps(doc))
    assert set(frame["Kon:label"]) == {"1", "2"}
    mapping = shipped("scb")["TAB638"]
    assert _by_cell(apply(mapping, frame)) == _by_cell(scb.observations(
        SAMPLES / "TAB638.json")[1])


def test_a_missing_age_or_an_unknown_code_is_an_error_not_a_smaller_figure() -> None:
    mapping = shipped("scb")["TAB638"]
    frame, _ = scb.read_file(SAMPLES / "TAB638.json")
    with pytest.raises(MappingError, match=r"Alder 20\.\.64: only 44 of 45"):
        apply(mapping, frame[frame["Alder"] != "37"])
    odd = frame.copy()
    odd.loc[odd[odd["Alder"] == "30"].index[0], "Kon"] = "3"
    with pytest.raises(MappingError, match="Kon: unknown code '3'"):
        apply(mapping, odd)
    with pytest.raises(MappingError, match="no variable Region"):
        apply(mapping, frame.drop(columns=["Region"]))


def test_a_withheld_scb_cell_is_published_as_confidential_not_zero() -> None:
    mapping = shipped("scb")["TAB1386"]
    frame, _ = scb.read_file(SAMPLES / "TAB1386.json")
    frame = frame.astype({"value": float})
    frame.loc[frame.index[0], "value"] = float("nan")
    docs = apply(mapping, frame)
    assert docs[0]["value"] is None and docs[0]["conf_status"] == "C"


def _national_2021(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {d["dimensions"]["sex"]: d["value"] for d in docs
            if (d["area"], d["period"]) == ("0000", "2021")}


def _cube_position(doc: dict[str, Any], **codes: str) -> int:
    pos = 0
    for name, size in zip(doc["id"], doc["size"], strict=True):
        pos = pos * size + doc["dimension"][name]["category"]["index"][codes[name]]
    return pos


@pytest.mark.parametrize("figure", ["abc", "1 234", "12,5", "Infinity", True])
def test_a_figure_that_is_no_number_nor_an_scb_symbol_is_an_error_not_withheld(
        figure: Any) -> None:
    """Only SCB's own symbols stand for a withheld cell; a word, a figure with a thousands
    space or a decimal comma is named as an error, not published as confidential (nor as 1)."""
    mapping = shipped("scb")["TAB638"]
    doc = json.loads((SAMPLES / "TAB638.json").read_text("utf-8"))
    doc["value"][_cube_position(doc, Region="00", Alder="20", Kon="1",
                                ContentsCode="BE0101N1", Tid="2021")] = figure
    with pytest.raises(MappingError, match=r"row \d+ \(Region=00, Alder=20, Kon=1, "
                       r"ContentsCode=BE0101N1, Tid=2021\): value .* is neither a number"):
        apply(mapping, scb.read_jsonstat(json.dumps(doc)))


def test_scb_symbols_in_a_px_file_withheld_or_nil(tmp_path: Path) -> None:
    """".." and "." are withheld; "-" is SCB's nothing to report, an exact zero (the PX
    format's DATASYMBOLNIL), not a withheld cell that takes the whole sum with it."""
    lines = (SAMPLES / "TAB638.px").read_text("utf-8").split("\n")
    first = lines.index("DATA=") + 3  # Riket, 20 år, män: 2014..2024
    ages_20 = [int(v) for v in lines[first].split()]
    for symbol, men in (('".."', None), ('"."', None), ('"-"', 3010779 - ages_20[7])):
        row = lines[first].split()
        row[7] = symbol  # 2021
        px = tmp_path / "TAB638.px"
        px.write_text("\n".join([*lines[:first], " ".join(row), *lines[first + 1:]]), "utf-8")
        assert _national_2021(scb.observations(px)[1]) == {"M": men, "K": 2892707}, symbol


def test_a_repeated_category_is_an_error_not_summed_twice(tmp_path: Path) -> None:
    """A code or label given twice (age 19 coded as 30) would add age 30 twice to 20-64."""
    px = (SAMPLES / "TAB638.px").read_text("utf-8")
    for old, new in (('CODES("ålder")="19"', 'CODES("ålder")="30"'),
                     ('VALUES("ålder")="19 år"', 'VALUES("ålder")="30 år"')):
        assert old in px
        (tmp_path / "TAB638.px").write_text(px.replace(old, new), "utf-8")
        with pytest.raises(MappingError, match="Alder=30, Kon=1, Tid=2014 is given more than"):
            scb.observations(tmp_path / "TAB638.px")
    doc = json.loads((SAMPLES / "TAB638.json").read_text("utf-8"))
    ages = doc["dimension"]["Alder"]["category"]
    ages["index"] = ["30" if a == "19" else a for a in ages["index"]]
    with pytest.raises(MappingError, match="Alder repeats a category"):
        scb.read_jsonstat(json.dumps(doc))
    ages["index"] = {"19": 11} | {a: i for a, i in
                                  json.loads((SAMPLES / "TAB638.json").read_text("utf-8"))
                                  ["dimension"]["Alder"]["category"]["index"].items()
                                  if a != "19"}
    with pytest.raises(MappingError, match="Alder repeats a category or a position"):
        scb.read_jsonstat(json.dumps(doc))
    frame, _ = scb.read_file(SAMPLES / "TAB638.json")
    with pytest.raises(MappingError, match=r"Region=00, .* is given more than once"):
        apply(shipped("scb")["TAB638"], pd.concat([frame, frame[frame["Region"] == "00"]]))


def test_a_jsonstat_cube_whose_values_do_not_fill_its_size_is_an_error() -> None:
    doc = json.loads((SAMPLES / "TAB638.json").read_text("utf-8"))
    for values in (doc["value"][:-5], [*doc["value"], 1]):
        with pytest.raises(MappingError, match=r"'value' holds \d+ figures, the size"):
            scb.read_jsonstat(json.dumps(doc | {"value": values}))
    doc["size"][2] = 3
    with pytest.raises(MappingError, match="dimension Kon has 2 categories, 'size' says 3"):
        scb.read_jsonstat(json.dumps(doc))


def test_a_filter_or_age_range_the_table_lacks_is_no_second_figure_nor_all_ages() -> None:
    """A table whose age group is called otherwise (Alder, not Aldersgrupp) would let 20-65
    through as a second figure of each cell; one without single ages would publish all ages
    as 20-64. A mapping that gives one cell two figures is refused too."""
    frame, _ = scb.read_file(SAMPLES / "TAB1386.json")
    official = shipped("scb")["TAB1386"]
    with pytest.raises(MappingError, match=r"row \d+: a second figure for 0000 2014-01 "):
        apply(official, frame.rename(columns={"Aldersgrupp": "Alder"}))
    population, _ = scb.read_file(SAMPLES / "TAB638.json")
    with pytest.raises(MappingError, match="no variable Alder "):
        apply(shipped("scb")["TAB638"], population.drop(columns=["Alder"]))
    spec = json.loads(official.path.read_text("utf-8"))
    spec["dimensions"]["sex"]["codes"]["1+2"] = "M"  # both sexes and men: two figures for M
    with pytest.raises(MappingError, match=r"a second figure for 0000 2014-01 .*'sex': 'M'"):
        apply(type(official)(official.path, spec), frame)


def test_mapping_files_are_validated(tmp_path: Path) -> None:
    spec = json.loads((Path(scb.__file__).parent / "mappings/scb/TAB638.json").read_text())
    spec["sum"]["Alder"] = {"from": 20}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(spec))
    with pytest.raises(MappingError, match="sum/Alder"):
        load_mapping(bad)
    with pytest.raises(MappingError, match="no mapping for this table"):
        scb.choose_mapping(table="TAB9999", mapping=None, path=None, named=None)


# ------------------------------------------------------------------- into a real ingest


@pytest.fixture(scope="module")
def scb_token(ingest: Ingest) -> str:  # noqa: F811
    with session_scope(session_factory(ingest.db_url)) as s:
        return tokens.issue(session=s, scope="agency", agency="scb")


@pytest.fixture
def emptied(ingest: Ingest) -> None:  # noqa: F811
    """Ingest's tables emptied before each import test, which counts its own rows (the module's
    ingest is shared: run after the revision test, the publish test found 1 accepted and 175
    duplicates instead of 176 accepted)."""
    empty_ingest(ingest.db_url)


def _import(ingest: Ingest, token: str, *args: str) -> tuple[int, dict[str, Any]]:  # noqa: F811
    result = CliRunner().invoke(cli, ["import", "scb", "--url", ingest.url, "--json", *args],
                                env={"SAMSTAT_TOKEN": token})
    return result.exit_code, json.loads(result.stdout)


def _stored(db_url: str, measure: str, area: str, period: str) -> dict[tuple, float]:
    with session_scope(session_factory(db_url)) as s:
        rows = s.scalars(select(IngestObservation).where(
            IngestObservation.agency == "scb", IngestObservation.measure == measure,
            IngestObservation.area == area, IngestObservation.period == period))
        return {tuple(sorted((r.dimensions or {}).items())): r.value for r in rows}


@pytest.mark.integration
@pytest.mark.usefixtures("emptied")
def test_import_publishes_through_ingest(ingest: Ingest, scb_token: str) -> None:  # noqa: F811
    code, summary = _import(ingest, scb_token, str(SAMPLES / "TAB638.px"))
    assert code == 0, summary
    assert summary["rows"] == summary["accepted"] == 176 and summary["rejected"] == []
    nation = _stored(ingest.db_url, "population", "0000", "2021")
    assert sum(nation.values()) == NATION_POP_2021 and len(nation) == 2
    code, again = _import(ingest, scb_token, str(SAMPLES / "TAB638.json"))
    assert code == 0 and again["duplicates"] == 176  # the same figures: harmless
    code, summary = _import(ingest, scb_token, str(SAMPLES / "TAB1386.json"))
    assert code == 0 and summary["accepted"] == OFFICIAL_CELLS, summary
    county = _stored(ingest.db_url, "fye_official", "24", "2021-02")
    assert county[(("benefit", "_T"), ("sex", "_T"))] == sum(
        v for k, v in county.items() if dict(k)["benefit"] != "_T" and dict(k)["sex"] != "_T")


@pytest.mark.integration
@pytest.mark.usefixtures("emptied")
def test_a_revised_table_goes_in_as_corrections(ingest: Ingest, scb_token: str,  # noqa: F811
                                                tmp_path: Path) -> None:
    """SCB revises a table: imported again, the changed figures become the cells' next
    revisions and the others stay duplicates (every row was revision 1: refused as stale,
    so a revision could never be published). Cells first published with other event ids
    (the demo's) are matched by their value, not their id."""
    code, first = _import(ingest, scb_token, str(SAMPLES / "TAB638.px"))
    assert code == 0 and first["accepted"] + first["duplicates"] == 176, first
    table = json.loads((SAMPLES / "TAB638.json").read_text(encoding="utf-8"))
    # Riket, age 20, men, 2014 (row-major over Region, Alder, Kon, ContentsCode, Tid)
    table["value"] = [v + 7 if i == 22 else v for i, v in enumerate(table["value"])]
    revised = tmp_path / "TAB638.json"
    revised.write_text(json.dumps(table), encoding="utf-8")
    code, summary = _import(ingest, scb_token, str(revised))
    assert code == 0 and summary["rejected"] == [], summary
    assert (summary["accepted"], summary["duplicates"]) == (1, 175), summary
    code, again = _import(ingest, scb_token, str(revised))
    assert code == 0 and again["duplicates"] == 176, again
    with session_scope(session_factory(ingest.db_url)) as s:
        revisions = sorted(s.scalars(select(IngestObservation.revision).where(
            IngestObservation.agency == "scb", IngestObservation.measure == "population")))
    assert revisions.count(2) == 1 and len(revisions) == 177


def test_dry_run_needs_no_token_and_sends_nothing() -> None:
    result = CliRunner().invoke(cli, ["import", "scb", "--dry-run", "--json",
                                      str(SAMPLES / "TAB1386.px")])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    # checked (offline, without a token, by ingest's own rules), nothing sent
    assert summary["sent"] == 0 and summary["rejected"] == [] \
        and summary["rows"] == OFFICIAL_CELLS


class _PxWeb(BaseHTTPRequestHandler):
    """A loopback stand-in of PxWeb API v2 serving the sample files."""

    seen: ClassVar[list[dict[str, list[str]]]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        sample = SAMPLES / f"{parts[-2]}.json" if parts[-1] == "data" else None
        if sample is None or not sample.exists():
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b'{"error": "no such table"}')
            return
        _PxWeb.seen.append(parse_qs(url.query))
        body = sample.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def pxweb() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PxWeb)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v2"
    server.shutdown()
    server.server_close()


def test_table_is_fetched_live_from_pxweb(pxweb: str) -> None:
    mapping, docs = scb.observations(None, table="TAB638", scb_url=pxweb)
    assert mapping.table == "TAB638"
    assert sum(d["value"] for d in docs if (d["area"], d["period"]) == ("0000", "2021")) \
        == NATION_POP_2021
    query = _PxWeb.seen[-1]
    assert query["outputFormat"] == ["json-stat2"] and query["valueCodes[Kon]"] == ["1,2"]
    mapping, docs = scb.observations(None, table="HE0000T02N2", scb_url=pxweb)
    assert mapping.table == "TAB1386" and len(docs) == OFFICIAL_CELLS
    assert _PxWeb.seen[-1]["valueCodes[Aldersgrupp]"] == ["20-64"]
    result = CliRunner().invoke(cli, ["import", "scb", "--table", "TAB9", "--scb-url", pxweb,
                                      "--dry-run", "--json"])
    assert result.exit_code == 2 and "no mapping" in json.loads(result.stdout)["error"]


@pytest.mark.parametrize("line", ['CODEPAGE="UTF8";', 'codepage = "utf-8";', ""])
def test_a_utf8_px_file_is_read_however_it_says_so(tmp_path: Path, line: str) -> None:
    """Only the exact CODEPAGE="utf-8" was read as UTF-8: a file that wrote it otherwise, or
    not at all, had "VÃ¤sterbottens län" for labels (a review)."""
    px = (SAMPLES / "TAB1386.px").read_text("utf-8").replace('CODEPAGE="utf-8";', line)
    (tmp_path / "TAB1386.px").write_text(px, "utf-8")
    frame, named = scb.read_file(tmp_path / "TAB1386.px")
    assert named == "HE0000T02N2" and "Västerbottens län" in set(frame["Region:label"])


def test_a_px_file_in_latin_1_is_read_as_latin_1() -> None:
    assert scb.px_encoding("VALUES(\"region\")=\"Vännäs\";".encode("latin-1")) == "iso-8859-1"
    assert scb.px_encoding(b'CODEPAGE="windows-1252";') == "cp1252"
    assert scb.px_encoding(b'CODEPAGE="nonsense"; x') == "utf-8"  # plain ASCII reads as both
