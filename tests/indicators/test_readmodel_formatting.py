"""Swedish number formatting, safe HTML building and the SVG charts. Pure, no database."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import partial

from markupsafe import Markup

from samstat_kit.present.charts import Line, bar_chart, lines_chart, nice_ticks
from samstat_kit.present.formatting import (
    NBSP,
    change,
    number,
    percent,
    period,
    signed,
    tick,
    value,
)
from samstat_kit.present.markup import tag
from services.indicators.web.pages import LOGIN

safe_next = LOGIN.safe_next  # the indicators service's /login (samstat_kit.web)


def test_swedish_numbers() -> None:
    """What the indicator pages show, through the kit (samstat_kit.present.formatting)."""
    assert number(8563.24, decimals=1) == f"8{NBSP}563,2"
    assert number(5903486) == f"5{NBSP}903{NBSP}486"
    assert number(-1.26, decimals=1) == "−1,3"
    assert number(-0.04, decimals=1) == "0,0"
    assert percent(0.1328) == f"13,3{NBSP}%"
    assert signed(0.3, decimals=1) == "+0,3" and signed(-0.3, decimals=1) == "−0,3"
    assert signed(0.0, decimals=1) == "±0,0"
    assert value(0.1084, "share") == f"10,8{NBSP}%"
    # a change of a share in points; the page's column head names the unit
    assert change(0.1084 - 0.1112, "share", unit_text="none") == "−0,3"
    assert value(10.84, "percent") == f"10,8{NBSP}%"
    assert value(1203.0, "persons", with_unit=False) == f"1{NBSP}203"
    assert change(42 - 38, "persons", unit_text="none") == "+4"
    assert value(None, "persons") == "–" and change(None, "persons") == "–"
    assert tick(0.105, 0.005, "share") == f"10,5{NBSP}%"
    assert tick(0.1, 0.005, "share") == f"10,0{NBSP}%"
    # one wording in tables and text alike (a table said "kv 2 2023" where a mail said
    # "apr–jun 2023"): a quarter or half-year by its months
    assert [period(p).replace(NBSP, " ") for p in
            ("2023", "2023-H1", "2023-Q2", "2023-10")] == \
        ["2023", "jan–jun 2023", "apr–jun 2023", "oktober 2023"]
    assert period("2023-Q2") == f"apr–jun{NBSP}2023" and period("2023-Q2", "en") \
        == f"Apr–Jun{NBSP}2023"
    assert period("2023-10", "en") == f"October{NBSP}2023"


def test_tag_escapes_everything_but_safe_fragments() -> None:
    evil = '"><script>alert(1)</script>'
    out = tag('<a title="{}">{}</a>', evil, tag("<b>{}</b>", evil))
    assert "<script>" not in out
    assert out == ('<a title="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">'
                   '<b>&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</b></a>')
    assert isinstance(out, Markup)


def test_safe_next_stays_on_this_site() -> None:
    assert safe_next("/fye/2480?x=1") == "/fye/2480?x=1"
    for bad in (None, "", "https://evil.example/", "//evil.example", "/\\evil.example",
                "/\t/evil.example", "javascript:alert(1)", "fye/2480"):
        assert safe_next(bad) == "/indicators"


def test_nice_ticks() -> None:
    assert nice_ticks(0, 0.1084) == [0, 0.05, 0.1, 0.15]
    assert nice_ticks(32, 67) == [30, 40, 50, 60, 70]
    assert nice_ticks(5, 5)[0] <= 5 <= nice_ticks(5, 5)[-1]


def test_line_chart_is_valid_svg_with_gaps_and_legend() -> None:
    lines = [Line("Umeå <2480>", {"2021": 0.105, "2022": None, "2023": 0.099},
                  frozenset({"2023"})),
             Line("Riket", {"2021": 0.133, "2022": 0.131, "2023": 0.128})]
    svg = lines_chart(chart_id="t", title="Andel & trend", description="d",
                     categories=["2021", "2022", "2023"], lines=lines,
                     category_label=str, value_label=partial(value, unit="share"))
    root = ET.fromstring(svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("role") == "img"
    # the gap splits Umeå's line: no polyline for it, Riket's is one polyline of three points
    polylines = root.findall(f".//{ns}polyline")
    assert len(polylines) == 1 and len(polylines[0].get("points", "").split()) == 3
    texts = ["".join(t.itertext()) for t in root.iter(f"{ns}text")]  # wrapped: tspans
    assert "Umeå <2480>" in texts and "Riket" in texts  # legend, escaped in the source
    assert "&lt;2480&gt;" in svg
    assert any("preliminärt" in (t or "") for t in texts)  # the hollow-marker legend entry
    empty = lines_chart(chart_id="e", title="x", description="", categories=[], lines=[],
                       category_label=str, value_label=str)
    assert "Inga värden" in empty
    ET.fromstring(empty)
    bars = bar_chart(chart_id="b", title="t", description="d",
                     items=[("Sjukpenning", 10.0, "10"), ("Övrigt", 0.0, "0")])
    assert len(ET.fromstring(bars).findall(f"{ns}rect")) == 2
