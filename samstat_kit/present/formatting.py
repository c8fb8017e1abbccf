"""Numbers, percentages, changes and dates as Swedish (or English) readers write them, by Babel.

Swedish practice (Språkrådet, CLDR): decimal comma, a non-breaking space between thousands and
before the percent sign, a real minus sign (U+2212), long dates without a weekday::

    number(12345, "sv")            -> "12 345"
    decimals_for([150.2, -8.59])   -> 1               (one precision for a column or series)
    percent(0.1218, "sv")          -> "12,2 %"        (a share 0..1 shown as per cent)
    points(0.016, "sv")            -> "+1,6 procentenheter"
    date(date(2026, 12, 4), "sv")  -> "4 december 2026"
    period("2024-Q1", "sv")        -> "jan–mar 2024"  (one wording in every channel)
    shown_change(0.1224, 0.1186, "share") -> (0.003, 1)   (12,2 % against 11,9 %: +0,3)
    listing(["Umeå", "Riket"])     -> "Umeå och Riket"

Pure functions, no I/O; ``lang`` is "sv" or "en" (anything else counts as Swedish).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from datetime import UTC
from datetime import date as Date
from datetime import datetime as DateTime
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_month_names
from babel.lists import format_list
from babel.numbers import format_decimal, get_minus_sign_symbol

from samstat_kit.periods import parse

LOCALES = {"sv": "sv_SE", "en": "en_GB"}
NBSP = "\u00a0"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Shares and per cents are the only units shown as percentages; changes of them in points.
SHARE_UNITS = ("share", "percent")
# Whole numbers of things: a chart's value axis has no ticks between them.
COUNT_UNITS = ("persons", "certificates", "plans")
UNIT_WORDS = {
    "sv": {"persons": "personer", "days": "dagar", "months": "månader",
           "fye": "helårsekvivalenter", "count": "st", "cases": "ärenden"},
    "en": {"persons": "persons", "days": "days", "months": "months",
           "fye": "full-year equivalents", "count": "", "cases": "cases"},
}
# One of them: "1 dag", "1 person" ("1 dagar" reads wrong); units not here keep their word.
UNIT_WORD_ONE = {
    "sv": {"persons": "person", "days": "dag", "months": "månad",
           "fye": "helårsekvivalent", "cases": "ärende"},
    "en": {"persons": "person", "days": "day", "months": "month",
           "fye": "full-year equivalent", "cases": "case"},
}
POINTS = {"sv": ("procentenhet", "procentenheter"), "en": ("percentage point",
                                                           "percentage points")}
POINTS_SHORT = {"sv": "p.e.", "en": "pp"}
DONE = {"sv": ("ej klart", "klart"), "en": ("not done", "done")}
# How a change names its unit: "+1,6 procentenheter" / "+1,6 p.e." (tables) / "+1,6" (the
# unit is in the column head).
UnitText = Literal["word", "short", "none"]


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


def file_size(size: int, lang: str = "sv") -> str:
    """A file's size as people say it: 10485760 -> "10 MB", 2621440 -> "2,5 MB", "512 kB",
    "900 byte" (megabytes of 1 024 kB, as a file manager shows them)."""
    for unit, scale in (("MB", 1024 * 1024), ("kB", 1024)):
        if size >= scale:
            return f"{number(size / scale, lang, 0 if size % scale == 0 else 1)}\u00a0{unit}"
    return f"{number(size, lang, 0)}\u00a0{'bytes' if lang == 'en' else 'byte'}"


def decimals_for(values: Iterable[float | None]) -> int:
    """One number of decimals for a whole column or series (use it as ``decimals=``): a
    column of "150,2 / −8,59 / −201" reads as if the figures had different precision. As
    :func:`number` alone would pick, capped by the column's largest value (at most one decimal
    from 10 up, two below), and no more than some value needs: 150,2 / −8,6 / −201,0."""
    finite = [abs(v) for v in values if v is not None and not _bad(v)]
    if not finite:
        return 0
    cap = 1 if max(finite) >= 10 else 2

    def needed(v: float) -> int:
        return next(d for d in range(cap + 1) if abs(round(v, d) - round(v, cap)) < 1e-9)

    return max(needed(v) for v in finite)


def decimals_by(values: Iterable[tuple[Hashable, str | None, float | None]]
                ) -> dict[Hashable, int | None]:
    """One precision per indicator for values shown together (a list of alerts): ``values``
    are (the indicator, its unit, a value); each indicator's decimals are
    :func:`decimals_for` of all its values, for :func:`value`'s ``decimals``. Cards of one
    indicator read "247 dagar" beside "247,9 dagar", as if measured differently. A share's
    precision is its unit's (one decimal of a per cent): None."""
    by: dict[Hashable, list[float | None]] = {}
    units: dict[Hashable, str | None] = {}
    for key, unit, x in values:
        by.setdefault(key, []).append(x)
        units[key] = unit
    return {k: None if units[k] in (*SHARE_UNITS, "done") else decimals_for(xs)
            for k, xs in by.items()}


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


