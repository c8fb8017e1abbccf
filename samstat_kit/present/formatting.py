"""Numbers, percentages, changes and dates as Swedish (or English) readers write them, by Babel.

Swedish practice (Språkrådet, CLDR): decimal comma, a non-breaking space between thousands and
before the percent sign, a real minus sign (U+2212), long dates without a weekday::

    number(12345, "sv")            -> "12 345"
    percent(0.1218, "sv")          -> "12,2 %"        (a share 0..1 shown as per cent)
    points(0.016, "sv")            -> "+1,6 procentenheter"
    date(date(2026, 12, 4), "sv")  -> "4 december 2026"

Pure functions, no I/O; ``lang`` is "sv" or "en" (anything else counts as Swedish).
"""

from __future__ import annotations

import math
from datetime import date as Date
from datetime import datetime as DateTime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, get_minus_sign_symbol

LOCALES = {"sv": "sv_SE", "en": "en_GB"}
NBSP = "\u00a0"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Shares and per cents are the only units shown as percentages; changes of them in points.
SHARE_UNITS = ("share", "percent")
UNIT_WORDS = {
    "sv": {"persons": "personer", "days": "dagar", "months": "månader",
           "fye": "helårsekvivalenter", "count": "st", "cases": "ärenden"},
    "en": {"persons": "persons", "days": "days", "months": "months",
           "fye": "full-year equivalents", "count": "", "cases": "cases"},
}
POINTS = {"sv": ("procentenhet", "procentenheter"), "en": ("percentage point",
                                                           "percentage points")}


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["sv"])


def _pattern(decimals: int, signed: bool = False) -> str:
    body = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return f"+{body};-{body}" if signed else body


def _minus(text: str, lang: str) -> str:
    """Babel's explicit patterns write an ASCII hyphen; Swedish wants the minus sign."""
    return text.replace("-", get_minus_sign_symbol(locale(lang)))


def _bad(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def number(value: float | None, lang: str = "sv", decimals: int | None = None) -> str:
    """12345 -> "12 345"; decimals=None picks as many as the value needs (at most 2)."""
    if value is None or _bad(value):
        return "–"
    if decimals is None:  # as many decimals as the value needs: 1 203 / 45,5 / 3,25
        places = 1 if abs(value) >= 10 else 2
        pattern = "#,##0." + "#" * places
    else:
        places, pattern = decimals, _pattern(decimals)
    rounded = round(value, places)
    if rounded == 0:
        rounded = 0.0  # no "−0,0"
    return _minus(format_decimal(rounded, format=pattern, locale=locale(lang)), lang)


def percent(share: float | None, lang: str = "sv", decimals: int = 1) -> str:
    """A share (0.1218) as a percentage: "12,2 %"."""
    if share is None or _bad(share):
        return "–"
    return number(share * 100, lang, decimals) + NBSP + "%"


def signed(value: float | None, lang: str = "sv", decimals: int | None = 1) -> str:
    """A change with its sign: "+1,6", "−0,4", "±0,0"."""
    if value is None or _bad(value):
        return "–"
    text = number(value, lang, decimals)
    if all(c in "0,." for c in text):
        return "±" + text
    return text if text.startswith(get_minus_sign_symbol(locale(lang))) else "+" + text


def points(share_change: float | None, lang: str = "sv", decimals: int = 1) -> str:
    """A change of a share (0.016) in percentage points: "+1,6 procentenheter"."""
    if share_change is None or _bad(share_change):
        return "–"
    one, many = POINTS.get(lang, POINTS["sv"])
    text = signed(share_change * 100, lang, decimals)
    return f"{text}{NBSP}{one if text.lstrip('+−-±') == '1' else many}"


def unit_word(unit: str | None, lang: str = "sv") -> str:
    return UNIT_WORDS.get(lang, UNIT_WORDS["sv"]).get(unit or "", unit or "")


def value(x: float | None, unit: str | None, lang: str = "sv") -> str:
    """A value in its unit: shares as "12,2 %", others as "4,5 månader"."""
    if x is None or _bad(x):
        return "–"
    if unit == "share":
        return percent(x, lang)
    if unit == "percent":
        return number(x, lang, 1) + NBSP + "%"
    word = unit_word(unit, lang)
    return number(x, lang) + (NBSP + word if word else "")


def change(delta: float | None, unit: str | None, lang: str = "sv") -> str:
    """A difference in the unit's terms: "+1,6 procentenheter" for shares, "+3 personer"."""
    if delta is None or _bad(delta):
        return "–"
    if unit == "share":
        return points(delta, lang)
    if unit == "percent":
        return points(delta / 100, lang)
    word = unit_word(unit, lang)
    return signed(delta, lang, None) + (NBSP + word if word else "")


def date(d: Date | DateTime | None, lang: str = "sv") -> str:
    """4 december 2026 (sv) / 4 December 2026 (en); datetimes in Swedish time."""
    if d is None:
        return "–"
    if isinstance(d, DateTime):
        d = (d.astimezone(STOCKHOLM) if d.tzinfo else d).date()
    return format_date(d, format="long" if lang == "sv" else "d MMMM y", locale=locale(lang))


def datetime(ts: DateTime | None, lang: str = "sv") -> str:
    """4 december 2026 kl. 07:15 (sv) / 4 December 2026, 07:15 (en), in Swedish time."""
    if ts is None:
        return "–"
    local = ts.astimezone(STOCKHOLM) if ts.tzinfo else ts
    pattern = "d MMMM y 'kl.' HH:mm" if lang == "sv" else "d MMMM y, HH:mm"
    return format_datetime(local, format=pattern, locale=locale(lang))
