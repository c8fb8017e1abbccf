"""The SVG charts of every samstat page, in one module: lines over periods (one series with a
marked point; several series with a legend and provisional points; several series on a time
axis with a shaded band and a target), and horizontal bars.

Why not a charting library: matplotlib needs NumPy and renders images, Plotly and Bokeh draw
with JavaScript (which the pages do without), pygal is barely maintained. These few functions
give what a library would not by default: Swedish numbers, colours and dash patterns that stay
distinguishable for colour-blind readers and in black-and-white print (the Okabe–Ito palette;
each series also has its own dash and marker shape), hollow markers for provisional figures, a
``<title>`` and ``<desc>`` for screen readers, and the same picture in a browser and a PDF.

::

    svg = line_chart([("2025", 0.105), ("2026", 0.122)], marked="2026", unit="share",
                     lang="sv", title="Andel i arbete, Eskilstuna")
    # a Markup <svg role="img"> with <title>, axis labels, a marked point and its label

Every text that goes into the SVG (title, period codes, labels) is escaped by
:meth:`markupsafe.Markup.format`, so values from the database or a request cannot inject
markup. Values are formatted by :mod:`samstat_kit.present.formatting` (Swedish numbers).
Missing values (None) break the line. Pure, no I/O.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import count

from markupsafe import Markup

from samstat_kit.periods import parse
from samstat_kit.present import formatting
from samstat_kit.present.fluid import (
    NARROW,
    WIDE,
    Frame,
    fluid_head,
    nice_ticks,
    runs,
    spaced,
    text_px,
)
from samstat_kit.present.fluid import (
    x_labels as period_labels,
)
from samstat_kit.present.markup import join, tag

__all__ = ["NARROW", "WIDE", "Line", "Reference", "bar_chart", "colour", "line_chart",
           "lines_chart", "nice_ticks", "spaced", "text_px", "time_chart"]

Point = tuple[str, float | None]
_ids = count(1)


@dataclass(frozen=True)
class Reference:
    """A horizontal line across the chart: a target, a threshold, a control limit."""

    value: float
    label: str


def line_chart(points: Sequence[Point], *, title: str, marked: str | None = None,
               unit: str | None = None, lang: str = "sv",
               references: Sequence[Reference] = (), height: int = 240) -> Markup:
    """An accessible ``<svg role="img">``: ``title`` is its name (``<title>``), the periods
    run along the x axis (as many labels as fit, always the marked or else the newest), the
    marked period gets a ring and its value written beside it."""
    uid = f"chart{next(_ids)}"
    values = [v for _, v in points if v is not None and math.isfinite(v)]
    values += [r.value for r in references]
    described = ", ".join(f"{p}: {formatting.value(v, unit, lang)}" for p, v in points)
    out = [fluid_head(uid, title, described, height)]
    if not values:
        out.append(tag('<text x="50%" y="{}" class="chart-empty">–</text></svg>', height // 2))
        return join(out)
    ticks = nice_ticks(min(values), max(values), whole=unit in formatting.COUNT_UNITS)
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    tick_labels = [formatting.tick(t, step, unit, lang) for t in ticks]
    periods = [p for p, _ in points]
    frame = Frame.fit(len(points), tick_labels, periods, 12)
    top, bottom = 20, 34
    at = [i for i, p in enumerate(periods) if p == marked]

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - lo) / (hi - lo or 1))

    for t, label in zip(ticks, tick_labels, strict=True):  # on its grid line, at the left
        out.append(tag('<line class="grid" x1="0" x2="{:.2f}%" y1="{y:.1f}" y2="{y:.1f}"/>'
                       '<text class="tick" x="0" y="{:.1f}">{}</text>', 100 - frame.right,
                       y(t) - 4, label, y=y(t)))
    out += period_labels(frame, periods, height - bottom + 20, 12, keep=at,
                         per_year=per_year(periods))
    for ref in references:
        out.append(tag('<line class="reference" x1="{:.2f}%" x2="{r:.2f}%" y1="{y:.1f}" '
                       'y2="{y:.1f}"/><text class="reference-label" x="{r:.2f}%" y="{:.1f}" '
                       'text-anchor="end">{}</text>', frame.left, y(ref.value) - 5, ref.label,
                       r=100 - frame.right, y=y(ref.value)))
    coords = [(frame.x(i), y(v)) if v is not None and math.isfinite(v) else None
              for i, (_, v) in enumerate(points)]
    out.append(frame.lines(runs(coords), Markup('class="line"'), height))
    for i, c in enumerate(coords):
        if c is None:
            continue
        if i in at:  # its value beside it, on the side towards the middle
            late = i > len(points) / 2
            out.append(tag('<circle class="marked" cx="{x:.2f}%" cy="{y:.1f}" r="7"/>'
                           '<text class="marked-label" x="{x:.2f}%" dx="{}" y="{:.1f}" '
                           'text-anchor="{}">{}</text>', -10 if late else 10, c[1] - 10,
                           "end" if late else "start",
                           formatting.value(points[i][1], unit, lang), x=c[0], y=c[1]))
        else:
            out.append(tag('<circle class="dot" cx="{:.2f}%" cy="{:.1f}" r="3.5"/>', *c))
    out.append(Markup("</svg>"))
    return join(out)


def per_year(codes: Sequence[str]) -> int:
    """How many of these periods make a year (12: months), if they are period codes of one
    granularity; else 1 (labels, or a mix)."""
    try:
        months = {parse(c).n_months for c in codes}
    except ValueError:
        return 1
    return 12 // months.pop() if len(months) == 1 else 1


# --------------------------------------------------------------------------- several series

# Okabe–Ito: safe for the common colour-vision deficiencies; the dashes and marker shapes
# keep the series apart in black-and-white print too.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#333333")
DASHES = ("", "8 4", "2 4", "10 3 2 3", "4 2")
MARKERS = ("circle", "square", "diamond", "triangle", "circle")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
AXIS, GRID, INK = "#666", "#d0d0d0", "#333"
LEGEND_LINE = 17  # px between the lines of a wrapped legend entry
CHART_WORDS = {
    "sv": {"empty": "Inga värden ännu", "provisional": "preliminär",
           "hollow": "Ofylld punkt: preliminärt värde, alla uppgifter har inte kommit in"},
    "en": {"empty": "No values yet", "provisional": "provisional",
           "hollow": "Hollow point: provisional value, not all inputs are in yet"},
}


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


@dataclass(frozen=True)
class Line:
    """One series: a value (or None, a gap) per period, and which points are provisional."""

    label: str
    values: dict[str, float | None]
    provisional: frozenset[str] = field(default_factory=frozenset)


def _head(chart_id: str, title: str, description: str, width: int, height: int,
          font_size: int = 13) -> Markup:
    return tag('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
               'role="img" aria-labelledby="{id}-t {id}-d" class="chart series" '
               'font-family="{font}" font-size="{fs}">'
               '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>',
               w=width, h=height, id=chart_id, font=FONT, fs=font_size, title=title,
               desc=description)


def _value_axis(ticks: Sequence[float], y: Callable[[float], float], left: float,
                right: float, label: Callable[[float], str], size: int = 13) -> list[Markup]:
    """Grid lines with their labels left of the plot, the lowest one darker (the base)."""
    out = []
    for i, t in enumerate(ticks):
        out.append(tag('<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{}" stroke-width="1"/>'
                       '<text x="{}" y="{}" text-anchor="end" fill="{}" font-size="{}">{}'
                       '</text>', left, right, AXIS if i == 0 else GRID, left - 6,
                       f"{y(t) + size * 0.3:.1f}", INK, size, label(t), y=f"{y(t):.1f}"))
    return out


def _marker(shape: str, x: float, y: float, colour: str, hollow: bool, tip: str) -> Markup:
    attrs = tag('fill="{}" stroke="{}" stroke-width="2"', "#ffffff" if hollow else colour,
                colour)
    if shape == "square":
        body = tag('<rect x="{:.1f}" y="{:.1f}" width="8" height="8" {}>', x - 4, y - 4, attrs)
        end = "</rect>"
    elif shape in ("diamond", "triangle"):
        pts = (f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y:.1f} {x:.1f},{y + 5.5:.1f} "
               f"{x - 5.5:.1f},{y:.1f}" if shape == "diamond" else
               f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y + 4.5:.1f} {x - 5.5:.1f},{y + 4.5:.1f}")
        body, end = tag('<polygon points="{}" {}>', pts, attrs), "</polygon>"
    else:
        body = tag('<circle cx="{:.1f}" cy="{:.1f}" r="4.5" {}>', x, y, attrs)
        end = "</circle>"
    return tag("{}<title>{}</title>{}", body, tip, Markup(end))


def lines_chart(*, chart_id: str, title: str, description: str, categories: Sequence[str],
                lines: Sequence[Line], category_label: Callable[[str], str],
                value_label: Callable[[float], str],
                tick_label: Callable[[float, float], str] | None = None, height: int = 300,
                include_zero: bool = True, lang: str = "sv", whole: bool = False) -> Markup:
    """Several series over the same periods (the x axis, in order, as wide as the page
    allows: see :class:`Frame`), a legend underneath.

    None leaves a gap; provisional points are drawn hollow. ``include_zero`` starts the value
    axis at zero unless the data sit far above it (then it starts near the data); ``whole``:
    a count's, ticked at whole numbers."""
    words = CHART_WORDS.get(lang, CHART_WORDS["sv"])
    numbers = [v for line in lines for v in line.values.values() if v is not None]
    top, bottom, size = 16, 44, 13
    hollow_shown = any(line.values.get(c) is not None and c in line.provisional
                       for line in lines for c in categories)
    attrs = f' font-family="{FONT}" font-size="{size}"'
    # the height grows with the legend (drawn last); the lines' own frame only needs the plot
    total_h = top + height + bottom
    parts = [fluid_head(chart_id, title, description, total_h, "chart fluid series", attrs)]
    if not numbers or not categories:
        parts.append(tag('<text x="0" y="{}" fill="#333">{}</text></svg>', top + height // 2,
                         words["empty"]))
        return join(parts)
    lo, hi = min(numbers), max(numbers)
    if include_zero and 0 <= lo <= hi * 0.6:
        lo = 0.0
    ticks = nice_ticks(lo, hi, whole=whole)
    step = ticks[1] - ticks[0]
    y_labels = [tick_label(t, step) if tick_label else value_label(t) for t in ticks]
    x_labels = [category_label(c) for c in categories]
    frame = Frame.fit(len(categories), y_labels, x_labels, size)

    def y_of(v: float) -> float:
        return top + height - (v - ticks[0]) / (ticks[-1] - ticks[0]) * height

    for i, (t, label) in enumerate(zip(ticks, y_labels, strict=True)):  # the lowest darker
        parts.append(tag('<line x1="0" x2="{:.2f}%" y1="{y:.1f}" y2="{y:.1f}" stroke="{}"/>'
                         '<text x="0" y="{:.1f}" fill="{}">{}</text>', 100 - frame.right,
                         AXIS if i == 0 else GRID, y_of(t) - 4, INK, label, y=y_of(t)))
    parts += period_labels(frame, x_labels, top + height + 21, size, f' fill="{INK}"',
                           per_year=per_year(categories))
    for k, line in enumerate(lines):
        ink, dash, shape = colour(k), DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)]
        parts.append(frame.lines(
            runs([(frame.x(i), y_of(v)) if (v := line.values.get(c)) is not None else None
                   for i, c in enumerate(categories)]),
            tag('fill="none" stroke="{}" stroke-width="2.5" stroke-dasharray="{}" '
                'stroke-linejoin="round"', ink, dash or "none"), total_h))
        for i, c in enumerate(categories):
            v = line.values.get(c)
            hollow = c in line.provisional
            if v is not None and (len(categories) <= 40 or hollow or i == len(categories) - 1):
                tip = f"{line.label}, {category_label(c)}: {value_label(v)}" + (
                    f" ({words['provisional']})" if hollow else "")
                # a marker drawn round 0, moved to its per cent of the width
                parts.append(tag('<svg x="{:.2f}%" overflow="visible">{}</svg>', frame.x(i),
                                 _marker(shape, 0, y_of(v), ink, hollow, tip)))
    legend, end = _legend(lines, words, hollow_shown, top + height + bottom + 6)
    parts[0] = fluid_head(chart_id, title, description, end, "chart fluid series", attrs)
    return join([*parts, *legend, Markup("</svg>")])


