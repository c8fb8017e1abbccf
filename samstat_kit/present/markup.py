"""Hand-built HTML and SVG fragments, escaped by markupsafe (Jinja2's own escaping).

For the few places where a template would be clumsier than a line of code (an SVG chart, a
table cell)::

    tag('<a href="/indicators/{}">{}</a>', ident, title)   # every argument escaped

The format string is written in the code; every argument is escaped unless it is already
:class:`~markupsafe.Markup` (the output of another :func:`tag`, or a template), so no value
from a request or the database reaches the page unescaped. Escaped is not enough for what
the request's address names: :func:`echoed` says whether a page may repeat it at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup


def tag(template: str, *args: object, **kwargs: object) -> Markup:
    """``template.format(...)`` with every argument escaped (Markup arguments pass as they
    are)."""
    return Markup(template).format(*args, **kwargs)


def join(parts: Iterable[str], sep: str = "") -> Markup:
    """The parts, escaped unless Markup, joined by ``sep`` (escaped too)."""
    return Markup.escape(sep).join(parts)


# A code or an id as samstat writes them (an area "2480", an alert's UUID): nothing a
# sentence can be written with, no space and no punctuation but "-", "_" and ".".
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


def echoed(value: str | None) -> str | None:
    """``value`` (from the request's address) when a page may repeat it - it has the shape
    of a code or an id - else None, and the page says what was not found without it. A page
    repeated any text a link carried, under samstat's name: "Alert - your account is locked,
    call 08-123 45 67 - does not exist" (a red team)."""
    return value if value is not None and _CODE.fullmatch(value) else None
