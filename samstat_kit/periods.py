"""Reporting periods: "2023", "2023-H1", "2023-Q2", "2023-10". Pure functions, no I/O."""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date

from samstat_kit.anonymity import quoted

# ASCII and matched whole (fullmatch): a period is part of a cell's key, so "2023-10\n" or
# full-width digits must not pass as another spelling of 2023-10 (an unlinked copy of the
# cell that disclosure control would not see beside its totals).
_RE = re.compile(r"(?P<y>\d{4})(?:-(?:(?P<h>H[12])|(?P<q>Q[1-4])|(?P<m>0[1-9]|1[0-2])))?",
                 re.ASCII)

GRANULARITIES = ("month", "quarter", "half", "year")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int
    n_months: int

    @property
    def granularity(self) -> str:
        return {1: "month", 3: "quarter", 6: "half", 12: "year"}[self.n_months]

    @property
    def code(self) -> str:
        return _code(self.year, self.first_month, self.n_months)

    @property
    def _code_uncached(self) -> str:
        g = self.granularity
        if g == "year":
            return f"{self.year}"
        if g == "half":
            return f"{self.year}-H{(self.first_month - 1) // 6 + 1}"
        if g == "quarter":
            return f"{self.year}-Q{(self.first_month - 1) // 3 + 1}"
        return f"{self.year}-{self.first_month:02d}"

    @property
    def months(self) -> list[Period]:
        return [Period(self.year, m, 1) for m in range(self.first_month,
                                                       self.first_month + self.n_months)]

    @property
    def days(self) -> int:
        return _days(self.year, self.first_month, self.n_months)

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        last = self.first_month + self.n_months - 1
        return date(self.year, last, calendar.monthrange(self.year, last)[1])

    def shift_years(self, years: int) -> Period:
        return Period(self.year + years, self.first_month, self.n_months)

    def year_ago(self) -> Period:
        return self.shift_years(-1)

    def contains(self, other: Period) -> bool:
        return (
            other.year == self.year
            and other.first_month >= self.first_month
            and other.first_month + other.n_months <= self.first_month + self.n_months
        )

    def enclosing(self) -> list[Period]:
        """This period and every coarser period that contains it (month → quarter, half, year)."""
        out = [self]
        for n in (3, 6, 12):
            if n > self.n_months:
                first = ((self.first_month - 1) // n) * n + 1
                out.append(Period(self.year, first, n))
        return out

    def __str__(self) -> str:
        return self.code


# Periods are few and asked about constantly by the stream processors: compute once.
@functools.lru_cache(maxsize=65536)
def _code(year: int, first_month: int, n_months: int) -> str:
    return Period(year, first_month, n_months)._code_uncached


@functools.lru_cache(maxsize=65536)
def _days(year: int, first_month: int, n_months: int) -> int:
    return sum(calendar.monthrange(year, m)[1]
               for m in range(first_month, first_month + n_months))


@functools.lru_cache(maxsize=65536)
def parse(code: str) -> Period:
    """Parse a period code; raises ValueError with a reason users can act on."""
    m = _RE.fullmatch(code)
    if not m:
        raise ValueError(
            f"period {quoted(code)} is not one of YYYY, YYYY-H1/H2, YYYY-Q1..Q4, YYYY-MM"
        )
    year = int(m["y"])
    if not 1900 <= year <= 2100:
        raise ValueError(f"period {quoted(code)} has an implausible year")
    if m["h"]:
        return Period(year, 1 if m["h"] == "H1" else 7, 6)
    if m["q"]:
        return Period(year, (int(m["q"][1]) - 1) * 3 + 1, 3)
    if m["m"]:
        return Period(year, int(m["m"]), 1)
    return Period(year, 1, 12)