def points(share_change: float | None, lang: str = "sv", decimals: int = 1, *,
           short: bool = False) -> str:
    """A change of a share (0.016) in percentage points: "+1,6 procentenheter" ("+1,6 p.e."
    with ``short``)."""
    if share_change is None or _bad(share_change):
        return "–"
    text = signed(share_change * 100, lang, decimals)
    if short:
        return f"{text}{NBSP}{POINTS_SHORT.get(lang, POINTS_SHORT['sv'])}"
    one, many = POINTS.get(lang, POINTS["sv"])
    return f"{text}{NBSP}{one if _one(text) else many}"


def unit_word(unit: str | None, lang: str = "sv", *, one: bool = False) -> str:
    """The unit as readers say it ("dagar"; "dag" for ``one``); unknown codes as they are."""
    if one and (word := UNIT_WORD_ONE.get(lang, UNIT_WORD_ONE["sv"]).get(unit or "")):
        return word
    return UNIT_WORDS.get(lang, UNIT_WORDS["sv"]).get(unit or "", unit or "")


def _one(text: str) -> bool:
    """Does a formatted number read as exactly one ("1", "+1", "−1")?"""
    return text.lstrip("+−-±") == "1"


def value(x: float | None, unit: str | None, lang: str = "sv", *,
          with_unit: bool = True, decimals: int | None = None) -> str:
    """A value in its unit: shares as "12,2 %", others as "4,5 månader" ("4,5" without
    ``with_unit``, where a column head names the unit); a done/not-done measure in words.
    ``decimals`` (for counts, days, months…: :func:`decimals_for` of the column) keeps a
    column's figures at one precision; shares always have one decimal."""
    if x is None or _bad(x):
        return "–"
    if unit == "share":
        return percent(x, lang)
    if unit == "percent":
        return number(x, lang, 1) + NBSP + "%"
    if unit == "done":
        return DONE.get(lang, DONE["sv"])[x >= 1]
    text = number(x, lang, decimals)
    word = unit_word(unit, lang, one=_one(text)) if with_unit else ""
    return text + (NBSP + word if word else "")


def change(delta: float | None, unit: str | None, lang: str = "sv", *,
           unit_text: UnitText = "word", decimals: int | None = None) -> str:
    """A difference in the unit's terms: "+1,6 procentenheter" for shares, "+3 personer".

    A change of a share below a tenth of a point gets two decimals, so a real change never
    reads as "±0,0"; ``decimals`` (:func:`shown_change`'s, beside the values as shown)
    overrides that."""
    if delta is None or _bad(delta):
        return "–"
    if unit in SHARE_UNITS:
        pp = delta * 100 if unit == "share" else delta
        if decimals is None:
            decimals = 2 if 0 < abs(pp) < 0.05 else 1
        if unit_text == "none":
            return signed(pp, lang, decimals)
        return points(pp / 100, lang, decimals, short=unit_text == "short")
    text = signed(delta, lang, decimals)
    word = unit_word(unit, lang, one=_one(text)) \
        if unit_text == "word" and unit != "done" else ""
    return text + (NBSP + word if word else "")


def shown(x: float | None, unit: str | None, decimals: int | None = None) -> float | None:
    """``x`` as :func:`value` writes it (with the same ``decimals``), as a number in the
    unit's own terms: a share 0.12237 is written "12,2 %", so 0.122."""
    if x is None or _bad(x):
        return None
    if unit == "share":
        return round(x * 100, 1) / 100
    if unit == "percent":
        return round(x, 1)
    if unit == "done":
        return 1.0 if x >= 1 else 0.0
    return round(x, decimals if decimals is not None else 1 if abs(x) >= 10 else 2)