def _legend(lines: Sequence[Line], words: dict[str, str], hollow_shown: bool,
            y: int) -> tuple[list[Markup], int]:
    """A row per series (its dash, marker and name) and one for the hollow marker, and where
    the rows end. Names wrap between words to fit the narrowest chart (a phone's)."""
    legend = [(line.label, colour(k), DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)],
               False) for k, line in enumerate(lines)]
    if hollow_shown:
        legend.append((words["hollow"], INK, "", "circle", True))
    parts = []
    for label, ink, dash, shape, hollow in legend:
        if not hollow:
            parts.append(tag('<line x1="0" x2="36" y1="{y}" y2="{y}" stroke="{}" '
                             'stroke-width="2.5" stroke-dasharray="{}"/>', ink, dash or "none",
                             y=y))
        parts.append(_marker(shape, 18, y, ink, hollow,
                             words["provisional"] if hollow else label))
        rows = textwrap.wrap(label, int((NARROW - 46) / text_px("x", 13))) or [""]
        parts.append(tag('<text x="46" y="{}" fill="#1a1a1a">{}</text>', y + 4, join(
            tag('<tspan x="46" dy="{}">{}</tspan>', 0 if k == 0 else LEGEND_LINE, row)
            for k, row in enumerate(rows))))
        y += 22 + LEGEND_LINE * (len(rows) - 1)
    return parts, y


