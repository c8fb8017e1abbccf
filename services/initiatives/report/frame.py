"""The frame of the report's HTML pages and the builders' helpers.

A page (:class:`Page`: its title in both languages and its body) wears the presentation
kit's layout, as every other service's page does: ``templates/page.html`` extends the kit's
``base.html`` (its header naming the reader, the services bar, the sign-out form and the
language switch, its stylesheet); ``report.css`` adds only what the report's own blocks need
and its print style. :func:`render` answers a request with it; :func:`printable` is the same
page as a self-contained document for Chromium to print to PDF (the kit's stylesheet inside
it, since a printed file reaches no ``/static/``; the header is not printed).

The helpers: escaping (:func:`e`), bilingual labels, verdict badges, Stockholm time.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from samstat_kit import present
from samstat_kit.present import account, formatting, nav
from samstat_kit.web import Reader, csp_nonce
from services.initiatives.report import labels

KIT_CSS = Path(present.__file__).parent / "static" / "present.css"
PAGES = present.Presenter(Path(__file__).parent / "templates")
# The page's own policy, stricter than the kit's default (the report runs no script at all);
# styles from this origin (the kit's stylesheet) and the page's own <style> (report.css),
# which carries the request's nonce.
POLICY = ("default-src 'none'; style-src 'self' 'nonce-{nonce}'; img-src data:; "
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def bi(sv: str, en: str) -> str:
    """A label in both languages; the page shows the reader's (``report.css`` hides the
    other by ``<html lang>``). Both are in the document so that one rendering serves the
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
class Page:
    """A page of the report: its title per language (``<title>``; the body has its own
    heading in both languages), its body - markup the builders made, every value from data
    escaped by :func:`e` - and whether how the indicators are judged goes under it."""

    titles: Mapping[str, str]
    body: str
    footer: bool = False


def verdict(v: str, *, badge: bool = True) -> str:
    sv, en = labels.label(labels.VERDICTS, v)
    cls = "badge" if badge else "v"
    return f'<span class="{cls} v-{e(v)}">{labels.VERDICT_SYMBOLS.get(v, "")} {bi(sv, en)}</span>'


def local_time(ts: datetime) -> str:
    """The moment in Swedish time, written in both languages (markup, escaped): the English
    page said "6 december 2026 kl. 01:30"."""
    return pair(e(formatting.datetime(ts, "sv")), e(formatting.datetime(ts, "en")))


def _texts(page: Page) -> dict[str, dict[str, str]]:
    return {lang: {"title": page.titles[lang]} for lang in present.LANGUAGES}


def render(request: Request, page: Page, reader: Reader, status: int = 200) -> HTMLResponse:
    """``page`` for ``reader`` in the kit's layout; the kit keeps a language asked for by
    ``?lang=``. In the services bar every page here is the follow-up's (the experience bank
    and an error page too: the bar marks the current page by its path)."""
    lang = present.language(request)
    headers = {**present.PRIVATE, "Content-Security-Policy": POLICY.format(
        nonce=csp_nonce(request))}
    return PAGES.render(request, "page.html", texts=_texts(page), status=status,
                        headers=headers, body=Markup(page.body), footer=page.footer,
                        **account.header(request, reader),
                        services_nav=nav.links("/reports", lang))


def printable(page: Page, lang: str) -> str:
    """``page`` as one self-contained document in ``lang``, for Chromium to print: the kit's
    stylesheet inside it (as a ``data:`` URL: the printed file reaches no ``/static/``), no
    one signed in, no services bar and no switch to follow on paper."""
    css = base64.b64encode(KIT_CSS.read_bytes()).decode("ascii")
    return PAGES.string("page.html", lang=lang, texts=_texts(page),
                        title=page.titles[lang], stylesheet=f"data:text/css;base64,{css}",
                        switch_url=f"?lang={present.other_language(lang)}", account=None,
                        logout=None, services_nav=[], body=Markup(page.body),
                        footer=page.footer)
