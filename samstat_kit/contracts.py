"""Loader for samstat's public contract in ``schemas/``.

Everything an agency needs to talk to samstat lives as plain JSON in ``schemas/``
(JSON Schemas, code lists, the measure catalogue, examples); this module only reads it:

* :func:`load_schema` / :func:`validator` — versioned JSON Schemas (draft 2020-12) with
  every ``$ref`` by ``$id`` resolvable and format checking on;
* :func:`load_catalogue` — measures, agencies and areas as frozen dataclasses, with
  :meth:`Catalogue.municipalities_in` and :meth:`Catalogue.publish_denial`.

The directory is ``<repo>/schemas`` unless the environment variable
``SAMSTAT_SCHEMAS_DIR`` points elsewhere (read at import time).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import jsonschema.protocols
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from samstat_kit.anonymity import shown
from samstat_kit.headers import key

__all__ = [
    "SCHEMAS_DIR",
    "Agency",
    "Area",
    "Catalogue",
    "CellKey",
    "Disclosure",
    "Measure",
    "Publisher",
    "clear_caches",
    "load_catalogue",
    "load_schema",
    "validator",
]

def _schemas_dir() -> Path:
    """The repository's ``schemas/``, else the copy installed inside this package (the
    agencies' client wheel carries the contract as ``samstat_kit/schemas``)."""
    here = Path(__file__).resolve().parent
    repo = here.parent / "schemas"
    return repo if (repo / "observation.v1.schema.json").is_file() else here / "schemas"


SCHEMAS_DIR: Path = Path(os.environ.get("SAMSTAT_SCHEMAS_DIR") or _schemas_dir())

ANY_AGENCY = "*"
ANY_MUNICIPALITY = "municipality"
TOTAL = "_T"


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


# --------------------------------------------------------------------------- schemas


def load_schema(name: str, version: int) -> dict[str, Any]:
    """Return the JSON Schema ``schemas/<name>.v<version>.schema.json`` as a dict."""
    path = SCHEMAS_DIR / f"{name}.v{version}.schema.json"
    if not path.is_file():
        raise FileNotFoundError(f"no schema {name!r} version {version} at {path}")
    schema: dict[str, Any] = _read_json(path)
    return schema


def _schema_files() -> Iterator[Path]:
    yield from sorted(SCHEMAS_DIR.rglob("*.schema.json"))


@cache
def _registry() -> Registry[Any]:
    """A registry of every ``*.schema.json`` below SCHEMAS_DIR, keyed by ``$id``."""
    resources = []
    for path in _schema_files():
        contents = _read_json(path)
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        if "$id" in contents:
            resources.append((contents["$id"], resource))
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry.crawl()


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)

    # 'date-time' needs an optional dependency in jsonschema; check it with the stdlib.
    @checker.checks("date-time", raises=ValueError)
    def _is_datetime(value: object) -> bool:
        if not isinstance(value, str):
            return True
        # Python 3.9's fromisoformat (the agencies' client) reads no "Z": say +00:00.
        text = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
        parsed = datetime.fromisoformat(text)
        return parsed.tzinfo is not None

    return checker


@cache
def validator(name: str, version: int) -> jsonschema.protocols.Validator:
    """A cached Draft 2020-12 validator for ``<name>.v<version>`` with formats checked."""
    schema = load_schema(name, version)
    jsonschema.Draft202012Validator.check_schema(schema)
    v: jsonschema.protocols.Validator = jsonschema.Draft202012Validator(
        schema, registry=_registry(), format_checker=_format_checker()
    )
    return v


# ------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Publisher:
    """Who may publish a measure: an agency code, ``"municipality"`` or ``"*"``."""

    agency: str
    own_area_only: bool = False
    restrict: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class CellKey:
    """The publisher already protected the figures by the cell-key method (SCB from 2025):
    samstat does not suppress them again, and totals may differ from the sum of their parts
    by the method's noise (at most ``max_noise`` per cell)."""

    max_noise: float
    from_year: int = 0


@dataclass(frozen=True)
class Disclosure:
    """Which cells of a measure are linked for disclosure control (catalogue "disclosure").

    ``totals``: dimension -> its total code (the other codes are its parts);
    ``area_hierarchy``: counties, regions and the nation are the sums of their parts;
    ``period_hierarchy``: "sum" (a year is the sum of its halves, quarters, months), "last"
    (a stock: a year is its last half, quarter, month) or "none".
    """

    totals: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    area_hierarchy: bool = True
    period_hierarchy: str = "none"
    cell_key: CellKey | None = None

    def cell_key_applies(self, period: str) -> bool:
        """True when a cell of ``period`` (a code starting with its year) is cell-key noised."""
        return self.cell_key is not None and int(period[:4]) >= self.cell_key.from_year


@dataclass(frozen=True)
class Measure:
    code: str
    title_sv: str
    title_en: str
    unit: str
    value_type: str
    minimum: float
    maximum: float
    person_count: bool
    cadence: str
    granularities: frozenset[str]
    area_levels: frozenset[str]
    aggregation: str
    dimensions: Mapping[str, frozenset[str]]
    required_dimensions: frozenset[str]
    publishers: tuple[Publisher, ...]
    description: str = ""
    disclosure: Disclosure = field(default_factory=Disclosure)


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: str
    area: str | None = None


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    parent: str | None
    members: tuple[str, ...] = ()


