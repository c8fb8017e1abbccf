"""The report's frame is a Jinja2 template of the presentation kit: the document around each
page, autoescaped, self-contained (its style inline), with the nav bar and the method footer
where asked."""

from __future__ import annotations

from services.initiatives.report import frame


def test_the_frame_escapes_its_own_values_and_keeps_the_page_body() -> None:
    html = frame.page('Uppföljning <script>alert("x")</script>', "<h1>Rubrik</h1>")
    assert html.startswith('<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">')
    assert "<title>Uppföljning &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</title>" in html
    assert "<script" not in html  # no script at all: the page prints to PDF as it is
    assert "<main><h1>Rubrik</h1></main></body></html>" in html
    assert '<nav class="top">' in html and "Logga ut (sign out)" in html
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert style.startswith("\n:root {") and "@page { size: A4;" in style
    assert "<footer>" not in html


def test_nav_and_footer_on_demand() -> None:
    bare = frame.page("x", "<p>y</p>", nav=False, footer=True)
    assert '<nav class="top">' not in bare
    body = bare.split("<main>", 1)[1]
    assert body.startswith("<p>y</p><footer><strong>Så bedöms indikatorerna</strong>")
    assert body.endswith("HÅE = full-year equivalents.)</span></footer></main></body></html>")
