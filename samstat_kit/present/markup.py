"""Hand-built HTML and SVG fragments, escaped by markupsafe (Jinja2's own escaping).

For the few places where a template would be clumsier than a line of code (an SVG chart, a
table cell)::

    tag('<a href="/indicators/{}">{}</a>', ident, title)   # every argument escaped

The format string is written in the code; every argument is escaped unless it is already
:class:`~markupsafe.Markup` (the output of another :func:`tag`, or a template), so no value
from a request or the database reaches the page unescaped.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup


def tag(template: str, *args: object, **kwargs: object) -> Markup:
    """``template.format(...)`` with every argument escaped (Markup arguments pass as they
    are)."""
    return Markup(template).format(*args, **kwargs)


def join(parts: Iterable[str], sep: str = "") -> Markup:
    """The parts, escaped unless Markup, joined by ``sep`` (escaped too)."""
    return Markup.escape(sep).join(parts)
