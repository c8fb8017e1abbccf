"""The frame of the report's HTML pages: the document around each page (a Jinja2 template of
the presentation kit, ``templates/frame.html``, autoescaped; its style ``report.css``), and
the builders' helpers: escaping (:func:`e`), bilingual labels, verdict badges, Stockholm
time. One self-contained document per page (inline CSS; no script, no external file), so it
prints to PDF unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from markupsafe import Markup

from samstat_kit import present
from samstat_kit.present import formatting
from samstat_kit.present.nav import NavLink
from services.initiatives.report import labels

PAGES = present.Presenter(Path(__file__).parent / "templates")


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def bi(sv: str, en: str) -> str:
    """A label in both languages; the page shows the reader's (``frame.html`` hides the other
    by the class on ``<html>``). Both are in the document so that one rendering serves the
    PDF, the page and its switch, and no label is translated in two places."""
    if sv[:1].isupper() and en[:1].islower():  # the English was written as a gloss
        en = en[0].upper() + en[1:]
    return pair(e(sv), e(en))


def pair(sv: str, en: str) -> str:
    """:func:`bi` for markup already escaped (a sentence with a number in bold)."""
    return f'<span class="sv">{sv}</span><span class="en">{en}</span>'


def wide(table: str) -> str:
    """A table of many columns in its own scroll box: on a phone it scrolls sideways at a
    width its columns can be read in (``report.css``), the page does not."""
    return f'<div class="scroll">{table}</div>'


@dataclass(frozen=True)
class View:
    """The reader's language and the address of the same page in the other language."""

    lang: str = "sv"
    switch: str | None = None  # None: no switch (the PDF)
    csrf: str = ""  # the sign-out form's hidden CSRF field (samstat_kit.web.csrf_input)
    services: tuple[NavLink, ...] = ()  # the bar linking samstat's services (not printed)


SWEDISH = View()


def verdict(v: str, *, badge: bool = True) -> str:
    sv, en = labels.label(labels.VERDICTS, v)
    cls = "badge" if badge else "v"
    return f'<span class="{cls} v-{e(v)}">{labels.VERDICT_SYMBOLS.get(v, "")} {bi(sv, en)}</span>'


def local_time(ts: datetime) -> str:
    """The moment in Swedish time, written in both languages (markup, escaped): the English
    page said "6 december 2026 kl. 01:30"."""
    return pair(e(formatting.datetime(ts, "sv")), e(formatting.datetime(ts, "en")))


def page(title: str, body: str, *, view: View = SWEDISH, nav: bool = True,
         footer: bool = False) -> str:
    """The document around ``body`` (the template ``frame.html``; its style is
    ``report.css``) in ``view``'s language; ``footer`` adds how the indicators are judged."""
    # ``body`` is markup the report's builders made, every value from data escaped by e();
    # the frame's own values (the title) are escaped by the template.
    return PAGES.string("frame.html", lang=view.lang, switch=view.switch, title=title,
                        body=Markup(body), nav=nav, footer=footer, csrf=Markup(view.csrf),
                        services_nav=view.services)
