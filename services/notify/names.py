"""What conveners call things: an alert's title, a measure, a breakdown and its codes, in
Swedish (or English). Computed when shown, never only stored, so alerts written before a
name existed (a data-quality alert's ``dq:agency:measure:dimension`` id) read well too.

Measure titles and code names come from the catalogue
(:func:`samstat_kit.contracts.load_catalogue`, ``schemas/codelists/codes.json``), dimension
names from the agencies' headings (:mod:`samstat_kit.headers`); a code or measure without a
name is shown as words ("work_rehabilitation" -> "work rehabilitation"), never raw.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import NamedTuple

from samstat_kit.contracts import load_catalogue
from samstat_kit.headers import DIMENSION_NAMES
from services.notify.alerts.models import QUALITY_PREFIX

TOTAL = "_T"
GAP_DIMENSION = "source"  # the FYE gap finding: samstat's figure against SCB's (indicators)
Label = tuple[str, str]  # (Swedish, English)

# Within a sentence ("efter målgrupp"): the names the agencies' headings use (one table).
DIMENSIONS: dict[str, Label] = {
    dim: (sv.lower(), en.lower()) for dim, (sv, en) in DIMENSION_NAMES.items()
} | {GAP_DIMENSION: ("källa", "source")}
QUALITY = {"sv": "Totalen och delarna stämmer inte", "en": "Total and parts disagree"}
GAP = {"sv": "Samstats helårsekvivalenter skiljer sig från SCB:s",
       "en": "samstat's full-year equivalents differ from SCB's"}
BY = {"sv": "efter", "en": "by"}


def _pick(label: Label, lang: str) -> str:
    return label[1] if lang == "en" else label[0]


@cache
def _measures() -> Mapping[str, Label]:
    try:
        return {c: (m.title_sv, m.title_en) for c, m in load_catalogue().measures.items()}
    except Exception:  # names are a nicety: without the catalogue, words from the code
        return {}


def _words(code: str) -> str:
    return code.replace("_", " ")


def measure_title(code: str, lang: str) -> str:
    known = _measures().get(code)
    return _pick(known, lang) if known else _words(code)


def dimension_name(dim: str, lang: str) -> str:
    known = DIMENSIONS.get(dim)
    return _pick(known, lang) if known else _words(dim)


def code_label(code: str, lang: str) -> str:
    return load_catalogue().code_name(code, lang)


def breakdown(dimensions: Mapping[str, str], lang: str) -> str:
    """``{"cause": "ill_health", "sex": "K"}`` -> "orsak: ohälsa, kön: kvinnor"."""
    return ", ".join(f"{dimension_name(d, lang)}: {code_label(c, lang)}"
                     for d, c in sorted(dimensions.items()))


class QualityId(NamedTuple):
    """What a data-quality alert's id names (alerts/quality.py)."""

    agency: str | None  # who reported the figures; None in an id stored before 0006
    measure: str
    dimension: str
    others: dict[str, str]  # the breakdown's other dimensions, fixed


@cache
def _units() -> Mapping[str, str]:
    try:
        return {c: m.unit for c, m in load_catalogue().measures.items() if m.unit}
    except Exception:  # a unit is a nicety: without the catalogue, the bare number
        return {}


def quality_unit(indicator: str) -> str | None:
    """The unit of a data-quality alert's figures (its total and the sum of its parts): its
    measure's in the catalogue ("201 personer", as an indicator's row reads); None for any
    other alert (its definition says its unit)."""
    parts = quality_parts(indicator)
    return _units().get(parts.measure) if parts is not None else None


def quality_id(agency: str, measure: str, dim: str, others: Mapping[str, str]) -> str:
    """``dq:<agency>:<measure>:<dimension>[:<k>=<v>,...]``. The agency is part of it because
    two agencies may report the same measure for the same area: each one's finding is its
    own alert (the id is the dedup key's first part), never the other's."""
    fixed = ",".join(f"{k}={v}" for k, v in sorted(others.items()))
    return f"{QUALITY_PREFIX}{agency}:{measure}:{dim}" + (f":{fixed}" if fixed else "")


def quality_parts(indicator: str) -> QualityId | None:
    """The parts of a data-quality alert's id (:func:`quality_id`), else None. Ids stored
    before the agency was part of them (``dq:<measure>:<dimension>[:<k>=<v>,...]``, rewritten
    by migration 0006 but still in digests sent before it) read with ``agency`` None: their
    third part, if any, is the fixed dimensions (it has a "="), never a dimension."""
    if not indicator.startswith(QUALITY_PREFIX):
        return None
    segments = indicator[len(QUALITY_PREFIX):].split(":", 3)
    agency = None
    if len(segments) >= 3 and "=" not in segments[2]:
        agency, *segments = segments
    measure, dim, others = [*segments, "", ""][:3]
    fixed = dict(p.split("=", 1) for p in others.split(",") if "=" in p)
    return QualityId(agency, measure, dim, fixed)


def quality_title(measure: str, dim: str, others: Mapping[str, str], lang: str) -> str:
    """"Totalen och delarna stämmer inte – Personer i behov av samordnat stöd, efter
    målgrupp (kön: totalt)"."""
    if dim == GAP_DIMENSION:
        return GAP["en" if lang == "en" else "sv"]
    lang = "en" if lang == "en" else "sv"
    text = f"{QUALITY[lang]} – {measure_title(measure, lang)}, {BY[lang]} " \
        f"{dimension_name(dim, lang)}"
    return text + (f" ({breakdown(others, lang)})" if others else "")


def alert_title(body: Mapping[str, object] | None, indicator: str, lang: str) -> str:
    """An alert's title: the definition's (indicator alerts), a data-quality alert's from
    the measure and breakdown it names, else the indicator's id as the last resort."""
    parts = quality_parts(indicator)
    if parts is not None:
        return quality_title(parts.measure, parts.dimension, parts.others, lang)
    body = body or {}
    text = (body.get("title_en") if lang == "en" else None) or body.get("title_sv")
    return str(text) if text else indicator
