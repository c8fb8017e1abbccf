"""The presentation kit: Swedish numbers and dates by Babel, the chart, the language switch."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from samstat_kit import present
from samstat_kit.present import charts, formatting
from samstat_kit.present.fluid import calendar_step

NBSP = "\u00a0"


def test_swedish_numbers() -> None:
    assert formatting.number(12345) == f"12{NBSP}345"
    assert formatting.number(1234567.25, "sv", 1) == f"1{NBSP}234{NBSP}567,2"
    assert formatting.number(-2.5) == "\u22122,5"
    assert formatting.number(-0.001, "sv", 1) == "0,0"
    assert formatting.number(4.5) == "4,5"
    assert formatting.number(12345, "en") == "12,345"
    assert formatting.number(None) == "–"
    assert formatting.number(float("nan")) == "–"


def test_percent_and_points() -> None:
    assert formatting.percent(0.121795) == f"12,2{NBSP}%"
    assert formatting.percent(0.121795, "en") == f"12.2{NBSP}%"
    assert formatting.points(0.0160739) == f"+1,6{NBSP}procentenheter"
    assert formatting.points(-0.004) == f"\u22120,4{NBSP}procentenheter"
    assert formatting.points(0.016, "en") == f"+1.6{NBSP}percentage points"
    assert formatting.points(0.0) == f"±0,0{NBSP}procentenheter"
    assert formatting.change(0.016, "share") == formatting.points(0.016)
    assert formatting.change(3, "persons") == f"+3{NBSP}personer"
    assert formatting.change(1, "persons") == f"+1{NBSP}person"
    assert formatting.value(1, "days") == f"1{NBSP}dag"
    assert formatting.value(1.0, "months", "en") == f"1{NBSP}month"
    assert formatting.value(1.04, "days") == f"1,04{NBSP}dagar"
    assert formatting.value(1, "count") == f"1{NBSP}st"
    assert formatting.value(0.5, "share") == f"50,0{NBSP}%"
    assert formatting.value(4.25, "months") == f"4,25{NBSP}månader"


def test_dates() -> None:
    assert formatting.date(date(2026, 12, 4)) == "4 december 2026"
    assert formatting.date(date(2026, 12, 4), "en") == "4 December 2026"
    # 23:30 UTC on 31 December is New Year's Day in Stockholm
    assert formatting.date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 januari 2027"
    assert formatting.datetime(datetime(2026, 12, 4, 6, 15, tzinfo=UTC)) == \
        "4 december 2026 kl. 07:15"
    # as SQLite gives an instant back: naive, in UTC (it was shown an hour early)
    assert formatting.datetime(datetime(2026, 12, 4, 6, 15)) == "4 december 2026 kl. 07:15"
    assert formatting.datetime(datetime(2026, 7, 4, 6, 15)) == "4 juli 2026 kl. 08:15"
    assert formatting.date(datetime(2026, 12, 31, 23, 30)) == "1 januari 2027"
    # English has no "kl." and capitalised months (the English report said "kl. 01:30")
    assert formatting.datetime(datetime(2026, 12, 6, 0, 30), "en") == "6 December 2026, 01:30"


def test_names_in_running_text() -> None:
    assert formatting.listing(["Umeåregionen", "Riket"]) == "Umeåregionen och Riket"
    assert formatting.listing(["Umeå", "Vännäs", "Sweden"], "en") == "Umeå, Vännäs and Sweden"
    assert formatting.listing(["Umeå"]) == "Umeå" and formatting.listing([]) == ""


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_numbers_read_back(x: float) -> None:
    text = formatting.number(x, "sv", 2)
    assert "." not in text and "-" not in text
    back = float(text.replace(NBSP, "").replace("\u2212", "-").replace(",", "."))
    assert abs(back - x) <= 0.005 + abs(x) * 1e-12


@given(st.floats(min_value=-1, max_value=1, allow_nan=False))
def test_points_sign_matches(delta: float) -> None:
    text = formatting.points(delta)
    assert text.endswith("procentenheter") or text.endswith("procentenhet")
    if round(delta * 100, 1) > 0:
        assert text.startswith("+")
    elif round(delta * 100, 1) < 0:
        assert text.startswith("\u2212")


def test_a_period_reads_one_way_everywhere() -> None:
    """The inbox said "kv 1 2024" where the e-mail said "jan–mar 2024": every caller gets one
    wording, a quarter and a half-year by its months."""
    said = {"2024": ("2024", "2024"), "2024-03": ("mars 2024", "March 2024"),
            "2024-Q1": ("jan–mar 2024", "Jan–Mar 2024"),
            "2024-Q4": ("okt–dec 2024", "Oct–Dec 2024"),
            "2024-H2": ("jul–dec 2024", "Jul–Dec 2024")}
    for code, (sv, en) in said.items():
        for lang, words in (("sv", sv), ("en", en)):
            assert formatting.period(code, lang).replace(NBSP, " ") == words
    assert formatting.period("2024-Q1") == f"jan–mar{NBSP}2024"  # never split from its year
    assert formatting.period("Q1 2024") == "Q1 2024" and formatting.period(None) == "–"


def _read(text: str) -> float:
    """A number as the page writes it, read back."""
    bare = text.replace("%", "").replace(NBSP, "").replace("±", "").replace("\u2212", "-")
    return float(bare.replace(",", "."))


@given(st.floats(min_value=-5e4, max_value=5e4, allow_nan=False),
       st.floats(min_value=-5e4, max_value=5e4, allow_nan=False),
       st.sampled_from(["persons", "days", "share", "percent"]))
def test_a_change_is_the_difference_of_the_values_as_written(now: float, before: float,
                                                            unit: str) -> None:
    """Beside two values written at one precision, the change is exactly their difference
    as written (from the unrounded values "100,4 → 120,2" read "+19,7")."""
    if unit == "share":
        now, before = now / 5e4, before / 5e4
    places = formatting.decimals_for([now, before])
    written = [formatting.value(v, unit, with_unit=False, decimals=places)
               for v in (now, before)]
    delta, decimals = formatting.shown_change(now, before, unit, places)
    change = formatting.change(delta, unit, unit_text="none", decimals=decimals)
    assert abs(_read(change) - (_read(written[0]) - _read(written[1]))) < 1e-6, (
        written, change)


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
       st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_ticks_cover_the_range(lo: float, span: float) -> None:
    ticks = charts.nice_ticks(lo, lo + span)
    assert ticks[0] <= lo + 1e-9 * max(1, abs(lo)) and ticks[-1] >= lo + span - 1e-6
    assert ticks == sorted(ticks) and 2 <= len(ticks) <= 12


@given(st.integers(min_value=-10_000, max_value=10**6), st.integers(min_value=0,
                                                                     max_value=10**6))
def test_a_count_s_ticks_are_whole_numbers(lo: int, span: int) -> None:
    """Persons come whole: a chart of 54 and 55 persons said 54,25 (a review)."""
    ticks = charts.nice_ticks(lo, lo + span, whole=True)
    assert all(t == int(t) for t in ticks) and ticks[0] <= lo and ticks[-1] >= lo + span
    assert all(b - a >= 1 for a, b in pairwise(ticks)) and 2 <= len(ticks) <= 12


def test_a_chart_of_persons_has_no_fractional_ticks() -> None:
    svg = charts.line_chart([("2023-01", 54.0), ("2023-02", 55.0), ("2023-03", 54.0)],
                            unit="persons", title="Övergångar")
    values = re.compile(r'class="tick" x="0"[^>]*>([^<]*)<')  # the value axis
    assert values.findall(svg) == ["54", "55"]
    share = charts.line_chart([("2023", 0.541), ("2024", 0.552)], unit="share", title="x")
    assert len(values.findall(share)) > 2  # a share keeps its fine steps


@given(st.integers(min_value=1, max_value=60), st.sampled_from([1, 2, 4, 12]))
def test_period_labels_are_a_whole_part_of_a_year_apart(step: int, per_year: int) -> None:
    spaced = calendar_step(step, per_year)
    assert spaced >= step
    assert per_year % spaced == 0 or spaced % per_year == 0 or per_year == 1


def test_a_monthly_chart_labels_the_same_month_each_year() -> None:
    """Every 11th month read "februari 2023 · januari 2024 · december 2024" (a review)."""
    months = [f"{y}-{m:02d}" for y in (2022, 2023, 2024, 2025) for m in range(1, 13)]
    svg = charts.lines_chart(
        chart_id="t", title="t", description="d", categories=months,
        lines=[charts.Line("Umeå", {c: 50.0 + i % 3 for i, c in enumerate(months)})],
        category_label=lambda c: formatting.period(c, "sv"),
        value_label=lambda v: formatting.value(v, "persons", "sv"), whole=True)
    shown = re.findall(r'class="tick(?: wide-only)?"[^>]*text-anchor="middle"[^>]*>([^<]*)<',
                       svg)
    assert shown[-1] == f"december{NBSP}2025" and len(shown) >= 2
    assert {label.split(NBSP)[0] for label in shown} <= {"juni", "december", "mars",
                                                         "september"}
    ticks = re.findall(r'<text x="0" y="[^"]*" fill="[^"]*">([^<]*)<', svg)
    assert ticks and all("," not in t for t in ticks), ticks  # persons: whole numbers


def test_chart_marks_the_point_and_escapes() -> None:
    svg = charts.line_chart([("2024", 0.10), ("2025", 0.11), ("2026<", 0.122)],
                            marked="2026<", unit="share", title="<b>Andel</b>",
                            references=[charts.Reference(0.115, "gräns")])
    assert isinstance(svg, Markup)
    assert 'role="img"' in svg and "<title" in svg and "&lt;b&gt;Andel" in svg
    assert "<b>" not in svg and "2026&lt;" in svg
    assert svg.count('class="marked"') == 1
    assert f"12,2{NBSP}%" in svg  # the marked value, in Swedish
    assert re.search(r"<line class=\"reference\"", svg)


def test_chart_with_gaps_and_nothing() -> None:
    svg = charts.line_chart([("2024", None), ("2025", 3.0)], title="x", unit="persons")
    assert svg.count("<polyline") == 0 and svg.count('class="dot"') == 1
    assert "–" in charts.line_chart([], title="tom")


QUARTERS = [f"kv{NBSP}{q}{NBSP}{y}" for y in (2023, 2024, 2025, 2026) for q in (1, 2, 3, 4)]


def _axis(svg: str) -> list[tuple[float, str, bool]]:
    """The period labels under the plot: (x in per cent, text, shown on a wider screen
    only), from the SVG text."""
    return [(float(x), text, bool(wide)) for wide, x, text in re.findall(
        r'<text class="tick( wide-only)?" x="([\d.]+)%" y="\d+" text-anchor="middle"[^>]*>'
        r"([^<]+)</text>", svg)]


def test_period_labels_never_overlap_at_any_width() -> None:
    """The reviewer's "kv 1 2023kv 2 2023…": labels are thinned so that at the narrowest
    desktop chart (WIDE px) the shown ones are a label's width apart, and on a phone (NARROW
    px) the ones not marked wide-only are; the marked (newest) period is always labelled."""
    for n in (3, 9, 16):
        pts = [(q, 200.0 + i) for i, q in enumerate(QUARTERS[:n])]
        svg = charts.line_chart(pts, title="t", marked=QUARTERS[n - 1], unit="days")
        axis = _axis(svg)
        assert QUARTERS[n - 1] in [t for _, t, wide in axis if not wide]
        width = charts.text_px(QUARTERS[0], 12)
        for px, shown in ((charts.WIDE, axis), (charts.NARROW, [a for a in axis if not a[2]])):
            gaps = [(b[0] - a[0]) / 100 * px for a, b in pairwise(shown)]
            assert all(g >= width for g in gaps), (n, px, gaps)
        if n == 3:
            assert len(axis) == 3  # room for all on a wider screen


def test_chart_fits_its_box_with_the_newest_point_inside() -> None:
    """No fixed width to scroll sideways: the chart is 100 % of its box and every x is a
    per cent of that, the marked point's too (it is inside the plot)."""
    pts = [(q, 200.0 + i) for i, q in enumerate(QUARTERS[:9])]
    svg = charts.line_chart(pts, title="t", marked=QUARTERS[8], unit="days")
    assert 'width="100%"' in svg and "viewBox=\"0 0 640" not in svg
    cx = float(re.search(r'<circle class="marked" cx="([\d.]+)%"', svg).group(1))  # type: ignore[union-attr]
    assert 80 < cx < 100
    assert charts.spaced(10, 3, keep=[5]) == [2, 5, 9]  # the marked one, then from the end


