"""What an initiative's measured change is worth: people and public cost. Pure.

For each indicator the unit costs (``unit_costs.yaml`` beside this module) name, the change
against a year earlier in the direction the plan wants, summed over the municipalities, is
people; a
person is ``fye_per_person`` full-year equivalents in a benefit system at that system's cost
per full-year equivalent. Young people also get the lifetime cost of never entering work as
an upper bound. Every figure carries the assumptions it rests on, in Swedish and English.

The figures add up as the report writes them: the change is the municipalities' changes as
written (:mod:`.build`), a line's people are whole people as written ("+1", not 0,6 of a
person behind it), its full-year equivalents and cost follow from them, and the totals add
the lines as written (:func:`shown_sek`: "1,1 mnkr" twice is "2,2 mnkr", not 2,3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from samstat_kit.present import formatting
from samstat_kit.present.formatting import NBSP

UNIT_COSTS = Path(__file__).resolve().parent / "unit_costs.yaml"


class WorthLine(BaseModel):
    indicator: str
    people: float = Field(description="Change in the wanted direction, persons (negative: "
                                      "the wrong way)")
    benefit: str
    fye: float = Field(description="people x fye_per_person")
    sek_per_fye: float
    annual_sek: float
    lifetime_sek_max: float | None = None
    assumption_sv: str
    assumption_en: str


class Worth(BaseModel):
    currency: str
    price_year: int
    people: float | None = Field(description="Sum over the translated indicators; null when "
                                             "none of the initiative's indicators counts people")
    annual_sek: float | None
    lifetime_sek_max: float | None
    lines: list[WorthLine]
    untranslated: list[str] = Field(description="Indicators with a value that no unit cost "
                                                "translates (shares, days, milestones)")


MILLION = 1e6  # from here up an amount is written in millions with one decimal ("1,1 mnkr")


def shown_sek(x: float) -> float:
    """An amount as the report writes it: in millions to a tenth from a million up, else in
    whole kronor. Rounded as the report rounds it (``x / MILLION`` to a tenth, html._sek):
    ``round(x, -5)`` took 1 050 000 half to even, to 1,0, where the line reads "1,1 mnkr"."""
    if abs(x) >= MILLION:
        return float(round(round(x / MILLION, 1) * MILLION))
    return float(round(x))


def shown_people(x: float) -> float:
    """People as the report writes them: whole people."""
    return float(round(x))


@lru_cache(maxsize=4)
def load_unit_costs(path: Path = UNIT_COSTS) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def _sek(x: float, lang: str = "sv") -> str:
    """A unit price as the report's other amounts are written (Babel): "230 000" with a
    non-breaking space in Swedish (an ASCII space let "230" and "000 kr" fall on two lines),
    "230,000" in English (it read "SEK 230 000")."""
    return formatting.number(x, lang, decimals=0)


def line(indicator: str, people: float, spec: Mapping[str, Any], costs: Mapping[str, Any]
         ) -> WorthLine:
    price = costs["per_fye"][spec["benefit"]]
    fye = people * float(spec["fye_per_person"])
    young = costs.get("per_young_person_outside_work") if spec.get("young") else None
    per = formatting.number(float(spec["fye_per_person"]), "sv")  # Swedish decimal comma
    sv = (f"{per} helårsekvivalent per person ({spec.get('why_sv', '')}); "
          f"{_sek(price['sek'])}{NBSP}kr per helårsekvivalent ({price['source_sv']})")
    en = (f"{spec['fye_per_person']:g} full-year equivalent per person "
          f"({spec.get('why_en', '')}); SEK{NBSP}{_sek(price['sek'], 'en')} per full-year "
          f"equivalent ({price['source_en']})")
    if young:
        sv += (f"; högst {_sek(young['sek'])}{NBSP}kr per ung person över livet "
               f"({young['source_sv']})")
        en += f"; at most SEK{NBSP}{_sek(young['sek'], 'en')} per young person over a " \
              f"lifetime ({young['source_en']})"
    return WorthLine(indicator=indicator, people=people, benefit=spec["benefit"], fye=fye,
                     sek_per_fye=float(price["sek"]), annual_sek=fye * float(price["sek"]),
                     lifetime_sek_max=people * float(young["sek"]) if young and people > 0
                     else None, assumption_sv=sv, assumption_en=en)


def worth(changes: Iterable[tuple[str, str | None, float | None]],
          costs: Mapping[str, Any] | None = None) -> Worth:
    """``changes``: (indicator id, wanted direction, summed change) of one initiative."""
    costs = costs or load_unit_costs()
    specs = costs.get("indicators") or {}
    lines, untranslated = [], []
    for code, direction, change in changes:
        if change is None or direction is None:
            continue
        if code not in specs:
            untranslated.append(code)
            continue
        people = shown_people(change if direction == "rise" else -change)
        lines.append(line(code, people, specs[code], costs))
    lifetime = [x.lifetime_sek_max for x in lines if x.lifetime_sek_max is not None]
    return Worth(currency=costs.get("currency", "SEK"), price_year=int(costs["price_year"]),
                 people=sum(x.people for x in lines) if lines else None,
                 annual_sek=sum(shown_sek(x.annual_sek) for x in lines) if lines else None,
                 lifetime_sek_max=sum(lifetime) if lifetime else None, lines=lines,
                 untranslated=untranslated)
