"""Labels (Swedish with English) and Swedish-style numbers for the follow-up pages.

Numbers are written the Swedish way: a non-breaking space between thousands, a decimal comma,
a real minus sign (``−``) and ``%`` after a space: ``1 305``, ``12,5 %``, ``−0,4 p.e.``.
Shares (unit ``share``, 0–1) are shown as per cent, and their changes in percentage points
(*procentenheter*, p.e.).
"""

from __future__ import annotations

import math
from datetime import date

from samstat_kit.contracts import load_catalogue
from samstat_kit.periods import parse

NBSP = "\u00a0"
MINUS = "\u2212"

Label = tuple[str, str]  # (Swedish, English)

AREAS: dict[str, Label] = {
    "ill_health": ("Ohälsa", "ill-health"),
    "unemployment": ("Arbetslöshet", "unemployment"),
    "prevention": ("Förebyggande och förutsättningar för samverkan",
                   "prevention and prerequisites for collaboration"),
}
STATUSES: dict[str, Label] = {
    "not_started": ("Ej påbörjat", "not started"),
    "starting": ("Under start", "starting"),
    "ongoing": ("Pågående", "ongoing"),
    "paused": ("Pausat", "paused"),
    "completed": ("Genomfört", "completed"),
}
PHASES: dict[str, Label] = {
    "not_started": ("Ej påbörjade", "not started"),
    "started": ("Påbörjade", "started"),
    "completed": ("Genomförda", "completed"),
}
PHASE_ONE: dict[str, Label] = {
    "not_started": ("ej påbörjat", "not started"),
    "started": ("påbörjat", "started"),
    "completed": ("genomfört", "completed"),
}
VERDICTS: dict[str, Label] = {
    "on_track": ("På rätt väg", "on track"),
    "off_track": ("Fel riktning", "off track"),
    "no_data": ("Ingen data", "no data"),
    "not_judged": ("Ej bedömbar", "not judged"),
}
VERDICT_SYMBOLS = {"on_track": "✔", "off_track": "✖", "no_data": "–", "not_judged": "?"}
DIRECTIONS: dict[str, Label] = {"rise": ("ska öka", "must rise"),
                                "fall": ("ska minska", "must fall")}
DIFFICULTIES: dict[str, Label] = {"easy": ("lätt", "easy"), "medium": ("medel", "medium"),
                                  "hard": ("svår", "hard")}
DURATIONS: dict[str, Label] = {"short": ("kort tid", "short time"),
                               "long": ("lång tid", "long time")}
UNITS: dict[str, Label] = {
    "persons": ("personer", "persons"), "days": ("dagar", "days"),
    "months": ("månader", "months"), "plans": ("planer", "plans"),
    "share": ("andel", "share"), "percent": ("procent", "per cent"),
    "done": ("klart/ej klart", "done/not done"),
}
# Partner kinds for grouping initiatives by the constellation that carries them out.
PARTNER_KINDS: dict[str, Label] = {
    "arbetsformedlingen": ("AF", "Public Employment Service"),
    "forsakringskassan": ("FK", "Social Insurance Agency"),
    "region-vasterbotten": ("Regionen", "the Region"),
    "kriminalvarden": ("Kriminalvården", "Prison and Probation Service"),
    "samordningsforbundet": ("Samordningsförbundet", "the association"),
    "scb": ("SCB", "Statistics Sweden"),
    "kommun": ("Kommunerna", "the municipalities"),
}
MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
             "september", "oktober", "november", "december")


def both(label: Label) -> str:
    """``Svenska (English)``."""
    return f"{label[0]} ({label[1]})"


def label(table: dict[str, Label], key: str | None) -> Label:
    if key is None:
        return ("ej bedömd", "not assessed")
    return table.get(key, (key, key))


def area_name(code: str) -> str:
    """``Umeå``; the region as ``Umeåregionen`` (its code list name is the association's)."""
    if code == "umearegionen":
        return "Umeåregionen"
    area = load_catalogue().areas.get(code)
    return area.name if area else code


def agency_name(code: str | None) -> str:
    if not code:
        return "–"
    agency = load_catalogue().agencies.get(code)
    return agency.name if agency else code


def partner_kind(agency: str) -> str:
    return "kommun" if agency.startswith("kommun-") else agency


def number(x: float | None, decimals: int = 0, *, sign: bool = False) -> str:
    """``1 305``, ``12,5``, ``−3``; ``–`` for no value."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    rounded = round(x, decimals)
    if rounded == 0:
        rounded = 0.0  # no "−0,0"
    text = f"{abs(rounded):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    if rounded < 0:
        return MINUS + text
    return ("+" + text) if sign and rounded > 0 else text


def _decimals(x: float) -> int:
    return 0 if float(x).is_integer() else (1 if abs(x) >= 10 else 2)


def value(x: float | None, unit: str) -> str:
    """A value in its unit: shares as per cent, counts without decimals."""
    if x is None:
        return "–"
    if unit == "share":
        return f"{number(x * 100, 1)}{NBSP}%"
    if unit == "percent":
        return f"{number(x, 1)}{NBSP}%"
    if unit == "done":
        return "klart (done)" if x >= 1 else "ej klart (not done)"
    return number(x, _decimals(x))


def change(x: float | None, unit: str) -> str:
    """A change in the unit's terms: percentage points for shares and per cent."""
    if x is None:
        return "–"
    if unit == "share":
        pp = x * 100
        return f"{number(pp, 2 if 0 < abs(pp) < 0.1 else 1, sign=True)}{NBSP}p.e."
    if unit == "percent":
        return f"{number(x, 2 if 0 < abs(x) < 0.1 else 1, sign=True)}{NBSP}p.e."
    if unit == "done":
        return number(x, 0, sign=True)
    return number(x, _decimals(x), sign=True)


def relative(x: float | None, base: float | None) -> str:
    """``+12 %`` against ``base``; empty when it means nothing (no base or base 0)."""
    if x is None or not base:
        return ""
    return f"{number(100 * x / abs(base), 0, sign=True)}{NBSP}%"


def period(code: str | None) -> str:
    """``2024``, ``jan–jun 2024`` (a half), ``apr–jun 2024`` (a quarter), ``mars 2024``."""
    if not code:
        return "–"
    try:
        p = parse(code)
    except ValueError:
        return code
    g = p.granularity
    if g == "year":
        return str(p.year)
    if g in ("half", "quarter"):
        last = p.first_month + p.n_months - 2
        return f"{MONTHS_SV[p.first_month - 1][:3]}–{MONTHS_SV[last][:3]} {p.year}"
    return f"{MONTHS_SV[p.first_month - 1]} {p.year}"


def day(d: date | None) -> str:
    if d is None:
        return "–"
    return f"{d.day} {MONTHS_SV[d.month - 1]} {d.year}"
