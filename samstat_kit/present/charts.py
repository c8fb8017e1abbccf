"""One SVG line chart for every samstat page: values over periods, one point marked.

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
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup

from samstat_kit.present import formatting

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
    segment: list[str] = []
    for i, (_, v) in enumerate([*points, ("", None)]):
        if v is not None and math.isfinite(v):
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            continue
        if len(segment) > 1:
            out.append(Markup('<polyline class="line" points="{p}"/>').format(
                p=" ".join(segment)))
        segment = []
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
