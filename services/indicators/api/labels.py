"""Words for units and benefits, Swedish with the English in parentheses: the pages'
(``web/``) and the spreadsheet exports' (``spreadsheets``). Numbers and periods are
formatted by :mod:`samstat_kit.present.formatting`.
"""

from __future__ import annotations

from samstat_kit.present.formatting import SHARE_UNITS

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
# The read model holds no titles; these are the indicators samstat defines itself.
TITLES = {"fye_share": "Helårsekvivalenter, andel av befolkningen 20–64 år "
                       "(full-year equivalents, share of the population aged 20–64)"}


def unit_label(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


def change_unit_label(unit: str) -> str:
    """What a change is counted in: percentage points for shares, else the unit itself."""
    return "procentenheter (percentage points)" if unit in SHARE_UNITS else unit_label(unit)


def in_language(label: str, lang: str) -> str:
    """"personer (persons)" -> "personer" (sv) or "persons" (en)."""
    sv, _, en = label.partition(" (")
    return en.removesuffix(")") if lang == "en" and en else sv
