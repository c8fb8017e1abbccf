"""Plan files: an association's yearly plan as data (YAML or JSON, ``schemas/plan.v1``).

The file is checked in two steps: its shape against the public JSON Schema (so an association
can check its file with any validator), then every initiative, indicator and contact against
the registry's own bodies when it is seeded (codes in the code lists, measures and dimensions
in the catalogue). Errors name the place in the file.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from samstat_kit.contracts import load_catalogue, validator

PLANS_DIR = Path(__file__).resolve().parents[1] / "plans"
DEFAULT_PLAN = PLANS_DIR / "umearegionen-2024.yaml"
# A plan of twelve initiatives is about 1,300 values, six levels deep. Far more is no plan:
# YAML's aliases repeat a part without writing it again (ten lines can stand for 10^9 values).
MAX_VALUES = 100_000
MAX_DEPTH = 40


class PlanFileError(ValueError):
    """The file is not a valid plan; the message lists each problem with its place."""


@dataclass(frozen=True)
class PlanFile:
    association: dict[str, Any]
    year: int
    status: str
    decided_at: date | None
    initiatives: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    contacts: list[dict[str, Any]]


def _plain(node: Any) -> Any:
    # YAML reads an unquoted 2023-06-01 as a date; the schema (like JSON) wants the string.
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, date):
        return node.isoformat()
    return node


def _where(path: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) or "(top)"


def _check_size(doc: Any, source: str) -> None:
    """PlanFileError when the document, its aliases written out, holds more than
    :data:`MAX_VALUES` values or nests deeper than :data:`MAX_DEPTH` (counted without
    writing it out: a part used many times is counted once per use, measured once)."""
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if not isinstance(node, dict | list):
            return 1
        if depth > MAX_DEPTH:
            raise PlanFileError(f"{source}: nested more than {MAX_DEPTH} levels deep")
        if id(node) not in sizes:
            children = node.values() if isinstance(node, dict) else node
            total = 1
            for child in children:
                total += size(child, depth + 1)
                if total > MAX_VALUES:
                    raise PlanFileError(f"{source}: more than {MAX_VALUES:,} values (with "
                                        f"YAML aliases written out); a plan is far smaller")
            sizes[id(node)] = total
        return sizes[id(node)]

    size(doc, 0)  # raises as soon as a running total passes MAX_VALUES


def parse_plan(doc: Any, *, source: str = "plan") -> PlanFile:
    _check_size(doc, source)
    doc = _plain(doc)
    errors = sorted(validator("plan", 1).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        lines = [f"{source}{_where(e.absolute_path)}: {e.message}" for e in errors[:20]]
        raise PlanFileError("not a valid plan (schemas/plan.v1.schema.json):\n" +
                            "\n".join(lines))
    decided = doc.get("decided_at")
    indicators = [x for i, ind in enumerate(doc["indicators"])
                  for x in _with_breakdowns(ind, f"{source}.indicators[{i}]")]
    return PlanFile(
        association=doc["association"], year=doc["year"], status=doc.get("status", "draft"),
        decided_at=date.fromisoformat(decided) if decided else None,
        initiatives=doc["initiatives"], indicators=indicators,
        contacts=doc.get("contacts", []),
    )


LABELS = {"K": ("kvinnor", "women"), "M": ("män", "men"), "yes": ("med funktionsnedsättning",
          "with disability"), "no": ("utan funktionsnedsättning", "without disability"),
          "youth": ("unga", "young people"), "adult": ("vuxna", "adults"),
          "below_upper_secondary": ("utan gymnasieutbildning", "without upper-secondary"),
          "upper_secondary_or_more": ("med gymnasieutbildning", "with upper-secondary"),
          "sweden": ("födda i Sverige", "born in Sweden"),
          "foreign_born": ("utrikes födda", "foreign-born"),
          "europe": ("födda i Europa utom Sverige", "born in Europe outside Sweden"),
          "outside_europe": ("födda utanför Europa", "born outside Europe")}


def _with_breakdowns(ind: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The indicator, and for each of its ``breakdowns`` (a dimension such as sex, age group,
    disability or birth region) one sibling per code: the same formula with that dimension
    fixed to the code, followed without alerts, so results are reported split."""
    dims = ind.pop("breakdowns", None) or []
    out = [ind]
    parts = [p for p in (ind["formula"].get(k) for k in ("filters", "numerator", "denominator"))
             if p]
    measures = load_catalogue().measures
    for dim in dims:
        having = [p for p in parts if dim in getattr(measures.get(p["measure"]), "dimensions",
                                                     {})]
        if not having:
            raise PlanFileError(f"{where}.breakdowns: no measure of the formula has the "
                                f"dimension {dim!r}")
        codes = sorted(set.intersection(*(set(measures[p["measure"]].dimensions[dim])
                                          for p in having)) - {"_T"})
        for code in codes:
            formula = copy.deepcopy(ind["formula"])
            for key in ("filters", "numerator", "denominator"):
                part = formula.get(key)
                if part and dim in measures[part["measure"]].dimensions:
                    part.setdefault("dimensions", {})[dim] = code
            sv, en = LABELS.get(code, (code, code))
            out.append(ind | {"id": f"{ind['id']}__{dim}_{code}"[:64].lower(),
                              "title_sv": f"{ind['title_sv']} – {sv}",
                              "title_en": f"{ind['title_en']} – {en}", "formula": formula,
                              "rules": [], "target": None})
    return out


class _PlanLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping (PyYAML keeps the
    last silently: a second ``initiatives:`` would drop the first list unseen)."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:  # the keys as written (a merge's may be overridden)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                try:
                    again = key in seen
                except TypeError:  # an unhashable key: the base class says so
                    break
                if again:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"found the key {key!r} twice", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key written twice (``json`` keeps the last silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} twice in one object")
        out[key] = value
    return out


def load_plan(path: Path | str = DEFAULT_PLAN) -> PlanFile:
    path = Path(path)
    kind = "JSON" if path.suffix == ".json" else "YAML"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise PlanFileError(f"{path}: line {line} is not UTF-8; save the file as UTF-8") from exc
    try:
        doc = (json.loads(text, object_pairs_hook=_json_object) if kind == "JSON"
               else yaml.load(text, Loader=_PlanLoader))  # _PlanLoader is a SafeLoader
    except (ValueError, yaml.YAMLError) as exc:
        raise PlanFileError(f"{path}: not {kind}: {exc}") from exc
    except RecursionError as exc:
        raise PlanFileError(f"{path}: nested too deeply to be a plan") from exc
    return parse_plan(doc, source=path.name)