def _frozen_map(raw: Mapping[str, Any]) -> Mapping[str, frozenset[str]]:
    return MappingProxyType({k: frozenset(v) for k, v in raw.items()})


def _disclosure(raw: Mapping[str, Any]) -> Disclosure:
    """The declared links, defaulting to every '_T' dimension and the measure's aggregation."""
    spec = raw.get("disclosure", {})
    totals = spec.get("totals")
    if totals is None:
        totals = {d: TOTAL for d, codes in raw["dimensions"].items() if TOTAL in codes}
    period = spec.get("period_hierarchy")
    if period is None:
        period = raw["aggregation"] if raw["aggregation"] in ("sum", "last") else "none"
    ck = spec.get("cell_key")
    return Disclosure(
        totals=MappingProxyType(dict(totals)),
        area_hierarchy=spec.get("area_hierarchy", raw["aggregation"] in ("sum", "last")),
        period_hierarchy=period,
        cell_key=CellKey(max_noise=ck["max_noise"], from_year=ck.get("from_year", 0))
        if ck else None,
    )


def _measure(raw: Mapping[str, Any]) -> Measure:
    return Measure(
        code=raw["measure"],
        title_sv=raw["title"]["sv"],
        title_en=raw["title"]["en"],
        unit=raw["unit"],
        value_type=raw["value_type"],
        minimum=raw["minimum"],
        maximum=raw["maximum"],
        person_count=raw["person_count"],
        cadence=raw["cadence"],
        granularities=frozenset(raw["granularities"]),
        area_levels=frozenset(raw["area_levels"]),
        aggregation=raw["aggregation"],
        dimensions=_frozen_map(raw["dimensions"]),
        required_dimensions=frozenset(raw["required_dimensions"]),
        publishers=tuple(
            Publisher(
                agency=p["agency"],
                own_area_only=p.get("own_area_only", False),
                restrict=_frozen_map(p.get("restrict", {})),
            )
            for p in raw["publishers"]
        ),
        description=raw.get("description", ""),
        disclosure=_disclosure(raw),
    )


