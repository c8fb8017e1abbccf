"""The frame of the report's HTML pages: the document around each page (a Jinja2 template of
the presentation kit, ``templates/frame.html``, autoescaped; its style ``report.css``), and
the builders' helpers: escaping (:func:`e`), bilingual labels, verdict badges, Stockholm
time. One self-contained document per page (inline CSS; no script, no external file), so it
prints to PDF unchanged."""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from markupsafe import Markup

from samstat_kit import present
from samstat_kit.present import formatting
from services.initiatives.report import labels

PAGES = present.Presenter(Path(__file__).parent / "templates")


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def bi(sv: str, en: str, *, tag: str = "span") -> str:
    """Swedish text with the English in parentheses, muted."""
    return f'{e(sv)} <{tag} class="en">({e(en)})</{tag}>'


def verdict(v: str, *, badge: bool = True) -> str:
    sv, en = labels.label(labels.VERDICTS, v)
    cls = "badge" if badge else "v"
    return (f'<span class="{cls} v-{e(v)}">{labels.VERDICT_SYMBOLS.get(v, "")} {e(sv)} '
            f'<span class="en">({e(en)})</span></span>')


def local_time(ts: datetime) -> str:
    return formatting.datetime(ts)


def page(title: str, body: str, *, nav: bool = True, footer: bool = False) -> str:
    """The document around ``body`` (the template ``frame.html``; its style is
    ``report.css``); ``footer`` adds how the indicators are judged."""
    # ``body`` is markup the report's builders made, every value from data escaped by e();
    # the frame's own values (the title) are escaped by the template.
    return PAGES.string("frame.html", lang="sv", title=title, body=Markup(body), nav=nav,
                        footer=footer)
