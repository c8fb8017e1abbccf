"""Small inline SVG charts, written in Python.

Why not a charting library: the pages need one kind of line chart and one kind of bar chart. The
pure-Python candidates are either large (matplotlib needs NumPy and a C toolchain; Plotly and
Bokeh render with JavaScript, which these pages do without) or barely maintained (pygal). About
two hundred lines of SVG give us what a library would not do by default: Swedish number
formatting, colours and dash patterns that stay distinguishable for colour-blind readers and in
black-and-white print, hollow markers for provisional figures, and escaping of every label
through :func:`samstat_kit.present.markup.tag`.

Colours are the Okabe–Ito palette (safe for the common colour-vision deficiencies); every line
also has its own dash pattern and marker shape, so the legend never relies on colour alone. Each
chart carries a ``<title>`` and ``<desc>`` for screen readers, and the pages print the same
figures as a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup as Safe

from samstat_kit.present.markup import join, tag

# colour, dash pattern, marker
STYLES: tuple[tuple[str, str, str], ...] = (
    ("#0072B2", "", "circle"),         # blue, solid
    ("#D55E00", "8 4", "square"),      # vermillion, dashed
    ("#333333", "2 4", "diamond"),     # near-black, dotted
    ("#009E73", "10 3 2 3", "triangle"),  # bluish green, dash-dot
    ("#CC79A7", "4 2", "circle"),      # reddish purple
)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


@dataclass(frozen=True)
class Line:
    """One series: a value (or None, a gap) per category, and which points are provisional."""

    label: str
    values: dict[str, float | None]
    provisional: frozenset[str] = field(default_factory=frozenset)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(lo / step + 1e-9) * step
    ticks = []
    t = start
    while t < hi + step * 0.999:
        ticks.append(round(t, 12))
        t += step
    if len(ticks) < 2:
        ticks.append(round(start + step, 12))
    return ticks


def _marker(shape: str, x: float, y: float, colour: str, hollow: bool, tip: str) -> Safe:
    fill = "#ffffff" if hollow else colour
    attrs = tag('fill="{}" stroke="{}" stroke-width="2"', fill, colour)
    if shape == "square":
        body = tag('<rect x="{}" y="{}" width="8" height="8" {}>', f"{x - 4:.1f}",
                   f"{y - 4:.1f}", attrs)
        end = "</rect>"
    elif shape == "diamond":
        pts = f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y:.1f} {x:.1f},{y + 5.5:.1f} " \
              f"{x - 5.5:.1f},{y:.1f}"
        body, end = tag('<polygon points="{}" {}>', pts, attrs), "</polygon>"
    elif shape == "triangle":
        pts = f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y + 4.5:.1f} {x - 5.5:.1f},{y + 4.5:.1f}"
        body, end = tag('<polygon points="{}" {}>', pts, attrs), "</polygon>"
    else:
        body = tag('<circle cx="{}" cy="{}" r="4.5" {}>', f"{x:.1f}", f"{y:.1f}", attrs)
        end = "</circle>"
    return tag("{}<title>{}</title>{}", body, tip, Safe(end))


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    lines: Sequence[Line],
    category_label: Callable[[str], str],
    value_label: Callable[[float], str],
    tick_label: Callable[[float, float], str] | None = None,
    width: int = 760,
    height: int = 300,
    include_zero: bool = True,
) -> Safe:
    """An SVG line chart with a legend underneath; categories are the x axis, in order.

    Values of None leave a gap. Provisional points are drawn hollow. ``include_zero`` starts the
    value axis at zero unless the data sit far above it (then it starts near the data).
    """
    def label_tick(value: float, step: float) -> str:
        return tick_label(value, step) if tick_label else value_label(value)

    numbers = [v for line in lines for v in line.values.values() if v is not None]
    left, right, top = 74, 40, 16
    plot_h = height
    hollow_shown = any(line.values.get(c) is not None and c in line.provisional
                       for line in lines for c in categories)
    legend_rows = len(lines) + (1 if hollow_shown else 0)
    bottom = 44
    total_h = top + plot_h + bottom + 22 * legend_rows + 8
    plot_w = width - left - right
    parts: list[Safe] = []
    head = tag('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
               'role="img" aria-labelledby="{id}-t {id}-d" class="chart" '
               'font-family="{font}" font-size="13">'
               '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>',
               w=width, h=total_h, id=chart_id, font=FONT, title=title, desc=description)
    parts.append(head)
    if not numbers or not categories:
        parts.append(tag('<text x="{}" y="{}" fill="#333">Inga värden ännu (no values yet)</text>',
                         left, top + plot_h // 2))
        parts.append(Safe("</svg>"))
        return join(parts)
    lo, hi = min(numbers), max(numbers)
    if include_zero and lo >= 0 and lo <= hi * 0.6:
        lo = 0.0
    ticks = nice_ticks(lo, hi)
    y0, y1 = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0]

    def y_of(v: float) -> float:
        return top + plot_h - (v - y0) / (y1 - y0) * plot_h

    n = len(categories)

    def x_of(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    # grid and value axis
    for t in ticks:
        y = y_of(t)
        parts.append(tag('<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="#d0d0d0" '
                         'stroke-width="1"/>', left, width - right, y=f"{y:.1f}"))
        parts.append(tag('<text x="{}" y="{}" text-anchor="end" fill="#333">{}</text>',
                         left - 8, f"{y + 4:.1f}", label_tick(t, step)))
    parts.append(tag('<line x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="#666"/>',
                     top, top + plot_h, x=left))
    parts.append(tag('<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="#666"/>',
                     left, width - right, y=f"{top + plot_h:.1f}"))
    # category axis: at most about nine labels, always the last one
    every = max(1, math.ceil(n / 9))
    for i, c in enumerate(categories):
        if i % every and i != n - 1:
            continue
        if i != n - 1 and n - 1 - i < every:
            continue  # would collide with the last label
        x = x_of(i)
        parts.append(tag('<line x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="#666"/>',
                         f"{top + plot_h:.1f}", f"{top + plot_h + 5:.1f}", x=f"{x:.1f}"))
        parts.append(tag('<text x="{}" y="{}" text-anchor="middle" fill="#333">{}</text>',
                         f"{x:.1f}", f"{top + plot_h + 21:.1f}", category_label(c)))
    # lines and markers
    for k, line in enumerate(lines):
        colour, dash, shape = STYLES[k % len(STYLES)]
        segments: list[list[tuple[float, float]]] = [[]]
        for i, c in enumerate(categories):
            v = line.values.get(c)
            if v is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append((x_of(i), y_of(v)))
        for seg in segments:
            if len(seg) > 1:
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
                parts.append(tag('<polyline points="{}" fill="none" stroke="{}" '
                                 'stroke-width="2.5" stroke-dasharray="{}" '
                                 'stroke-linejoin="round"/>', pts, colour, dash or "none"))
        show_markers = n <= 40
        for i, c in enumerate(categories):
            v = line.values.get(c)
            if v is None:
                continue
            hollow = c in line.provisional
            if show_markers or hollow or i == n - 1:
                tip = f"{line.label}, {category_label(c)}: {value_label(v)}" + (
                    " (preliminär)" if hollow else "")
                parts.append(_marker(shape, x_of(i), y_of(v), colour, hollow, tip))
    # legend
    y = top + plot_h + bottom + 6
    for k, line in enumerate(lines):
        colour, dash, shape = STYLES[k % len(STYLES)]
        parts.append(tag('<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{}" stroke-width="2.5" '
                         'stroke-dasharray="{}"/>', left, left + 36, colour, dash or "none",
                         y=y))
        parts.append(_marker(shape, left + 18, y, colour, False, line.label))
        parts.append(tag('<text x="{}" y="{}" fill="#1a1a1a">{}</text>', left + 46, y + 4,
                         line.label))
        y += 22
    if hollow_shown:
        parts.append(_marker("circle", left + 18, y, "#333333", True, "preliminär"))
        parts.append(tag('<text x="{}" y="{}" fill="#1a1a1a">{}</text>', left + 46, y + 4,
                         "Ofylld punkt: preliminärt värde, alla uppgifter har inte kommit in "
                         "(hollow: provisional)"))
    parts.append(Safe("</svg>"))
    return join(parts)


def bar_chart(*, chart_id: str, title: str, description: str,
              items: Sequence[tuple[str, float, str]], width: int = 760,
              colour: str = "#0072B2") -> Safe:
    """Horizontal bars, one per (label, value, value text); the label sits above its bar."""
    row = 46
    top = 8
    height = top + row * len(items) + 4
    label_w = width - 120
    biggest = max((v for _l, v, _t in items), default=0.0) or 1.0
    parts = [tag('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
                 'role="img" aria-labelledby="{id}-t {id}-d" class="chart" '
                 'font-family="{font}" font-size="13">'
                 '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>',
                 w=width, h=height, id=chart_id, font=FONT, title=title, desc=description)]
    for i, (label, value, text) in enumerate(items):
        y = top + i * row
        w = max(0.0, value) / biggest * label_w
        parts.append(tag('<text x="0" y="{}" fill="#1a1a1a">{}</text>', y + 13, label))
        parts.append(tag('<rect x="0" y="{}" width="{}" height="16" fill="{}"><title>{}: {}'
                         '</title></rect>', y + 20, f"{w:.1f}", colour, label, text))
        parts.append(tag('<text x="{}" y="{}" fill="#1a1a1a">{}</text>', f"{w + 8:.1f}",
                         y + 33, text))
    parts.append(Safe("</svg>"))
    return join(parts)
