"""The rows an agency's file is read into (:mod:`samstat_kit.agency_files`): each
observation document with its file row number, the file column of each field, and what is
wrong with it, so every problem is named where the agency can find it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from samstat_kit.headers import key


class PublishError(Exception):
    """Nothing (more) can be sent: unreadable file, refused token, personal number."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str
    column: str = ""


@dataclass
class Row:
    number: int
    doc: Any
    errors: list[RowError] = field(default_factory=list)
    parse_errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # observation field -> file column
    action: str = "merge"  # SDMX-CSV ACTION: merge (I, A), replace (R) or delete (D)

    def column_of(self, name: str) -> str:
        """The file column a field (``value``, ``dimensions.sex``) came from, or ``""``."""
        while name:
            if name in self.columns:
                return self.columns[name]
            name = name.rpartition(".")[0]
        return ""

    def error(self, name: str, reason: str) -> RowError:
        return RowError(self.number, name, reason, self.column_of(name))


Table = Iterator[tuple[dict[str, str], int, int]]
"""(column -> cell, number of cells beyond the header, file row number) per non-blank row."""


def _extra_cells(number: int, extra: int) -> list[RowError]:
    return [RowError(number, "", f"{extra} cell(s) more than the header has columns")] \
        if extra else []


# A unit as people write it (the upload template's sheet of measures gives these words, in
# Swedish or English): a file's unit column may hold the word rather than the code. Kept
# here, not taken from samstat_kit.present.formatting, because the agencies' client wheel
# carries this module and not the presentation kit; a test keeps the two in step.
UNIT_WORDS = {
    "sv": {"persons": "personer", "days": "dagar", "months": "månader",
           "fye": "helårsekvivalenter", "count": "st", "cases": "ärenden",
           "sek_per_inhabitant": "kronor per invånare", "certificates": "intyg",
           "plans": "planer", "percent": "procent", "share": "andel",
           "done": "1 = uppnått, 0 = ej uppnått"},
    "en": {"persons": "persons", "days": "days", "months": "months",
           "fye": "full-year equivalents", "count": "count", "cases": "cases",
           "sek_per_inhabitant": "SEK per inhabitant", "certificates": "certificates",
           "plans": "plans", "percent": "per cent", "share": "share",
           "done": "1 = reached, 0 = not reached"},
}


def unit_word(unit: str, lang: str = "sv") -> str:
    """The unit's word in ``lang`` ("dagar"); a unit without one as its code."""
    return UNIT_WORDS["en" if lang == "en" else "sv"].get(unit, unit)


# A word compared as a heading is (case, accents and separators aside); a code is its own.
_UNIT_CODES = {key(w): code for words in UNIT_WORDS.values() for code, w in words.items()} \
    | {key(c): c for c in UNIT_WORDS["en"]}


def unit_code(text: str) -> str:
    """The unit a file's cell names: its code, or its word in Swedish or English ("dagar",
    "Days", "kronor per invånare"), whatever the case or accents; else the cell unchanged
    (the checks then name the measure's unit)."""
    return _UNIT_CODES.get(key(text), text)
