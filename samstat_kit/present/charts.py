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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import count

from markupsafe import Markup

from samstat_kit.periods import parse
from samstat_kit.present import formatting
from samstat_kit.present.markup import join, tag

Point = tuple[str, float | None]
_ids = count(1)


@dataclass(frozen=True)
class Reference:
    """A horizontal line across the chart: a target, a threshold, a control limit."""

    value: float
    label: str


@dataclass(frozen=True)
class Box:
    width: int = 640
    height: int = 260
    left: int = 72
    right: int = 24
    top: int = 20
    bottom: int = 44

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi] (1, 2, 2.5 or 5 × a power of ten)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):  # one value (or float dust): pad it
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(1, n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    t = first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 12))
    return ticks


def _runs(coords: Sequence[tuple[float, float] | None]) -> list[str]:
    """The polyline ``points`` of each unbroken run of two or more points (None breaks)."""
    runs: list[str] = []
    current: list[str] = []
    for c in [*coords, None]:
        if c is not None:
            current.append(f"{c[0]:.1f},{c[1]:.1f}")
            continue
        if len(current) > 1:
            runs.append(" ".join(current))
        current = []
    return runs


def line_chart(points: Sequence[Point], *, title: str, marked: str | None = None,
               unit: str | None = None, lang: str = "sv",
               references: Sequence[Reference] = (), box: Box = Box()) -> Markup:
    """An accessible ``<svg role="img">``: ``title`` is its name (``<title>``), the periods
    run along the x axis (every label shown when there is room, else every k-th), the marked
    period gets a ring and its value written beside it."""
    uid = f"chart{next(_ids)}"
    values = [v for _, v in points if v is not None and math.isfinite(v)]
    values += [r.value for r in references]
    out = [Markup('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
                  'viewBox="0 0 {w} {h}" aria-labelledby="{uid}-t {uid}-d">'
                  '<title id="{uid}-t">{title}</title>').format(
        w=box.width, h=box.height, uid=uid, title=title)]
    described = ", ".join(f"{p}: {formatting.value(v, unit, lang)}" for p, v in points)
    out.append(Markup('<desc id="{uid}-d">{d}</desc>').format(uid=uid, d=described))
    if not values:
        out.append(Markup('<text x="{x}" y="{y}" class="chart-empty">–</text></svg>').format(
            x=box.width // 2, y=box.height // 2))
        return Markup("").join(out)
    ticks = nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    n = len(points)

    def x(i: int) -> float:
        return box.left + (box.plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return box.top + box.plot_h * (1 - (v - lo) / (hi - lo or 1))

    for t in ticks:
        out.append(Markup('<line class="grid" x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}"/>'
                          '<text class="tick" x="{tx}" y="{ty:.1f}" text-anchor="end">{label}'
                          '</text>').format(x1=box.left, x2=box.width - box.right, y=y(t),
                                            tx=box.left - 8, ty=y(t) + 4,
                                            label=formatting.tick(t, step, unit, lang)))
    every = max(1, math.ceil(n / max(1, box.plot_w // 56)))
    for i, (period, _) in enumerate(points):
        if i % every == 0 or period == marked:
            out.append(Markup('<text class="tick" x="{x:.1f}" y="{y}" text-anchor="middle">'
                              '{p}</text>').format(x=x(i), y=box.height - box.bottom + 18,
                                                   p=period))
    for ref in references:
        out.append(Markup('<line class="reference" x1="{x1}" x2="{x2}" y1="{y:.1f}" '
                          'y2="{y:.1f}"/><text class="reference-label" x="{x2}" y="{ty:.1f}" '
                          'text-anchor="end">{label}</text>').format(
            x1=box.left, x2=box.width - box.right, y=y(ref.value), ty=y(ref.value) - 5,
            label=ref.label))
    for run in _runs([(x(i), y(v)) if v is not None and math.isfinite(v) else None
                      for i, (_, v) in enumerate(points)]):
        out.append(Markup('<polyline class="line" points="{p}"/>').format(p=run))
    for i, (period, v) in enumerate(points):
        if v is None or not math.isfinite(v):
            continue
        if period == marked:
            out.append(Markup(
                '<circle class="marked" cx="{x:.1f}" cy="{y:.1f}" r="7"/>'
                '<text class="marked-label" x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}">'
                '{label}</text>').format(
                x=x(i), y=y(v), tx=x(i) + (-10 if i > n / 2 else 10), ty=y(v) - 10,
                anchor="end" if i > n / 2 else "start",
                label=formatting.value(v, unit, lang)))
        else:
            out.append(Markup('<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>')
                       .format(x=x(i), y=y(v)))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


# --------------------------------------------------------------------------- several series

# Okabe–Ito: safe for the common colour-vision deficiencies; the dashes and marker shapes
# keep the series apart in black-and-white print too.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#333333")
DASHES = ("", "8 4", "2 4", "10 3 2 3", "4 2")
MARKERS = ("circle", "square", "diamond", "triangle", "circle")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
AXIS, GRID, INK = "#666", "#d0d0d0", "#333"
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
                tick_label: Callable[[float, float], str] | None = None, width: int = 760,
                height: int = 300, include_zero: bool = True, lang: str = "sv") -> Markup:
    """Several series over the same periods (the x axis, in order), a legend underneath.

    None leaves a gap; provisional points are drawn hollow. ``include_zero`` starts the value
    axis at zero unless the data sit far above it (then it starts near the data)."""
    words = CHART_WORDS.get(lang, CHART_WORDS["sv"])
    numbers = [v for line in lines for v in line.values.values() if v is not None]
    left, right, top, bottom = 74, 40, 16, 44
    hollow_shown = any(line.values.get(c) is not None and c in line.provisional
                       for line in lines for c in categories)
    total_h = top + height + bottom + 22 * (len(lines) + hollow_shown) + 8
    plot_w = width - left - right
    parts = [_head(chart_id, title, description, width, total_h)]
    if not numbers or not categories:
        parts.append(tag('<text x="{}" y="{}" fill="#333">{}</text></svg>', left,
                         top + height // 2, words["empty"]))
        return join(parts)
    lo, hi = min(numbers), max(numbers)
    if include_zero and 0 <= lo <= hi * 0.6:
        lo = 0.0
    ticks = nice_ticks(lo, hi)
    step = ticks[1] - ticks[0]
    n = len(categories)

    def y_of(v: float) -> float:
        return top + height - (v - ticks[0]) / (ticks[-1] - ticks[0]) * height

    def x_of(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    parts += _value_axis(ticks, y_of, left, width - right,
                         lambda t: tick_label(t, step) if tick_label else value_label(t))
    parts.append(tag('<line x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="{}"/>', top, top + height,
                     AXIS, x=left))
    every = max(1, math.ceil(n / 9))  # at most about nine labels, always the last one
    for i, c in enumerate(categories):
        if i != n - 1 and (i % every or n - 1 - i < every):
            continue
        parts.append(tag('<line x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="{a}"/>'
                         '<text x="{x}" y="{}" text-anchor="middle" fill="{ink}">{}</text>',
                         top + height, top + height + 5, top + height + 21, category_label(c),
                         x=f"{x_of(i):.1f}", a=AXIS, ink=INK))
    for k, line in enumerate(lines):
        ink, dash, shape = colour(k), DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)]
        for run in _runs([(x_of(i), y_of(v)) if (v := line.values.get(c)) is not None
                          else None for i, c in enumerate(categories)]):
            parts.append(tag('<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" '
                             'stroke-dasharray="{}" stroke-linejoin="round"/>', run, ink,
                             dash or "none"))
        for i, c in enumerate(categories):
            v = line.values.get(c)
            hollow = c in line.provisional
            if v is not None and (n <= 40 or hollow or i == n - 1):
                tip = f"{line.label}, {category_label(c)}: {value_label(v)}" + (
                    f" ({words['provisional']})" if hollow else "")
                parts.append(_marker(shape, x_of(i), y_of(v), ink, hollow, tip))
    y = top + height + bottom + 6
    legend = [(line.label, colour(k), DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)],
               False) for k, line in enumerate(lines)]
    if hollow_shown:
        legend.append((words["hollow"], INK, "", "circle", True))
    for label, ink, dash, shape, hollow in legend:
        if not hollow:
            parts.append(tag('<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{}" '
                             'stroke-width="2.5" stroke-dasharray="{}"/>', left, left + 36, ink,
                             dash or "none", y=y))
        parts.append(_marker(shape, left + 18, y, ink, hollow,
                             words["provisional"] if hollow else label))
        parts.append(tag('<text x="{}" y="{}" fill="#1a1a1a">{}</text>', left + 46, y + 4,
                         label))
        y += 22
    parts.append(Markup("</svg>"))
    return join(parts)


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
    ticks = nice_ticks(min(lo, 0.0) if lo >= 0 else lo, hi)
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
        for run in _runs([(sx(x), sy(y)) for x, y in ps]):
            out.append(tag('<polyline points="{}" fill="none" stroke="{}" stroke-width="2" '
                           'stroke-linejoin="round"><title>{}</title></polyline>', run,
                           colour(i), label))
        lx, ly = ps[-1]
        out.append(tag('<circle cx="{:.1f}" cy="{:.1f}" r="3.2" fill="{}"><title>{}</title>'
                       '</circle>', sx(lx), sy(ly), colour(i), label))
    out.append(Markup("</svg>"))
    return join(out)
