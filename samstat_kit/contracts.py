"""Loader for samstat's public contract in ``schemas/``.

Everything an agency needs to talk to samstat lives as plain JSON in ``schemas/``
(JSON Schemas, code lists, the measure catalogue, examples); this module only reads it:

* :func:`load_schema` / :func:`validator` — versioned JSON Schemas (draft 2020-12) with
  every ``$ref`` by ``$id`` resolvable and format checking on;
* :func:`load_catalogue` — measures, agencies and areas as frozen dataclasses
  (:mod:`samstat_kit.catalogue_entries`), with :meth:`Catalogue.municipalities_in`,
  :meth:`Catalogue.association_of`, :meth:`Catalogue.publish_denial` and the names of codes
  (:mod:`samstat_kit.catalogue_names`).

The directory is ``<repo>/schemas`` unless the environment variable
``SAMSTAT_SCHEMAS_DIR`` points elsewhere (read at import time).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
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
from samstat_kit.catalogue_entries import (
    TOTAL,
    Agency,
    Area,
    CellKey,
    Disclosure,
    Measure,
    Publisher,
    agency_of,
    area_of,
    measure_of,
)
from samstat_kit.catalogue_names import CatalogueNames

__all__ = [
    "SCHEMAS_DIR",
    "TOTAL",
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
        return not isinstance(value, str) or is_rfc3339(value)

    return checker


# RFC 3339's date-time, as JSON Schema means it. Not datetime.fromisoformat: its reading
# differs by Python version (3.9, the agencies' client, refused "08:00:00.1Z", which 3.11
# and ingest take; 3.11 took "20241105T080000Z" and week dates, which are none).
_RFC3339 = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
                      r"(?:\.[0-9]+)?(?:[Zz]|[+-]([0-9]{2}):([0-9]{2}))")


def is_rfc3339(text: str) -> bool:
    """``text`` is an RFC 3339 date-time (with its offset; a leap second allowed)."""
    found = _RFC3339.fullmatch(text)
    if found is None:
        return False
    y, mo, d, h, mi, sec, oh, om = (int(g or 0) for g in found.groups())
    try:
        datetime(y, mo, d, h, mi, min(sec, 59))
    except ValueError:
        return False
    return sec <= 60 and oh <= 23 and om <= 59


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
class Catalogue(CatalogueNames):
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

    def association_of(self, area_code: str) -> str | None:
        """The association (an agency of kind association) whose member municipalities
        make up the area: a member municipality, or a region of its members. None for an
        area no one association covers: a county, the nation, a municipality of no
        association, an unknown area, or one two associations would both claim."""
        wanted = set(self.municipalities_in(area_code))
        found = [a.code for a in self.agencies.values()
                 if a.kind == "association" and wanted and wanted <= set(a.members)]
        return found[0] if len(found) == 1 else None

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
        m = measure_of(_read_json(path))
        measures[m.code] = m
    areas = {a["code"]: area_of(a) for a in _read_json(SCHEMAS_DIR / "codelists" / "areas.json")}
    agencies = {
        a["code"]: agency_of(a, areas)
        for a in _read_json(SCHEMAS_DIR / "codelists" / "agencies.json")
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
