"""The public contract in schemas/: schemas, examples, code lists, measure catalogue, loader."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from samstat_kit import contracts
from samstat_kit.catalogue_entries import agency_of
from samstat_kit.contracts import SCHEMAS_DIR, load_catalogue, load_schema, validator

EXAMPLES = SCHEMAS_DIR / "examples"
MEASURES = SCHEMAS_DIR / "measures"
CODELISTS = SCHEMAS_DIR / "codelists"
VERSIONED = re.compile(r"^(?P<name>[a-z][a-z0-9\-]*)\.v(?P<version>[0-9]+)$")
PERIOD = re.compile(r"^[0-9]{4}(?:-(?:(H[12])|(Q[1-4])|(0[1-9]|1[0-2])))?$")

VASTERBOTTEN = {
    "2480": "Umeå", "2460": "Vännäs", "2404": "Vindeln", "2409": "Robertsfors",
    "2401": "Nordmaling", "2403": "Bjurholm", "2417": "Norsjö", "2418": "Malå",
    "2421": "Storuman", "2422": "Sorsele", "2425": "Dorotea", "2462": "Vilhelmina",
    "2463": "Åsele", "2481": "Lycksele", "2482": "Skellefteå",
}
COUNTIES = ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14",
            "17", "18", "19", "20", "21", "22", "23", "24", "25"]
UMEAREGIONEN = ("2480", "2460", "2404", "2409", "2401", "2403")
HARNOSAND_TIMRA = "samordningsforbundet-harnosand-timra"


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def example_files(root: Path) -> Iterator[tuple[str, int, Path]]:
    """(schema name, version, file) for every root/<name>.v<N>/*.json."""
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        match = VERSIONED.match(folder.name)
        if match:
            for path in sorted(folder.glob("*.json")):
                yield match["name"], int(match["version"]), path


def case_id(case: tuple[str, int, Path]) -> str:
    return f"{case[2].parent.name}/{case[2].name}"


VALID = list(example_files(EXAMPLES))
INVALID = list(example_files(EXAMPLES / "invalid"))
SCHEMA_FILES = sorted(SCHEMAS_DIR.rglob("*.schema.json"))
VERSIONED_SCHEMAS = sorted(SCHEMAS_DIR.glob("*.v*.schema.json"))
MEASURE_FILES = sorted(p for p in MEASURES.glob("*.json") if not p.name.endswith(".schema.json"))


# ------------------------------------------------------------------- schemas and examples


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_well_formed_and_documented(path: Path) -> None:
    schema = read(path)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    rel = path.relative_to(SCHEMAS_DIR).as_posix()
    assert schema["$id"] == f"https://samstat.example/schemas/{rel}"
    assert schema["title"] and schema["description"]

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for prop, sub in node.get("properties", {}).items():
                assert "description" in sub, f"{path.name}: {where}.{prop} has no description"
            for key, sub in node.items():
                if key not in ("if", "then", "else", "not"):  # constraints, not definitions
                    walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}[{i}]")

    walk(schema, "$")


def test_examples_exist_for_every_versioned_schema() -> None:
    covered = {(name, version) for name, version, _ in VALID}
    for path in VERSIONED_SCHEMAS:
        stem, number = path.name.removesuffix(".schema.json").rsplit(".v", 1)
        assert (stem, int(number)) in covered, f"no examples for {path.name}"
    for name, version, path in VALID + INVALID:
        assert (SCHEMAS_DIR / f"{name}.v{version}.schema.json").is_file(), path


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_example_validates(case: tuple[str, int, Path]) -> None:
    name, version, path = case
    errors = [e.message for e in validator(name, version).iter_errors(read(path))]
    assert errors == []


@pytest.mark.parametrize("case", INVALID, ids=case_id)
def test_invalid_example_is_rejected(case: tuple[str, int, Path]) -> None:
    name, version, path = case
    assert not validator(name, version).is_valid(read(path))


def test_required_invalid_examples_present() -> None:
    names = {p.name for n, _, p in INVALID if n == "observation"}
    assert {"value-null-conf-free.json", "unknown-field-comment.json",
            "revision-zero.json"} <= names


def _observation(**changes: Any) -> dict[str, Any]:
    obs = read(EXAMPLES / "observation.v1" / "fk-sickness-umea-2023-10.json")
    obs.update(changes)
    return obs


@pytest.mark.parametrize("period", ["2023", "2023-H1", "2023-H2", "2023-Q1", "2023-Q4",
                                    "2023-01", "2023-12"])
def test_period_syntax_accepted(period: str) -> None:
    assert validator("observation", 1).is_valid(_observation(period=period))


@pytest.mark.parametrize("period", ["23", "2023-H3", "2023-Q5", "2023-00", "2023-1",
                                    "2023-W01", "2023-10-01"])
def test_period_syntax_rejected(period: str) -> None:
    assert not validator("observation", 1).is_valid(_observation(period=period))


@pytest.mark.parametrize("changes", [
    {"value": None, "conf_status": "C"},
    {"value": None, "conf_status": "N"},
    {"value": 3, "conf_status": "C"},
    {"produced_at": "2023-11-06T07:30:00.123+01:00"},
])
def test_observation_variants_accepted(changes: dict[str, Any]) -> None:
    assert validator("observation", 1).is_valid(_observation(**changes))


@pytest.mark.parametrize("changes", [
    {"produced_at": "2023-02-30T07:30:00Z"},
    {"event_id": "not-a-uuid"},
    {"event_id": "6F1C2A8E-3B4D-4C5E-9F60-718293A4B5C6"},
    {"value": "12"},
    {"obs_status": "X"},
    {"dimensions": {"benefit": "sickness", "sex": "K", "who": "811218-9876"}},
    {"dimensions": {"benefit": "sick ness"}},
    {"area": "Umeå"},
])
def test_observation_variants_rejected(changes: dict[str, Any]) -> None:
    assert not validator("observation", 1).is_valid(_observation(**changes))


def test_load_schema_and_cached_validator() -> None:
    assert load_schema("observation", 1)["$id"].endswith("/observation.v1.schema.json")
    assert validator("observation", 1) is validator("observation", 1)
    with pytest.raises(FileNotFoundError):
        load_schema("observation", 99)


def test_schemas_dir_env_override(tmp_path: Path) -> None:
    code = "from samstat_kit.contracts import SCHEMAS_DIR; print(SCHEMAS_DIR)"
    env = {**os.environ, "SAMSTAT_SCHEMAS_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True, cwd=SCHEMAS_DIR.parent)
    assert out.stdout.strip() == str(tmp_path)
    if "SAMSTAT_SCHEMAS_DIR" not in os.environ:
        assert Path(contracts.__file__).resolve().parents[1] / "schemas" == SCHEMAS_DIR


# -------------------------------------------------------------------------- code lists


def test_codelists_match_their_schemas() -> None:
    for name in ("agencies", "areas", "codes"):
        schema = read(CODELISTS / f"{name}.schema.json")
        jsonschema.Draft202012Validator(schema).validate(read(CODELISTS / f"{name}.json"))


def test_areas() -> None:
    areas = read(CODELISTS / "areas.json")
    codes = [a["code"] for a in areas]
    assert len(codes) == len(set(codes))
    by_code = {a["code"]: a for a in areas}
    munis = {a["code"]: a for a in areas if a["level"] == "municipality"}
    assert len(munis) == 290
    assert all(re.fullmatch(r"[0-9]{4}", c) and c != "0000" for c in munis)
    assert sorted(a["code"] for a in areas if a["level"] == "county") == COUNTIES
    assert by_code["0000"] == {"code": "0000", "name": "Riket", "level": "nation", "parent": None}
    for code, name in VASTERBOTTEN.items():
        assert munis[code]["name"] == name
        assert munis[code]["parent"] == "24"
    assert munis["2262"]["name"] == "Timrå" and munis["2262"]["parent"] == "22"
    assert munis["0114"]["name"] == "Upplands Väsby"
    for code, area in munis.items():
        assert area["parent"] == code[:2] and area["parent"] in by_code
    for code in COUNTIES:
        assert by_code[code]["parent"] == "0000"
        assert any(m["parent"] == code for m in munis.values())
    region = by_code["umearegionen"]
    assert region["level"] == "region"
    assert region["name"] == "Samordningsförbundet Umeåregionen"
    assert tuple(region["members"]) == UMEAREGIONEN


def test_agencies() -> None:
    agencies = read(CODELISTS / "agencies.json")
    codes = [a["code"] for a in agencies]
    assert len(codes) == len(set(codes))
    assert set(codes) == {
        "arbetsformedlingen", "forsakringskassan", "kriminalvarden", "region-vasterbotten",
        "scb", "samordningsforbundet", *(f"kommun-{c}" for c in UMEAREGIONEN),
        # Timrå (seed 003) and its association, for its plan beside Umeåregionen's.
        "kommun-2262", "samordningsforbundet-harnosand-timra"}
    kinds = {a["code"]: a["kind"] for a in agencies}
    assert kinds["scb"] == "reference" and kinds["samordningsforbundet"] == "association"
    areas = {a["code"]: a for a in read(CODELISTS / "areas.json")}
    for agency in agencies:
        if agency["kind"] == "municipality":
            assert agency["code"] == f"kommun-{agency['area']}"
            assert areas[agency["area"]]["level"] == "municipality"
        else:
            assert "area" not in agency


# ------------------------------------------------------------------ measure catalogue

CATALOGUE_SCHEMA = read(MEASURES / "catalogue.schema.json")


@pytest.mark.parametrize("path", MEASURE_FILES, ids=lambda p: p.stem)
def test_measure_file(path: Path) -> None:
    measure = read(path)
    jsonschema.Draft202012Validator(CATALOGUE_SCHEMA).validate(measure)
    assert measure["measure"] == path.stem
    dims = measure["dimensions"]
    assert set(measure["required_dimensions"]) <= set(dims)
    assert measure["minimum"] <= measure["maximum"]
    agencies = {a["code"] for a in read(CODELISTS / "agencies.json")}
    for pub in measure["publishers"]:
        assert pub["agency"] in agencies | {"municipality", "*"}
        if pub.get("own_area_only"):
            assert pub["agency"] == "municipality"
        for dim, codes in pub.get("restrict", {}).items():
            assert set(codes) <= set(dims[dim])


def test_contract_measures() -> None:
    assert read(MEASURES / "benefit_net_days.json") | {"description": ""} == {
        "measure": "benefit_net_days",
        "title": {"sv": "Nettodagar med ersättning", "en": "Net benefit days"},
        "unit": "days", "value_type": "number", "minimum": 0, "maximum": 1e9,
        "person_count": False, "cadence": "monthly",
        "granularities": ["month", "quarter", "half", "year"],
        "area_levels": ["municipality"], "aggregation": "sum",
        "dimensions": {"benefit": ["sickness", "sickness_activity_compensation", "unemployment",
                                   "labour_market_programme", "economic_assistance",
                                   "establishment"],
                       "sex": ["K", "M"]},
        "required_dimensions": ["benefit", "sex"],
        "publishers": [
            {"agency": "forsakringskassan",
             "restrict": {"benefit": ["sickness", "sickness_activity_compensation"]}},
            {"agency": "arbetsformedlingen",
             "restrict": {"benefit": ["unemployment", "labour_market_programme",
                                      "establishment"]}},
            {"agency": "municipality", "own_area_only": True,
             "restrict": {"benefit": ["economic_assistance"]}}],
        "description": ""}
    cat = load_catalogue()
    pop = cat.measures["population"]
    assert (pop.unit, pop.value_type, pop.person_count, pop.cadence) == (
        "persons", "integer", False, "yearly")
    assert pop.granularities == {"year"}
    assert pop.dimensions == {"sex": {"K", "M"}, "age": {"20-64"}}
    assert pop.area_levels == {"municipality", "county", "nation"}
    assert [p.agency for p in pop.publishers] == ["scb"]
    fye = cat.measures["fye_official"]
    assert (fye.unit, fye.value_type, fye.cadence) == ("fye", "number", "monthly")
    assert fye.granularities == {"month", "year"}  # SCB's months; a yearly figure still fits
    assert fye.dimensions["benefit"] == cat.measures["benefit_net_days"].dimensions[
        "benefit"] | {"_T"}
    assert fye.dimensions["sex"] == {"K", "M", "_T"}
    assert [p.agency for p in fye.publishers] == ["scb"]
    assert fye.area_levels == {"municipality", "county", "nation"}
    milestone = cat.measures["milestone"]
    assert (milestone.unit, milestone.value_type, milestone.minimum, milestone.maximum) == (
        "done", "integer", 0, 1)
    assert [p.agency for p in milestone.publishers] == ["*"]
    need = cat.measures["coordination_need_persons"]
    assert "_T" in need.dimensions["target_group"]
    # Each association states its own coordination need (Umeåregionen's, Härnösand–Timrå's).
    assert [p.agency for p in need.publishers] == [
        "samordningsforbundet", "samordningsforbundet-harnosand-timra"]


def test_loaded_catalogue() -> None:
    cat = load_catalogue()
    assert cat is load_catalogue()
    assert set(cat.measures) == {p.stem for p in MEASURE_FILES}
    m = cat.measures["benefit_net_days"]
    assert m.title_sv == "Nettodagar med ersättning" and m.title_en == "Net benefit days"
    assert m.maximum == 1e9 and m.required_dimensions == {"benefit", "sex"}
    assert m.publishers[2] == contracts.Publisher(
        "municipality", True, {"benefit": frozenset({"economic_assistance"})})
    assert cat.agencies["kommun-2480"] == contracts.Agency(
        "kommun-2480", "Umeå kommun", "municipality", "2480")
    assert cat.agencies["scb"].area is None
    assert cat.areas["umearegionen"].members == UMEAREGIONEN
    assert cat.areas["2480"] == contracts.Area("2480", "Umeå", "municipality", "24", ())


def test_municipalities_in() -> None:
    cat = load_catalogue()
    assert cat.municipalities_in("umearegionen") == UMEAREGIONEN
    assert set(cat.municipalities_in("24")) == set(VASTERBOTTEN)
    assert len(cat.municipalities_in("0000")) == 290
    assert cat.municipalities_in("2480") == ("2480",)
    assert cat.municipalities_in("nowhere") == ()


def test_association_members_are_municipalities_of_one_association_each() -> None:
    """An association's members (its region's, and its own list) are real municipality
    areas, and no municipality is two associations' (whose would its findings be?)."""
    cat = load_catalogue()
    associations = [a for a in cat.agencies.values() if a.kind == "association"]
    assert {a.code: a.members for a in associations} == {
        "samordningsforbundet": UMEAREGIONEN,
        HARNOSAND_TIMRA: ("2280", "2262")}
    members = [m for a in associations for m in a.members]
    assert len(members) == len(set(members))
    for code in members:
        assert cat.areas[code].level == "municipality", code
    assert (cat.areas["2280"].name, cat.areas["2262"].name) == ("Härnösand", "Timrå")


@pytest.mark.parametrize(("area", "association"), [
    ("2262", HARNOSAND_TIMRA), ("2280", HARNOSAND_TIMRA),
    ("2480", "samordningsforbundet"), ("2403", "samordningsforbundet"),
    ("umearegionen", "samordningsforbundet"),
    ("22", None), ("24", None), ("0000", None), ("2281", None), ("nowhere", None)])
def test_association_of(area: str, association: str | None) -> None:
    assert load_catalogue().association_of(area) == association


def test_association_membership_is_optional_and_checked() -> None:
    """Code lists without "region" or "members" (before them) still load and validate; a
    region that is none in areas.json is refused, and only associations have members."""
    areas = load_catalogue().areas
    old = {"code": "samordningsforbundet", "name": "S", "kind": "association"}
    assert agency_of(old, areas).members == ()
    schema = jsonschema.Draft202012Validator(read(CODELISTS / "agencies.schema.json"))
    assert schema.is_valid([old])
    assert not schema.is_valid([{"code": "scb", "name": "SCB", "kind": "reference",
                                 "members": ["2480"]}])
    with pytest.raises(ValueError, match="no region"):
        agency_of(old | {"region": "24"}, areas)


@pytest.mark.parametrize(("agency", "measure", "area", "dims", "allowed"), [
    ("forsakringskassan", "benefit_net_days", "2480", {"benefit": "sickness", "sex": "K"}, True),
    ("forsakringskassan", "benefit_net_days", "2460",
     {"benefit": "sickness_activity_compensation", "sex": "M"}, True),
    ("forsakringskassan", "benefit_net_days", "2480",
     {"benefit": "economic_assistance", "sex": "K"}, False),
    ("arbetsformedlingen", "benefit_net_days", "2404",
     {"benefit": "establishment", "sex": "K"}, True),
    ("kommun-2480", "benefit_net_days", "2480",
     {"benefit": "economic_assistance", "sex": "K"}, True),
    ("kommun-2480", "benefit_net_days", "2460",
     {"benefit": "economic_assistance", "sex": "K"}, False),
    ("kommun-2480", "benefit_net_days", "2480", {"benefit": "sickness", "sex": "K"}, False),
    ("kommun-2480", "benefit_net_days", "2480", {"sex": "K"}, False),
    ("scb", "population", "2480", {"sex": "K", "age": "20-64"}, True),
    ("scb", "population", "0000", {"sex": "M", "age": "20-64"}, True),
    ("forsakringskassan", "population", "2480", {"sex": "K", "age": "20-64"}, False),
    ("scb", "benefit_net_days", "2480", {"benefit": "sickness", "sex": "K"}, False),
    ("kriminalvarden", "milestone", "umearegionen", {"milestone": "krami_joint_proposal"}, True),
    ("kommun-2403", "milestone", "umearegionen", {"milestone": "sdk_prerequisites"}, True),
    ("kommun-2403", "sip_count", "2403", {"group": "_T"}, True),
    ("arbetsformedlingen", "sip_count", "2403", {"group": "_T"}, False),
    ("nobody", "population", "2480", {"sex": "K", "age": "20-64"}, False),
    ("scb", "no_such_measure", "2480", {}, True),
    ("scb", "population", "9999", {"sex": "K", "age": "20-64"}, True),
])
def test_publish_denial(agency: str, measure: str, area: str, dims: dict[str, str],
                        allowed: bool) -> None:
    denial = load_catalogue().publish_denial(agency, measure, area, dims)
    assert (denial is None) is allowed, denial


def test_publish_denial_messages() -> None:
    cat = load_catalogue()
    assert cat.publish_denial("kommun-2480", "benefit_net_days", "2480",
                              {"benefit": "sickness", "sex": "K"}) == (
        "agency kommun-2480 may not publish benefit=sickness for measure benefit_net_days")
    assert cat.publish_denial("kommun-2480", "benefit_net_days", "2460",
                              {"benefit": "economic_assistance", "sex": "K"}) == (
        "agency kommun-2480 may publish only its own area 2480")
    assert cat.publish_denial("scb", "benefit_net_days", "2480", {}) == (
        "agency scb may not publish measure benefit_net_days")


def _granularity(period: str) -> str:
    match = PERIOD.fullmatch(period)
    assert match, period
    return ("half" if match[1] else "quarter" if match[2] else "month" if match[3] else "year")


def _observations() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, _, path in VALID:
        doc = read(path)
        if name == "observation":
            yield path.name, doc
        elif name == "observation-batch":
            for i, obs in enumerate(doc["observations"]):
                yield f"{path.name}[{i}]", obs


@pytest.mark.parametrize(("where", "obs"), list(_observations()), ids=lambda x: str(x)[:60])
def test_example_observation_fits_catalogue(where: str, obs: dict[str, Any]) -> None:
    cat = load_catalogue()
    measure = cat.measures[obs["measure"]]
    area = cat.areas[obs["area"]]
    dims = obs.get("dimensions", {})
    assert obs["agency"] in cat.agencies
    assert obs["unit"] == measure.unit
    assert area.level in measure.area_levels
    assert _granularity(obs["period"]) in measure.granularities
    assert measure.required_dimensions <= dims.keys()
    for dim, code in dims.items():
        assert code in measure.dimensions[dim]
    if obs["value"] is not None:
        assert measure.minimum <= obs["value"] <= measure.maximum
        if measure.value_type == "integer":
            assert obs["value"] == int(obs["value"])
    assert cat.publish_denial(obs["agency"], obs["measure"], obs["area"], dims) is None


def test_figure4_total_disagrees_with_parts() -> None:
    batch = read(EXAMPLES / "observation-batch.v1" /
                 "figur4-coordination-need-umearegionen-2023.json")
    values = {o["dimensions"]["target_group"]: o["value"] for o in batch["observations"]}
    assert values.pop("_T") == 2670
    assert sum(values.values()) == 2833


def test_codes_have_names_in_both_languages_and_unknown_ones_read_as_words() -> None:
    catalogue = load_catalogue()
    assert catalogue.code_name("ill_health") == "ohälsa"
    assert catalogue.code_name("ill_health", "en") == "ill health"
    assert catalogue.code_name("not_in_the_list", "sv") == "not in the list"
    listed = [c["code"] for c in read(CODELISTS / "codes.json")]
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("field, sent", [
    ("value", True), ("value", False), ("value", "24800"), ("value", "12"),
    ("revision", "2 "), ("revision", "1"), ("revision", True), ("revision", 2.5),
    ("produced_at", -1), ("produced_at", 0), ("produced_at", 1.5), ("produced_at", "-1"),
    ("produced_at", "2023-10-01"), ("produced_at", True),
])
def test_the_model_refuses_what_the_schema_refuses(field: str, sent: Any) -> None:
    """Ingest's model (samstat_kit.checks, also the client's and the dry run's) gives the
    JSON Schema's verdict on types: true is not 1, the text "24800" is not a number, -1 is
    not a moment. Before, pydantic's lax mode converted them, and they were stored."""
    from samstat_kit.checks import parse_record

    record = _observation(**{field: sent})
    assert not validator("observation", 1).is_valid(record)
    obs, problems = parse_record(0, record)
    assert obs is None and [p.field for p in problems] == [field]


@pytest.mark.parametrize("field, sent", [
    ("value", 5), ("value", 5.5), ("value", None), ("revision", 3), ("revision", 3.0),
    ("produced_at", "2023-11-06T07:30:00.123+01:00"), ("produced_at", "2023-11-05t08:00:00z"),
])
def test_the_model_takes_what_the_schema_takes(field: str, sent: Any) -> None:
    from samstat_kit.checks import parse_record

    record = _observation(**{field: sent}, **({"conf_status": "C"} if sent is None else {}))
    assert validator("observation", 1).is_valid(record)
    assert parse_record(0, record)[0] is not None


def test_a_period_not_begun_or_a_moment_to_come_is_refused() -> None:
    """Statistics of a month that has not begun, or computed in the future, are refused by
    the catalogue checks (ingest's, the dry run's, the client's); this month is taken."""
    from datetime import UTC, datetime, timedelta

    from samstat_kit.checks import check_catalogue, parse_record

    now = datetime.now(UTC)
    ahead = now + timedelta(days=40)
    cat = load_catalogue()

    def problems(**changes: Any) -> list[tuple[str, str]]:
        record = _observation(**changes)
        obs, errs = parse_record(0, record)
        assert obs is not None, errs
        return [(p.field, p.reason) for p in check_catalogue(0, obs, cat)]

    assert problems(period=f"{now:%Y-%m}", produced_at=f"{now:%Y-%m-%dT%H:%M:%S}Z") == []
    assert problems(period=f"{ahead:%Y-%m}") == [("period", "the period has not begun yet")]
    assert problems(period="2099") == [("period", "the period has not begun yet")]
    assert problems(produced_at=f"{ahead:%Y-%m-%dT%H:%M:%S}+01:00") == [
        ("produced_at", "lies in the future")]
