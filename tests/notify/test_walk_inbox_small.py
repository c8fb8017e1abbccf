"""A usability walk through the inbox list, on SQLite and PostgreSQL, as a signed-in person
of a municipality: the area filter lists its areas by name in the reader's language (not in
code order, "Nordmaling, Bjurholm, …"); after acknowledging several alerts the sentence
saying what was done comes before the counts ("0 larm · 0 olästa …"); a data-quality alert's
value is said in its measure's unit like every other row's ("201 personer", not "201")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from samstat_kit.auth.people import Person
from samstat_kit.db import session_factory, session_scope
from services.notify.alerts.models import Alert
from services.notify.inbox.list_view import collation_key
from services.notify.names import quality_id

from .test_inbox_bulk import KOMMUN, named, person, plain_id, signed_in  # noqa: F401
from .test_inbox_listing import add

NBSP = "\u00a0"
# Nordmaling, Bjurholm, Vindeln, Vännäs, Örnsköldsvik: code order is not name order
AREAS = ("2401", "2403", "2404", "2460", "2284")


@pytest.fixture
def alerts(db_url: str) -> Iterator[list[str]]:
    """A firing alert of the person's agency in each of :data:`AREAS`, and a data-quality
    alert (a total of 201 persons) in Vindeln; removed afterwards (the list is the agency's,
    other tests' alerts included)."""
    with session_scope(session_factory(db_url)) as s:
        made = [named(add(s, KOMMUN, area=area, hours=i)).id for i, area in enumerate(AREAS)]
        dq = named(add(s, KOMMUN, area="2404", hours=10, rule="data_quality", initiative=None,
                       indicator=quality_id(KOMMUN, "coordination_need_persons",
                                            "target_group", {})))
        dq.value, dq.expected = 201.0, 198.0
        made.append(dq.id)
    yield made
    with session_scope(session_factory(db_url)) as s:
        s.execute(delete(Alert).where(Alert.id.in_(made)))


def _area_options(html: str) -> list[str]:
    select = html.split('id="f-area"', 1)[1].split("</select>", 1)[0]
    return [unescape(n) for n in re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>',
                                            select)]


def _ours(names: list[str], wanted: set[str]) -> list[str]:
    return [n for n in names if n in wanted]


def test_the_area_filter_lists_areas_by_name_in_the_readers_language(
        db_url: str, person: Person, alerts: list[str]) -> None:  # noqa: F811 (the fixture)
    c: TestClient = signed_in(db_url, person)
    wanted = {"Nordmaling", "Bjurholm", "Vindeln", "Vännäs", "Örnsköldsvik"}
    sv = _area_options(c.get("/inbox").text)
    assert _ours(sv, wanted) == ["Bjurholm", "Nordmaling", "Vindeln", "Vännäs",
                                 "Örnsköldsvik"]  # å ä ö after z
    en = _area_options(c.get("/inbox?lang=en").text)
    assert _ours(en, wanted) == ["Bjurholm", "Nordmaling", "Örnsköldsvik", "Vännäs",
                                 "Vindeln"]  # accents do not count
    assert sv == sorted(sv, key=lambda n: collation_key(n, "sv"))  # the others' too


def test_after_acknowledging_several_the_notice_comes_before_the_counts(
        db_url: str, person: Person) -> None:  # noqa: F811 (the fixture)
    c = signed_in(db_url, person)
    for lang in ("sv", "en"):
        page = c.get(f"/inbox?status=firing&area=nowhere&bulk=done&acknowledged=2&lang={lang}")
        assert page.status_code == 200
        assert 0 < page.text.index('id="bulk-done"') < page.text.index('id="showing"'), lang


def test_a_data_quality_rows_value_has_its_measures_unit(
        db_url: str, person: Person, alerts: list[str]) -> None:  # noqa: F811 (the fixture)
    c = signed_in(db_url, person)
    for lang, word in (("sv", "personer"), ("en", "persons")):
        page = c.get(f"/inbox?area=2404&lang={lang}").text
        row = page.split(f'data-alert="{alerts[-1]}"', 1)[1].split("</tr>", 1)[0]
        value = re.search(r'class="num c-value"[^>]*>([^<]*)<', row)
        assert value and value.group(1) == f"201{NBSP}{word}", (lang, value)
        # an indicator's row as before: its definition's unit (none here: a bare number)
        other = page.split(f'data-alert="{alerts[2]}"', 1)[1].split("</tr>", 1)[0]
        assert re.search(r'class="num c-value"[^>]*>1<', other), lang
