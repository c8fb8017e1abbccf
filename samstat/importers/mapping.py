"""Declarative table mappings (``mappings/<source>/<table>.json``) applied to a long table.

Pure: a pandas DataFrame of codes (one column per source variable, plus ``value``) goes in,
observation documents (``schemas/observation.v1``, without agency/event_id/produced_at, which
``samstat publish`` completes) come out, or :class:`MappingError` naming the row and reason.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd

MAPPINGS = Path(__file__).parent / "mappings"
VALUE = "value"
LABEL = ":label"  # a variable's label column beside its codes: ``ContentsCode:label``


def column(spec: dict[str, Any]) -> str:
    """The column a variable's mapping reads: its codes, or its labels (``"by": "label"``)."""
    return str(spec["variable"]) + (LABEL if spec.get("by") == "label" else "")


class MappingError(Exception):
    """The table does not fit its mapping (a variable or code is missing or unknown)."""


@dataclass(frozen=True)
class Mapping:
    path: Path
    spec: dict[str, Any]

    @property
    def table(self) -> str:
        return str(self.spec["table"])

    @property
    def measure(self) -> str:
        return str(self.spec["measure"])

    @property
    def names(self) -> tuple[str, ...]:
        """The table's id and its aliases (a PX file's MATRIX, the API v1 name)."""
        return (self.table, *self.spec.get("aliases", ()))


@cache
def _schema() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((MAPPINGS / "mapping.schema.json").read_text("utf-8"))
    return doc


def load_mapping(path: Path) -> Mapping:
    """Read and validate one mapping file."""
    try:
        spec = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise MappingError(f"cannot read the mapping {path}: {exc}") from None
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(spec),
                    key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
        raise MappingError(f"mapping {path.name}: {where}: {errors[0].message}")
    return Mapping(path, spec)


def shipped(source: str) -> dict[str, Mapping]:
    """The mappings shipped for a source, by table id."""
    out: dict[str, Mapping] = {}
    for path in sorted((MAPPINGS / source).glob("*.json")):
        m = load_mapping(path)
        for name in m.names:
            if name in out:
                raise MappingError(f"mappings {out[name].path.name} and {path.name} both "
                                   f"name table {name}")
            out[name] = m
    return out


def _summed(df: pd.DataFrame, variable: str, rule: dict[str, Any]) -> pd.DataFrame:
    """Sum ``variable`` away: all its codes, or the integer codes from..to, each of which must
    be present for every combination of the other variables (a missing age is an error, not a
    smaller population). A missing value among the parts makes the sum missing."""
    others = [c for c in df.columns if c not in (variable, variable + LABEL, VALUE)]
    if not rule.get("all"):
        lo, hi = int(rule["from"]), int(rule["to"])
        numeric = pd.to_numeric(df[variable], errors="coerce")
        df = df[(numeric >= lo) & (numeric <= hi)]
        wanted = hi - lo + 1
        counts = df.groupby(others, dropna=False)[variable].nunique() if others else \
            pd.Series([df[variable].nunique()])
        short = counts[counts < wanted]
        if len(df) == 0 or len(short):
            first = short.index[0] if len(short) else "every row"
            found = int(short.iloc[0]) if len(short) else 0
            raise MappingError(f"{variable} {lo}..{hi}: only {found} of {wanted} codes "
                               f"for {first}")
    if not others:
        values = df[VALUE]
        return pd.DataFrame({VALUE: [values.sum() if values.notna().all() else math.nan]})
    grouped = df.groupby(others, dropna=False, sort=False)[VALUE]
    return grouped.agg(lambda s: s.sum() if s.notna().all() else math.nan).reset_index()


def _code(spec: dict[str, Any], code: str) -> str | None:
    """The samstat code of a source code (or label); None for an ignored one."""
    if code in (spec.get("ignore") or ()):
        return None
    mapped = (spec.get("codes") or {}).get(code)
    if mapped is not None:
        return str(mapped)
    if spec.get("only_mapped"):
        what = "label" if spec.get("by") == "label" else "code"
        raise MappingError(f"{spec['variable']}: unknown {what} {code!r}")
    return code