def test_texts_complete() -> None:
    assert present.check_texts(present.BASE_TEXTS) == {}
    assert present.check_texts({"sv": {"a": "1", "b": "2"}, "en": {"a": "1"}}) == {"en": {"b"}}


def test_page_language_switch_and_escape(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '{% extends "base.html" %}{% block main %}<p id="v">{{ x|percent }}</p>'
        '<p id="n">{{ name }}</p>{% endblock %}')
    pages = present.Presenter(tmp_path)
    app = FastAPI()
    present.install(app)

    @app.get("/p")
    def page(request: Request):  # type: ignore[no-untyped-def]
        return pages.render(request, "page.html", texts={"sv": {"title": "Sida"},
                                                         "en": {"title": "Page"}},
                            x=0.1218, name="<script>x</script>")

    client = TestClient(app)
    sv = client.get("/p?a=1")
    assert sv.status_code == 200 and '<html lang="sv">' in sv.text
    assert f"12,2{NBSP}%" in sv.text and "<h1>Sida</h1>" in sv.text
    assert "&lt;script&gt;" in sv.text and "<script>" not in sv.text
    assert 'href="/p?a=1&amp;lang=en"' in sv.text
    en = client.get("/p?lang=en")
    assert '<html lang="en">' in en.text and f"12.2{NBSP}%" in en.text
    assert en.cookies.get(present.LANG_COOKIE) == "en"
    again = client.get("/p")  # the cookie remembers the choice
    assert "<h1>Page</h1>" in again.text
    css = client.get("/static/samstat/present.css")
    assert css.status_code == 200 and "svg.chart" in css.text
