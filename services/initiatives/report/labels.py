"""Labels (Swedish with English) for the follow-up pages: areas, statuses, verdicts, units,
partners. Numbers, changes, periods and dates are formatted by
:mod:`samstat_kit.present.formatting` (``1 305``, ``12,5 %``, ``−0,4 p.e.``, ``jan–jun 2024``).
"""

from __future__ import annotations

from samstat_kit.contracts import load_catalogue

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