def apply(mapping: Mapping, df: pd.DataFrame) -> list[dict[str, Any]]:
    """The observations of a table, mapped."""
    spec = mapping.spec
    df = df.copy()
    df[VALUE] = _numbers(mapping, df)
    # An age range not applied would publish all ages as 20-64: its variable is needed too. A
    # variable summed whole ("all") or filtered may be eliminated from the table already (a PX
    # file of one contents); one that is there under another name lets each of its codes
    # through as a second figure of the same cell, which is refused below.
    needed = [column(spec["area"]), spec["period"]["variable"],
              *(column(d) for d in (spec.get("dimensions") or {}).values()),
              *(v for v, rule in (spec.get("sum") or {}).items() if not rule.get("all"))]
    missing = [v for v in needed if v not in df.columns]
    if missing:
        names = [m.replace(LABEL, "") + (" (labels)" if m.endswith(LABEL) else "")
                 for m in missing]
        has = [c for c in df.columns if c != VALUE and not c.endswith(LABEL)]
        raise MappingError(f"table {mapping.table}: no variable {', '.join(names)} "
                           f"(it has {', '.join(has)})")
    for variable, codes in (spec.get("filter") or {}).items():
        if variable in df.columns:
            df = df[df[variable].isin(codes)]
    _no_duplicates(mapping, df)
    for dspec in [spec["area"], *(spec.get("dimensions") or {}).values()]:
        for code in df[column(dspec)].unique():  # before summing: name the code itself
            try:
                _code(dspec, str(code))
            except MappingError as exc:
                raise MappingError(f"table {mapping.table}: {exc}") from None
    for variable, rule in (spec.get("sum") or {}).items():
        if variable in df.columns:
            df = _summed(df, variable, rule)
    out = []
    seen: dict[tuple[Any, ...], int] = {}
    for number, row in enumerate(df.to_dict("records"), start=1):
        try:
            doc = _observation(spec, row)
        except MappingError as exc:
            raise MappingError(f"table {mapping.table}, row {number}: {exc}") from None
        if doc is not None:
            cell = (doc["area"], doc["period"], tuple(sorted(doc["dimensions"].items())))
            if cell in seen:
                raise MappingError(f"table {mapping.table}, row {number}: a second figure for "
                                   f"{doc['area']} {doc['period']} {doc['dimensions']} "
                                   f"(first on row {seen[cell]})")
            seen[cell] = number
            out.append(doc)
    return out


# SCB's symbols for a cell with no figure (PX files keep their quotes): ".." not available or
# too uncertain, "..." "...." "." cannot occur; "-" is nothing to report, an exact zero
# (DATASYMBOLNIL of the PX format, SCB's "inget finns att redovisa").
WITHHELD = frozenset({"", "..", "...", "....", "."})
NIL = "-"


def _number(value: Any) -> float:
    """A cell's figure; NaN for a withheld one. Anything else (a word, "1 234", infinity, a
    boolean) is an error, never a withheld cell or a guess."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, str):
        symbol = value.strip().strip('"').strip()
        if symbol in WITHHELD:
            return math.nan
        if symbol == NIL:
            return 0.0
        try:
            number = float(symbol)
        except ValueError:
            raise ValueError(value) from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    else:
        number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _numbers(mapping: Mapping, df: pd.DataFrame) -> pd.Series:
    out = []
    for number, value in enumerate(df[VALUE].tolist(), start=1):
        try:
            out.append(_number(value))
        except ValueError:
            raise MappingError(f"table {mapping.table}, row {number} ({_where(df, number - 1)}): "
                               f"value {value!r} is neither a number nor one of SCB's "
                               "symbols (.. . -)") from None
    return pd.Series(out, index=df.index, dtype=float)


def _variables(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c != VALUE and not str(c).endswith(LABEL)]


def _where(df: pd.DataFrame, position: int) -> str:
    """The codes of the row at ``position``."""
    row = df.iloc[position]
    return ", ".join(f"{c}={row[c]}" for c in _variables(df))


def _no_duplicates(mapping: Mapping, df: pd.DataFrame) -> None:
    """Each combination of codes once: a repeated category (a PX file's code or label given
    twice, a JSON-stat index repeating one) would otherwise be summed twice, or published as
    two figures for one cell."""
    variables = _variables(df)
    if not variables:
        return
    repeated = df[df.duplicated(subset=variables, keep=False)]
    if len(repeated):
        raise MappingError(f"table {mapping.table}: the cell "
                           f"{_where(repeated, 0)} is given more than once")


def _period(spec: dict[str, Any], code: str) -> str:
    """samstat's period code of a source period: ``2024``, or SCB's month ``2024M01``."""
    if spec.get("format", "year") == "month":
        year, m, month = code[:4], code[4:5], code[5:]
        if year.isdigit() and m == "M" and month.isdigit() and len(code) == 7 \
                and 1 <= int(month) <= 12:
            return f"{year}-{month}"
        raise MappingError(f"{spec['variable']}: {code!r} is not a month (2024M01)")
    if not (len(code) == 4 and code.isdigit()):
        raise MappingError(f"{spec['variable']}: {code!r} is not a year")
    return code


def _observation(spec: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
    area = _code(spec["area"], str(row[column(spec["area"])]))
    period = _period(spec["period"], str(row[spec["period"]["variable"]]))
    dims = dict(spec.get("constant_dimensions") or {})
    for name, dspec in (spec.get("dimensions") or {}).items():
        code = _code(dspec, str(row[column(dspec)]))
        if code is None:
            return None
        dims[name] = code
    if area is None:
        return None
    value = row[VALUE]
    doc: dict[str, Any] = {"measure": spec["measure"], "area": area, "period": period,
                           "unit": spec["unit"], "dimensions": dims}
    if value is None or (isinstance(value, float) and math.isnan(value)):
        # SCB's ".." (not published): a withheld cell, not a zero.
        doc.update(value=None, conf_status="C")
    else:
        v = float(value)
        doc["value"] = int(v) if v.is_integer() else v
    return doc
