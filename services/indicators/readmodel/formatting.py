"""Safe HTML fragments and Swedish presentation of numbers, periods and units. Pure, no I/O.

Every piece of HTML the pages and charts produce goes through :func:`tag`: its format string is
written here in the code, and every argument is escaped unless it is already :class:`Safe` (the
output of another :func:`tag`). So no value from a request, the database or the catalogue can
reach the page unescaped, and there is only one way of building markup to review.

Numbers follow Swedish practice (Språkrådet): decimal comma, a (non-breaking) space between
thousands, a real minus sign, a space before the percent sign.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable

from samstat_kit.periods import parse

NBSP = "\u00a0"
MINUS = "\u2212"


class Safe(str):
    """A string that is already HTML (escaped where it had to be)."""

    __slots__ = ()


def esc(value: object) -> Safe:
    """``value`` as HTML text: escaped, quotes included, unless it already is :class:`Safe`."""
    if isinstance(value, Safe):
        return value
    return Safe(html.escape(str(value), quote=True))


def tag(template: str, *args: object, **kwargs: object) -> Safe:
    """``template.format(...)`` with every argument escaped (Safe arguments pass as they are)."""
    return Safe(template.format(*(esc(a) for a in args),
                                **{k: esc(v) for k, v in kwargs.items()}))


def join(parts: Iterable[Safe], sep: str = "") -> Safe:
    return Safe(sep.join(esc(p) for p in parts))


# --------------------------------------------------------------------------- numbers


def number(value: float, decimals: int = 0) -> str:
    """12345.67 -> "12 345,7" (decimals=1), -0.04 -> "0,0"; the space is non-breaking."""
    text = f"{abs(value):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    negative = value < 0 and any(c not in "0," + NBSP for c in text)
    return (MINUS if negative else "") + text


def signed(value: float, decimals: int = 0) -> str:
    """A change: "+0,3", "−1,2", "±0,0"."""
    text = number(value, decimals)
    if text.startswith(MINUS):
        return text
    if all(c in "0," + NBSP for c in text):
        return "±" + text
    return "+" + text


def percent(share: float, decimals: int = 1) -> str:
    """A share (0.1084) as a percentage: "10,8 %"."""
    return number(share * 100, decimals) + NBSP + "%"


def auto(value: float) -> str:
    """A count or measure with as many decimals as it needs: 1 203 / 45,5 / 3,25."""
    if float(value).is_integer():
        return number(value, 0)
    return number(value, 1 if abs(value) >= 10 else 2)


def or_dash(fmt: Callable[[float], str], value: float | None) -> str:
    """Formatted value, or an en dash where there is none."""
    return "–" if value is None else fmt(value)


# --------------------------------------------------------------------------- units


class UnitFormat:
    """How one unit is shown: values, changes, and its Swedish (English) label."""

    def __init__(self, unit: str) -> None:
        self.unit = unit

    @property
    def is_share(self) -> bool:
        return self.unit in ("share", "percent")

    def _as_percent(self, value: float) -> float:
        return value * 100 if self.unit == "share" else value

    def value(self, value: float | None) -> str:
        if value is None:
            return "–"
        if self.is_share:
            return number(self._as_percent(value), 1) + NBSP + "%"
        return auto(value)

    def axis(self, value: float, step: float) -> str:
        """A tick label on the value axis; every tick gets the decimals the step needs."""
        v, st = (self._as_percent(value), self._as_percent(step)) if self.is_share \
            else (value, step)
        decimals = next((d for d in range(4) if abs(round(st, d) - st) < 1e-9), 4)
        return number(v, decimals) + (NBSP + "%" if self.is_share else "")

    def change(self, value: float | None, year_ago: float | None) -> str:
        """Change against a year earlier: percentage points for shares."""
        if value is None or year_ago is None:
            return "–"
        if self.is_share:
            return signed(self._as_percent(value) - self._as_percent(year_ago), 1)
        diff = value - year_ago
        return signed(diff, 0 if float(diff).is_integer() else 1)

    @property
    def change_unit(self) -> str:
        return "procentenheter (percentage points)" if self.is_share else self.label

    @property
    def label(self) -> str:
        return UNIT_LABELS.get(self.unit, self.unit)


UNIT_LABELS = {
    "share": "andel, i procent (share, in percent)",
    "percent": "procent (percent)",
    "persons": "personer (persons)",
    "days": "dagar (days)",
    "months": "månader (months)",
    "fye": "helårsekvivalenter (full-year equivalents)",
    "count": "antal (count)",
    "cases": "ärenden (cases)",
}

# --------------------------------------------------------------------------- periods

MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
GRANULARITY_LABELS = {
    "month": "Månad (month)",
    "quarter": "Kvartal (quarter)",
    "half": "Halvår (half-year)",
    "year": "År (year)",
}


def period_label(code: str) -> str:
    """"2023-10" -> "okt 2023", "2023-Q2" -> "kv 2 2023", "2023-H1" -> "halvår 1 2023"."""
    p = parse(code)
    g = p.granularity
    if g == "month":
        text = f"{MONTHS_SV[p.first_month - 1]} {p.year}"
    elif g == "quarter":
        text = f"kv {(p.first_month - 1) // 3 + 1} {p.year}"
    elif g == "half":
        text = f"halvår {(p.first_month - 1) // 6 + 1} {p.year}"
    else:
        text = str(p.year)
    return text.replace(" ", NBSP)


# --------------------------------------------------------------------------- FYE vocabulary

BENEFIT_LABELS = {
    "sickness": "Sjukpenning och rehabiliteringspenning (sickness benefit)",
    "sickness_activity_compensation":
        "Sjuk- och aktivitetsersättning (sickness and activity compensation)",
    "unemployment": "Arbetslöshetsersättning (unemployment benefit)",
    "labour_market_programme":
        "Aktivitetsstöd och utvecklingsersättning (labour-market programme support)",
    "economic_assistance": "Ekonomiskt bistånd (economic assistance)",
    "establishment": "Etableringsersättning (establishment allowance)",
}
SEX_LABELS = {"K": "Kvinnor (women)", "M": "Män (men)"}
FYE_LABEL = "Helårsekvivalenter (full-year equivalents)"
POPULATION_LABEL = "Befolkning 20–64 år (population aged 20–64)"
SHARE_LABEL = "Andel av befolkningen 20–64 år (share of the population aged 20–64)"
# The read model holds no titles; these are the indicators samstat defines itself.
TITLES = {"fye_share": "Helårsekvivalenter, andel av befolkningen 20–64 år "
                       "(full-year equivalents, share of the population aged 20–64)"}