def shown_change(now: float | None, before: float | None, unit: str | None,
                 decimals: int | None = None) -> tuple[float | None, int | None]:
    """A change written beside its two values, worked out from the values as the reader sees
    them: (the difference of :func:`shown` values, the decimals to write it with; both for
    :func:`change` and :func:`relative`). From the unrounded values a reader saw "12 → 13"
    beside "+0,4", or "12,2 % → 11,9 %" beside "−0,4 p.e."; at the values' own precision
    the change always agrees with them ("±0,0" when they read the same)."""
    a, b = shown(now, unit, decimals), shown(before, unit, decimals)
    if a is None or b is None:
        return None, decimals
    if unit in SHARE_UNITS:  # in points, at the one decimal a share is written with
        return round(a - b, 3 if unit == "share" else 1), 1
    if decimals is None:  # each value at its own precision: the finer of the two
        decimals = max(_places(a), _places(b))
    return round(a - b, decimals), decimals


def _places(x: float) -> int:
    """How many decimals :func:`number` writes ``x`` with when left to choose."""
    return next(d for d in range(3) if abs(round(x, d) - x) < 1e-9)


def relative(delta: float | None, base: float | None, lang: str = "sv") -> str:
    """A change as per cent of its base: "+12 %"; empty where that means nothing (no base,
    or a base of zero)."""
    if delta is None or _bad(delta) or not base or _bad(base):
        return ""
    return signed(100 * delta / abs(base), lang, 0) + NBSP + "%"


def tick(v: float, step: float, unit: str | None, lang: str = "sv") -> str:
    """A label on a chart's value axis: every tick gets the decimals its step needs."""
    scale = 100 if unit == "share" else 1
    st = step * scale
    decimals = next((d for d in range(4) if abs(round(st, d) - st) < 1e-9), 4)
    text = number(v * scale, lang, decimals)
    return text + (NBSP + "%" if unit in SHARE_UNITS else "")


def month_name(month: int, lang: str = "sv", *, short: bool = False) -> str:
    """"mars" / "March"; ``short`` gives the three-letter form of tables: "okt", "Oct"."""
    name = str(get_month_names("wide", "stand-alone", locale=locale(lang))[month])
    return name[:3] if short else name


def period(code: str | None, lang: str = "sv") -> str:
    """A period code as people read it, in every channel alike (inbox, alert page, e-mails,
    digests, indicator pages, the report): "2024", "mars 2024", and a quarter or half-year as
    its months, "jan–mar 2024", "jul–dec 2024" ("March 2024", "Jan–Mar 2024"). Unknown codes
    pass as they are; machine formats (APIs, exports) keep the codes themselves.

    Why the months rather than "kv 1 2024", "1:a kvartalet 2024" or "halvår 2 2024": Swedish
    statistics write a quarter so too (SCB's "januari–mars 2024"); the months need no
    convention (a reader need not know that "kv 1" is a calendar quarter, nor where "halvår
    2" starts, and Swedish regions also count in tertials); and one wording fits a sentence
    ("Värdet för jan–mar 2024 är …") as well as a table row or a chart's axis, barely longer
    than "kv 1 2024". A month keeps its whole name: "maj 2024" reads the same everywhere."""
    if not code:
        return "–"
    try:
        p = parse(code)
    except ValueError:
        return code
    if p.granularity == "year":
        return str(p.year)
    if p.granularity == "month":
        return f"{month_name(p.first_month, lang)}{NBSP}{p.year}"
    last = p.first_month + p.n_months - 1
    return (f"{month_name(p.first_month, lang, short=True)}–"
            f"{month_name(last, lang, short=True)}{NBSP}{p.year}")


def date(d: Date | DateTime | None, lang: str = "sv") -> str:
    """4 december 2026 (sv) / 4 December 2026 (en); datetimes in Swedish time."""
    if d is None:
        return "–"
    if isinstance(d, DateTime):
        d = _swedish(d).date()
    return format_date(d, format="long" if lang == "sv" else "d MMMM y", locale=locale(lang))


def _swedish(ts: DateTime) -> DateTime:
    """``ts`` in Swedish time. A naive one is UTC, as samstat stores every instant (SQLite
    gives them back without their zone): shown as it was, a receipt said 22:22 beside a
    report's 23:22 for the same moment."""
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(STOCKHOLM)


def datetime(ts: DateTime | None, lang: str = "sv") -> str:
    """4 december 2026 kl. 07:15 (sv) / 4 December 2026, 07:15 (en), in Swedish time."""
    if ts is None:
        return "–"
    local = _swedish(ts)
    pattern = "d MMMM y 'kl.' HH:mm" if lang == "sv" else "d MMMM y, HH:mm"
    return format_datetime(local, format=pattern, locale=locale(lang))


def listing(items: Iterable[str], lang: str = "sv") -> str:
    """Names in running text: "Umeå, Vännäs och Riket" / "Umeå, Vännäs and Sweden" (a bare
    comma list read as if one name were missing)."""
    words = list(items)
    return format_list(words, locale=locale(lang)) if words else ""
