"""schemas/sdmx/codemap.json: valid, complete for the catalogue, one-to-one, and its period
rules round-trip with samstat's period codes."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samstat_kit import contracts, periods
from samstat_kit.sdmx import load_codemap

SDMX_ID = r"^[A-Za-z0-9_@$\-]+$"


def _raw() -> dict:
    with (contracts.SCHEMAS_DIR / "sdmx" / "codemap.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def test_codemap_validates_against_its_schema() -> None:
    with (contracts.SCHEMAS_DIR / "sdmx" / "codemap.schema.json").open() as fh:
        schema = json.load(fh)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(_raw())) == []
    broken = _raw() | {"actions": {"I": "merge", "A": "merge", "R": "replace", "D": "keep"}}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


def test_every_catalogue_dimension_and_code_is_mapped_one_to_one() -> None:
    cat = contracts.load_catalogue()
    cm = load_codemap()
    concepts = [c.concept for c in cm.dimensions.values()]
    assert len(concepts) == len(set(concepts)), "two dimensions share an SDMX concept"
    for measure in cat.measures.values():
        for dim, codes in measure.dimensions.items():
            assert dim in cm.dimensions, f"{measure.code}: dimension {dim} has no SDMX concept"
            sdmx = [cm.code_to_sdmx(dim, c) for c in sorted(codes)]
            assert len(set(sdmx)) == len(sdmx), f"{dim}: two codes map to one SDMX code"
            for code, out in zip(sorted(codes), sdmx, strict=True):
                assert cm.code_from_sdmx(dim, out) == code
                assert re.match(SDMX_ID, out), f"{dim}={out} is no SDMX id"
    for name, spec in cm.dimensions.items():
        known = set().union(*(m.dimensions.get(name, frozenset())
                              for m in cat.measures.values()))
        assert set(spec.to_sdmx) <= known | {"_T"}, f"{name}: the map lists codes no measure has"


@pytest.mark.parametrize(("samstat", "freq", "sdmx"), [
    ("2024-10", "M", "2024-M10"), ("2024-01", "M", "2024-M01"), ("2024-Q3", "Q", "2024-Q3"),
    ("2024-H1", "S", "2024-S1"), ("2024-H2", "S", "2024-S2"), ("2024", "A", "2024"),
])
def test_periods_both_ways(samstat: str, freq: str, sdmx: str) -> None:
    cm = load_codemap()
    assert cm.period_to_sdmx(samstat) == (freq, sdmx)
    assert cm.period_from_sdmx(sdmx) == samstat


@pytest.mark.parametrize(("text", "samstat"), [
    ("2024-10", "2024-10"), ("2024-A1", "2024"), ("2024-A", "2024"), ("2024-H2", "2024-H2"),
    (" 2024-M03 ", "2024-03"), ("2024-M13", "2024-M13"), ("okänt", "okänt"),
])
def test_periods_read_in_other_spellings(text: str, samstat: str) -> None:
    assert load_codemap().period_from_sdmx(text) == samstat


def test_the_examples_in_the_file_hold() -> None:
    cm = load_codemap()
    for granularity, rule in cm.periods.items():
        ex = rule["example"]
        assert periods.parse(ex["samstat"]).granularity == granularity
        assert cm.period_to_sdmx(ex["samstat"]) == (rule["freq"], ex["sdmx"])


@given(st.sampled_from([1, 3, 6, 12]), st.integers(1900, 2100), st.integers(0, 11))
def test_every_period_round_trips(n_months: int, year: int, k: int) -> None:
    first = (k * n_months) % 12 + 1 if n_months < 12 else 1
    first = ((first - 1) // n_months) * n_months + 1
    code = periods.Period(year, first, n_months).code
    _, sdmx = load_codemap().period_to_sdmx(code)
    assert load_codemap().period_from_sdmx(sdmx) == code


def test_names_and_dataflows() -> None:
    cm = load_codemap()
    assert cm.concept("sex") == "SEX" and cm.dimension("SEX") == "sex"
    assert cm.code_from_sdmx("sex", "F") == "K" and cm.code_to_sdmx("age", "20-64") == "Y20T64"
    assert cm.code_from_sdmx("sex", "X") == "X"  # unknown: unchanged, the catalogue judges it
    assert cm.field("ref_area") == "area" and cm.field("SEX") is None
    flow = cm.dataflow("econ_assistance_recipients")
    assert flow == "SAMSTAT:ECON_ASSISTANCE_RECIPIENTS(1.0)"
    assert cm.measure_of(flow) == "econ_assistance_recipients"
    assert cm.measure_of("BENEFIT_NET_DAYS") == "benefit_net_days"
    assert cm.measure_of("not a flow!") is None
    assert [cm.action(a) for a in ("I", "a", "", "R", "D", "X")] == \
        ["merge", "merge", "merge", "replace", "delete", None]
