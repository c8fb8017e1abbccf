"""The rows an agency's file is read into (:mod:`samstat_kit.agency_files`): each
observation document with its file row number, the file column of each field, and what is
wrong with it, so every problem is named where the agency can find it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


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
