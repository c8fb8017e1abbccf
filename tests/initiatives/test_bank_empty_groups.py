"""The experience bank's empty state: "Ännu inte mätbara · 0" over a bare "–" said nothing. An
empty "not yet measurable" column is left out, an empty verdict column says what it means,
a group with nothing measured says so once (not two empty verdicts), in Swedish and English
(both are in the page; the reader's language shows)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from services.initiatives.report.pages import bank_page
from services.initiatives.report.schemas import (
    BankDimension,
    BankEntry,
    BankGroup,
    ExperienceBank,
)


def _entry(number: int, verdict: str) -> BankEntry:
    return BankEntry(plan_year=2024, number=number, title=f"Insats {number}", verdict=verdict,
                     indicators_on_track=1, indicators_off_track=0, impact=3,
                     fye_change_pp=None)


def _page(*groups: BankGroup) -> str:
    bank = ExperienceBank(plan_years=[2024], generated_at=datetime(2026, 1, 1, tzinfo=UTC),
                          dimensions=[BankDimension(dimension="area", label_sv="Område",
                                                    label_en="area", groups=list(groups))],
                          source_errors=[])
    return bank_page(bank).body


def _text(html: str, lang: str) -> str:
    other = "en" if lang == "sv" else "sv"
    html = re.sub(rf'<span class="{other}">.*?</span>', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_no_empty_column_is_a_bare_dash_or_a_zero_to_wait_for() -> None:
    all_measured = BankGroup(key="a", label_sv="Ohälsa", label_en="Ill health",
                             worked=[_entry(1, "on_track")], did_not_work=[],
                             not_measured=[])
    body = _page(all_measured)
    assert "–</li>" not in body
    sv, en = _text(body, "sv"), _text(body, "en")
    assert "Ännu inte mätbara" not in sv and "Not yet measurable" not in en
    assert "Alla som har mätts gick åt rätt håll." in sv
    assert "All those measured moved the wanted way." in en


def test_a_group_with_nothing_measured_says_so_once() -> None:
    waiting = BankGroup(key="b", label_sv="Arbetslöshet", label_en="Unemployment", worked=[],
                        did_not_work=[], not_measured=[_entry(2, "no_data"),
                                                       _entry(3, "no_data")])
    body = _page(waiting)
    sv, en = _text(body, "sv"), _text(body, "en")
    assert "inget av 2 går att mäta ännu" in sv and "none of 2 can be measured yet" in en
    assert "Gick åt rätt håll" not in sv and "Moved the wanted way" not in en
    assert "Ännu inte mätbara · 2" in sv and "Insats 2" in sv
    assert "–</li>" not in body


def test_a_dimension_without_groups_says_why() -> None:
    sv, en = _text(_page(), "sv"), _text(_page(), "en")
    assert "Inga beslutade initiativ ännu." in sv and "No decided initiatives yet." in en
