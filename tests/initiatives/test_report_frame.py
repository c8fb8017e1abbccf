"""The report's frame is a Jinja2 template of the presentation kit: the document around each
page, autoescaped, self-contained (its style inline), with the nav bar and the method footer
where asked."""

from __future__ import annotations

from services.initiatives.report import frame


def test_the_frame_escapes_its_own_values_and_keeps_the_page_body() -> None:
    html = frame.page('Uppföljning <script>alert("x")</script>', "<h1>Rubrik</h1>")
    assert html.startswith('<!DOCTYPE html><html lang="sv" class="lang-sv"><head>'
                           '<meta charset="utf-8">')
    assert "<title>Uppföljning &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</title>" in html
    assert "<script" not in html  # no script at all: the page prints to PDF as it is
    assert "<main><h1>Rubrik</h1></main></body></html>" in html
    assert '<nav class="top">' in html and "Logga ut</span>" in html
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert style.startswith("\n:root {") and "@page { size: A4;" in style
    assert "<footer>" not in html


def test_nav_and_footer_on_demand() -> None:
    bare = frame.page("x", "<p>y</p>", nav=False, footer=True)
    assert '<nav class="top">' not in bare
    body = bare.split("<main>", 1)[1]
    assert body.startswith('<p>y</p><footer><span class="sv"><strong>Så bedöms indikatorerna')
    assert body.endswith("HÅE = full-year equivalents.</span></footer></main></body></html>")


def test_one_language_is_shown_and_the_switch_links_the_other() -> None:
    """Swedish first, English by the switch: every label carries both, the class on <html>
    hides the other language (no gloss in parentheses beside each word)."""
    sv = frame.page("x", frame.bi("Sammanfattning", "summary"),
                    view=frame.View("sv", "/reports/2024?lang=en"))
    assert '<html lang="sv" class="lang-sv">' in sv
    assert '<span class="sv">Sammanfattning</span><span class="en">Summary</span>' in sv
    assert '<a class="switch" href="/reports/2024?lang=en" lang="en">English</a>' in sv
    assert ".lang-sv .en, .lang-en .sv { display: none; }" in sv
    en = frame.page("x", "", view=frame.View("en", "/reports/2024?lang=sv"))
    assert '<html lang="en" class="lang-en">' in en and ">Svenska</a>" in en
    assert 'class="switch"' not in frame.page("x", "")  # the PDF has no switch
    assert frame.bi("<b>", "x") == '<span class="sv">&lt;b&gt;</span><span class="en">x</span>'