@dataclass(frozen=True)
class Catalogue:
    measures: Mapping[str, Measure]
    agencies: Mapping[str, Agency]
    areas: Mapping[str, Area]
    # code -> (Swedish, English): what people call a dimension code (codelists/codes.json)
    code_names: Mapping[str, tuple[str, str]] = field(
        default_factory=lambda: MappingProxyType({}))
    # publish_denial per cell shape: ingest asks for every record, and batches repeat shapes.
    _denials: dict[tuple[Any, ...], str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    # code_named's index per (dimension, measure): a name's key -> its code
    _named: dict[tuple[str, str | None], dict[str, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def code_name(self, code: str, lang: str = "sv") -> str:
        """A dimension code in words ("ill_health" -> "ohälsa"); one without a name in the
        code list as words too ("work_rehabilitation" -> "work rehabilitation")."""
        names = self.code_names.get(code)
        if names is None:
            return code.replace("_", " ").strip() or code
        return names[1] if lang == "en" else names[0]

    def codes_of(self, dim: str, measure: str | None = None) -> frozenset[str]:
        """The codes of ``dim``: the measure's, or every measure's if it has none of it."""
        spec = self.measures.get(measure or "")
        if spec is not None and dim in spec.dimensions:
            return spec.dimensions[dim]
        return frozenset(c for m in self.measures.values() for c in m.dimensions.get(dim, ()))

    def code_named(self, dim: str, text: str, measure: str | None = None) -> str | None:
        """The code a person wrote by its name, in Swedish or English, whatever its case or
        accents ("Kvinnor" in a sex column is K, "ohälsa" is ill_health, "Totalt" is _T);
        None if no code of the dimension (the measure's, when known) is called that. Staff
        write what they read in the template's list of codes, not the codes themselves."""
        return self._by_name((dim, measure), text, (
            (name, code) for code in self.codes_of(dim, measure)
            for name in self.code_names.get(code, ())))

    def measure_named(self, text: str) -> str | None:
        """The measure a person wrote by its title (Swedish or English, any case or accents,
        as the template's list gives it), else None."""
        return self._by_name(("#measure", None), text, (
            (t, m.code) for m in self.measures.values() for t in (m.title_sv, m.title_en)))

    def area_named(self, text: str) -> str | None:
        """The area a person wrote by its name ("Vännäs", "Vännäs kommun", "Riket"), else
        None."""
        return self._by_name(("#area", None), text, (
            (n, a.code) for a in self.areas.values()
            for n in (a.name, *((f"{a.name} kommun",) if a.level == "municipality" else ()))))

    def _by_name(self, index: tuple[str, str | None], text: str,
                 names: Iterable[tuple[str, str]]) -> str | None:
        """The code ``text`` names among ``names`` ((name, code) pairs), compared as
        :func:`~samstat_kit.headers.key` compares; the index is kept under ``index``. A name
        two codes share says neither (none does today; the lists may grow); a code whose
        Swedish and English names are one ("Ungdomstorget") is still named."""
        found = self._named.get(index)
        if found is None:
            codes: dict[str, set[str]] = {}
            for name, code in names:
                codes.setdefault(key(name), set()).add(code)
            found = self._named[index] = {
                k: next(iter(cs)) for k, cs in codes.items() if len(cs) == 1}
        return found.get(key(text))

    def municipalities_in(self, area_code: str) -> tuple[str, ...]:
        """Municipality codes making up an area (empty for an unknown area).

        A region gives its members, a county its municipalities, the nation all of
        them, and a municipality itself.
        """
        area = self.areas.get(area_code)
        if area is None:
            return ()
        if area.level == "municipality":
            return (area.code,)
        if area.level == "region":
            return area.members
        municipalities = (a for a in self.areas.values() if a.level == "municipality")
        if area.level == "county":
            return tuple(sorted(a.code for a in municipalities if a.parent == area.code))
        return tuple(sorted(a.code for a in municipalities))

    def _matches(self, publisher: Publisher, agency: Agency) -> bool:
        if publisher.agency == ANY_AGENCY:
            return True
        if publisher.agency == ANY_MUNICIPALITY:
            return agency.kind == "municipality"
        return publisher.agency == agency.code

    def _denial(
        self, publisher: Publisher, agency: Agency, measure: str, area: str,
        dimensions: Mapping[str, str],
    ) -> str | None:
        for dim, allowed in sorted(publisher.restrict.items()):
            value = dimensions.get(dim)
            if value is None:
                codes = ", ".join(sorted(allowed))
                return (
                    f"agency {agency.code} may publish measure {measure} "
                    f"only with {dim} in ({codes})"
                )
            if value not in allowed:
                return (f"agency {agency.code} may not publish {dim}={shown(value)} "
                        f"for measure {measure}")
        if publisher.own_area_only and area != agency.area:
            if agency.area is None:
                return f"agency {agency.code} has no own area and may not publish {measure}"
            return f"agency {agency.code} may publish only its own area {agency.area}"
        return None

    def publish_denial(
        self, agency: str, measure: str, area: str, dimensions: Mapping[str, str]
    ) -> str | None:
        """None if ``agency`` may publish this cell, else a short English reason.

        Unknown measures and areas give None: validation reports those separately.
        """
        key = (agency, measure, area, *sorted(dimensions.items()))
        try:
            return self._denials[key]
        except KeyError:
            pass
        if len(self._denials) > 100_000:  # bounded: shapes are few, but inputs are not ours
            self._denials.clear()
        denial = self._denials[key] = self._publish_denial(agency, measure, area, dimensions)
        return denial

    def _publish_denial(
        self, agency: str, measure: str, area: str, dimensions: Mapping[str, str]
    ) -> str | None:
        spec = self.measures.get(measure)
        if spec is None or area not in self.areas:
            return None
        who = self.agencies.get(agency)
        if who is None:
            return f"unknown agency {agency}"
        # most specific publisher entries first: named agency, any municipality, anyone
        rank = {ANY_MUNICIPALITY: 1, ANY_AGENCY: 2}
        candidates = sorted(
            (p for p in spec.publishers if self._matches(p, who)),
            key=lambda p: rank.get(p.agency, 0),
        )
        if not candidates:
            return f"agency {agency} may not publish measure {measure}"
        reasons = [self._denial(p, who, measure, area, dimensions) for p in candidates]
        if any(reason is None for reason in reasons):
            return None
        return reasons[0]


@cache
def load_catalogue() -> Catalogue:
    """Measures (``measures/*.json``), agencies, areas and code names (``codelists/``),
    cached."""
    measures = {}
    for path in sorted((SCHEMAS_DIR / "measures").glob("*.json")):
        if path.name.endswith(".schema.json"):
            continue
        m = _measure(_read_json(path))
        measures[m.code] = m
    agencies = {
        a["code"]: Agency(code=a["code"], name=a["name"], kind=a["kind"], area=a.get("area"))
        for a in _read_json(SCHEMAS_DIR / "codelists" / "agencies.json")
    }
    areas = {
        a["code"]: Area(
            code=a["code"],
            name=a["name"],
            level=a["level"],
            parent=a.get("parent"),
            members=tuple(a.get("members", ())),
        )
        for a in _read_json(SCHEMAS_DIR / "codelists" / "areas.json")
    }
    code_names = {
        c["code"]: (c["sv"], c["en"])
        for c in _read_json(SCHEMAS_DIR / "codelists" / "codes.json")
    }
    return Catalogue(
        measures=MappingProxyType(measures),
        agencies=MappingProxyType(agencies),
        areas=MappingProxyType(areas),
        code_names=MappingProxyType(code_names),
    )


def clear_caches() -> None:
    """Forget cached schemas, validators and catalogue (e.g. after changing SCHEMAS_DIR)."""
    _registry.cache_clear()
    validator.cache_clear()
    load_catalogue.cache_clear()
