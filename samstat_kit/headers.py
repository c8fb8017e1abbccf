"""The column headings an agency's CSV or XLSX file may use, and what each one means.

Agency staff write their own headings ("Mått", "Område", "Kön"), so a heading is taken as a
field of the contract (``measure``, ``area``, ``dim_sex``) by its Swedish or English name as
well as by the contract's own, whatever its case and accents ("VÄRDE", "kon"). One table, read
by :mod:`samstat_kit.agency_files`, so ``samstat publish``, the agencies' client and ingest's
upload page read every file alike. Runs on Python 3.9 (the client wheel ships it)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

DIM_PREFIX = "dim_"
# The observation's fields a column may name (the contract's own names: observation.v1).
FIELDS = ("event_id", "agency", "measure", "area", "period", "value", "unit", "obs_status",
          "conf_status", "revision", "produced_at", "dimensions", "withdrawn")
# Without these a row is no observation (unit, agency, event id and time are filled in).
REQUIRED = ("measure", "area", "period", "value")
Names = tuple[str, str]  # (Swedish, English)
FIELD_NAMES: dict[str, Names] = {
    "measure": ("Mått", "Measure"), "area": ("Område", "Area"), "period": ("Period", "Period"),
    "value": ("Värde", "Value"), "unit": ("Enhet", "Unit"),
    "revision": ("Revision", "Revision"),
}
# The catalogue has no names for its dimensions: these are theirs, in headings and on the
# pages (services/notify/names.py). A test checks every dimension of the catalogue is here.
DIMENSION_NAMES: dict[str, Names] = {
    "sex": ("Kön", "Sex"), "benefit": ("Ersättning", "Benefit"),
    "target_group": ("Målgrupp", "Target group"), "destination": ("Till vad", "Destination"),
    "duration": ("Varaktighet", "Duration"), "cause": ("Orsak", "Cause"),
    "group": ("Grupp", "Group"), "outcome": ("Utfall", "Outcome"),
    "disability": ("Funktionsnedsättning", "Disability"),
    "education": ("Utbildning", "Education"), "stage": ("Steg", "Stage"),
    "milestone": ("Delmål", "Milestone"), "age": ("Ålder", "Age"),
    "torget": ("Arbetsmarknadstorg", "Labour-market hub"), "extent": ("Omfattning", "Extent"),
    "diagnosis": ("Diagnos", "Diagnosis"), "birth_region": ("Födelseregion", "Birth region"),
}
# Headings people write that could mean a field but could as well mean something else
# ("Antal" of what?): never read as the field, only suggested when a heading is unknown.
LIKELY = {"kommun": "area", "kommunkod": "area", "region": "area", "lan": "area",
          "omradeskod": "area", "ar": "period", "manad": "period", "tid": "period",
          "datum": "period", "kvartal": "period", "antal": "value", "summa": "value",
          "belopp": "value", "indikator": "measure", "variabel": "measure",
          "nyckeltal": "measure"}


def key(name: str) -> str:
    """A heading compared without case, accents, or how its words are separated:
    "Mått" and "matt", "Target_group" and "target group" are one key."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name)
                    if not unicodedata.combining(ch))
    return " ".join(re.split(r"[\s_\-]+", plain.casefold())).strip()


def _aliases() -> dict[str, str]:
    out = {key(f): f for f in FIELDS}
    for name, spelled in FIELD_NAMES.items():
        out.update((key(s), name) for s in spelled)
    for dim, spelled in DIMENSION_NAMES.items():
        out.update((key(s), DIM_PREFIX + dim) for s in (dim, *spelled))
    return out


ALIASES = _aliases()


def canonical(name: str) -> str | None:
    """The contract's name for a column heading (``measure``, ``dim_sex``), or None."""
    if name in FIELDS or name.startswith(DIM_PREFIX):
        return name  # the contract's spelling, as ever (any dim_ column is a dimension)
    k = key(name)
    if k.startswith("dim ") and len(k) > 4:
        return DIM_PREFIX + k[4:].replace(" ", "_")
    return ALIASES.get(k)


def same_field(names: list[str]) -> tuple[str, str, str] | None:
    """Two headings naming one field (``Kön`` and ``dim_sex``): a row would keep only one
    of them. (first heading, second heading, field) or None."""
    seen: dict[str, str] = {}
    for name in names:
        target = canonical(name)
        if target is None:
            continue
        if target in seen:
            return seen[target], name, target
        seen[target] = name
    return None


@dataclass
class HeaderProblem:
    """Headings no field is known by (each with the field it could be, if one is likely)
    and the required fields no heading names."""

    unknown: list[tuple[str, str | None]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def suggestion(name: str, taken: frozenset[str] = frozenset()) -> str | None:
    """The field an unknown heading could be (a likely word, or a near spelling)."""
    k = key(name)
    if k in LIKELY and LIKELY[k] not in taken:
        return LIKELY[k]
    close = difflib.get_close_matches(k, list(ALIASES), n=1, cutoff=0.75)
    return ALIASES[close[0]] if close and ALIASES[close[0]] not in taken else None


def header_problem(names: list[str]) -> HeaderProblem | None:
    """What is wrong with a (non-SDMX) header as a whole, or None. Blank headings are left
    to the rows (a blank column is harmless; a cell under it is that row's error)."""
    taken = frozenset(c for c in map(canonical, names) if c)
    problem = HeaderProblem(
        unknown=[(n, suggestion(n, taken)) for n in names if n.strip() and not canonical(n)],
        missing=[f for f in REQUIRED if f not in taken])
    return problem if problem.unknown or problem.missing else None


def heading(name: str, lang: str) -> str:
    """What a field or ``dim_…`` column is called in a file, in ``lang`` ("sv" or "en")."""
    i = 1 if lang == "en" else 0
    if name.startswith(DIM_PREFIX) and name[len(DIM_PREFIX):] in DIMENSION_NAMES:
        return DIMENSION_NAMES[name[len(DIM_PREFIX):]][i]
    return FIELD_NAMES[name][i] if name in FIELD_NAMES else name