def bar_chart(*, chart_id: str, title: str, description: str,
              items: Sequence[tuple[str, float, str]], width: int = 760,
              colour: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per (label, value, value text); the label sits above its bar."""
    row, top = 46, 8
    label_w = width - 120
    biggest = max((v for _l, v, _t in items), default=0.0) or 1.0
    parts = [_head(chart_id, title, description, width, top + row * len(items) + 4)]
    for i, (label, value, text) in enumerate(items):
        y = top + i * row
        w = max(0.0, value) / biggest * label_w
        parts.append(tag('<text x="0" y="{}" fill="#1a1a1a">{}</text>'
                         '<rect x="0" y="{}" width="{:.1f}" height="16" fill="{}"><title>{}: {}'
                         '</title></rect><text x="{:.1f}" y="{}" fill="#1a1a1a">{}</text>',
                         y + 13, label, y + 20, w, colour, label, text, w + 8, y + 33, text))
    parts.append(Markup("</svg>"))
    return join(parts)


# --------------------------------------------------------------------------- a time axis


def _mid(code: str) -> float:
    p = parse(code)
    return (p.start.toordinal() + p.end.toordinal()) / 2


def time_chart(lines: Sequence[tuple[str, Sequence[tuple[str, float]]]], *, unit: str,
               band: tuple[date, date, str] | None = None, target: Reference | None = None,
               title: str = "", width: int = 360, height: int = 170,
               lang: str = "sv") -> Markup:
    """Series of (period code, value) on a time axis: each point in the middle of its period,
    so gaps in time show as gaps; ``band`` (first day, last day, label) is shaded, ``target``
    drawn dashed. The value axis starts at zero for non-negative values, so a small change
    looks small. Each series ends in a dot; the page draws the legend (:func:`colour`).
    Empty when there is nothing to draw."""
    pts = [(label, [(_mid(p), v) for p, v in points]) for label, points in lines if points]
    if not pts:
        return Markup("")
    codes = sorted({p for _, points in lines for p, _ in points}, key=parse)
    x0 = parse(codes[0]).start.toordinal()
    x1 = parse(codes[-1]).end.toordinal() + 1
    ys = [y for _, ps in pts for _, y in ps] + ([target.value] if target else [])
    lo, hi = min(ys), max(ys)
    ticks = nice_ticks(min(lo, 0.0) if lo >= 0 else lo, hi,
                       whole=unit in formatting.COUNT_UNITS)
    step = ticks[1] - ticks[0]
    left, right, top, bottom = 52, 12, 18, 26
    pw, ph = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return top + (ticks[-1] - y) / (ticks[-1] - ticks[0]) * ph

    out = [tag('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
               'height="{h}" role="img" aria-label="{t}" class="chart" font-size="10" '
               'font-family="Liberation Sans, DejaVu Sans, Arial, sans-serif"><title>{t}'
               '</title>', w=width, h=height, t=title)]
    if band is not None:
        a = max(band[0].toordinal(), x0)
        b = min(band[1].toordinal() + 1, x1)
        if a < b:
            out.append(tag('<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="#fff4d6"/>'
                           '<text x="{:.1f}" y="{}" fill="#8a6d1d" text-anchor="middle">{}'
                           '</text>', sx(a), top, sx(b) - sx(a), ph, (sx(a) + sx(b)) / 2,
                           top - 5, band[2]))
    out += _value_axis(ticks, sy, left, width - right,
                       lambda t: formatting.tick(t, step, unit, lang), size=10)
    first, last = parse(codes[0]), parse(codes[-1])
    if last.year > first.year and first.granularity != "year":  # the years, at 1 January
        for yr in range(first.year, last.year + 1):
            if not x0 <= date(yr, 1, 1).toordinal() < x1:
                continue
            jan1 = sx(date(yr, 1, 1).toordinal())
            out.append(tag('<line x1="{x:.1f}" x2="{x:.1f}" y1="{}" y2="{}" stroke="{}"/>'
                           '<text x="{:.1f}" y="{}" fill="{}">{}</text>', top + ph,
                           top + ph + 4, AXIS, jan1 + 3, height - 8, INK, yr, x=jan1))
    else:
        ends = [codes[0], codes[-1]] if len(codes) > 1 else [codes[0]]
        for code, anchor in zip(ends, ("start", "end") if len(ends) > 1 else ("middle",),
                                strict=True):
            out.append(tag('<text x="{:.1f}" y="{}" fill="{}" text-anchor="{}">{}</text>',
                           sx(_mid(code)), height - 8, INK, anchor,
                           formatting.period(code, lang)))
    if target is not None:
        out.append(tag('<line x1="{}" x2="{}" y1="{y:.1f}" y2="{y:.1f}" stroke="#333" '
                       'stroke-dasharray="5 4" stroke-width="1.2"/><text x="{}" y="{:.1f}" '
                       'fill="#333" text-anchor="end">{}</text>', left, width - right,
                       width - right - 2, sy(target.value) - 4, target.label,
                       y=sy(target.value)))
    for i, (label, ps) in enumerate(pts):
        for run in runs([(sx(x), sy(y)) for x, y in ps]):
            out.append(tag('<polyline points="{}" fill="none" stroke="{}" stroke-width="2" '
                           'stroke-linejoin="round"><title>{}</title></polyline>', run,
                           colour(i), label))
        lx, ly = ps[-1]
        out.append(tag('<circle cx="{:.1f}" cy="{:.1f}" r="3.2" fill="{}"><title>{}</title>'
                       '</circle>', sx(lx), sy(ly), colour(i), label))
    out.append(Markup("</svg>"))
    return join(out)
