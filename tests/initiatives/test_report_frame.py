"""The report's frame: the presentation kit's layout around each page (autoescaped), both
languages in the document with the reader's shown, and a self-contained document to print."""

from __future__ import annotations

from services.initiatives.report import frame


def _printed(title: str = "x", body: str = "", footer: bool = False) -> str:
    return frame.printable(frame.Page({"sv": title, "en": title}, body, footer), "sv")


def test_the_frame_escapes_its_own_values_and_keeps_the_page_body() -> None:
    html = _printed('Uppföljning <script>alert("x")</script>', "<h1>Rubrik</h1>")
    assert html.startswith("<!doctype html>") and '<html lang="sv">' in html
    assert "&lt;script&gt;alert(" in html and "<script" not in html  # prints as it is
    assert "<h1>Rubrik</h1>" in html
    assert "<footer class=\"method\">" not in html


def test_the_printed_page_carries_the_kits_stylesheet_and_no_header_on_paper() -> None:
    html = _printed(footer=True)
    assert 'href="data:text/css;base64,' in html  # a printed file reaches no /static/
    assert "@page { size: A4;" in html and '<footer class="method">' in html
    assert "Logga ut" not in html  # no one signed in, nothing to sign out of on paper


def test_one_language_is_shown_and_the_switch_links_the_other() -> None:
    """Swedish first, English by the switch: every label carries both, ``<html lang>``
    hides the other language (no gloss in parentheses beside each word)."""
    both = frame.bi("Sammanfattning", "summary")
    assert both == '<span class="sv">Sammanfattning</span><span class="en">Summary</span>'
    assert frame.bi("<b>", "x") == '<span class="sv">&lt;b&gt;</span><span class="en">x</span>'
    css = (frame.Path(frame.__file__).parent / "templates" / "report.css").read_text()
    assert 'html[lang="sv"] .en' in css.replace("'", '"') and \
        'html[lang="en"] .sv' in css.replace("'", '"')
