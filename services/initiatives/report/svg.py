"""Small inline SVG line charts, written by hand (no plotting library, no script, no external
file), so the page, its PDF and a screenshot look the same everywhere.

One chart per indicator: a line per area, time on the x axis (periods placed by their middle
day, so gaps show as gaps in time), the plan year shaded, the target as a dashed line. The
y axis starts at zero for non-negative values, so a small change looks small. Every text is
escaped; colours are the Okabe–Ito palette, which stays distinguishable for colour-blind
readers, and each line also ends in a labelled dot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from html import escape

from samstat_kit.periods import parse
from samstat_kit.present import formatting

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
WIDTH, HEIGHT = 360, 170
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 18, 26


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks if span > 0 else 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _mid(code: str) -> float:
    p = parse(code)
    return (p.start.toordinal() + p.end.toordinal()) / 2


def line_chart(lines: Sequence[tuple[str, Sequence[tuple[str, float]]]], *, unit: str,
               plan_year: int, target: float | None = None, title: str = "") -> str:
    """``lines`` = [(label, [(period code, value), …]), …] → an ``<svg>`` element."""
    pts = [(label, [(_mid(p), v) for p, v in points]) for label, points in lines if points]
    if not pts:
        return ""
    # The x axis spans the periods themselves (first start to last end), points sit mid-period.
    codes = sorted({p for _, points in lines for p, _ in points}, key=lambda c: parse(c))
    xs = [parse(codes[0]).start.toordinal(), parse(codes[-1]).end.toordinal() + 1]
    ys = [y for _, ps in pts for _, y in ps] + ([target] if target is not None else [])
    x0, x1 = min(xs), max(xs)
    if x1 - x0 < 1:
        x0, x1 = x0 - 180, x1 + 180
    lo, hi = min(ys), max(ys)
    if lo >= 0:
        lo = 0.0
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    step = _nice_step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return TOP + (hi - y) / (hi - lo) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
           f'class="chart" font-family="Liberation Sans, DejaVu Sans, Arial, sans-serif">',
           f"<title>{escape(title)}</title>"]
    # The plan year, shaded.
    ys0 = date(plan_year, 1, 1).toordinal()
    ye1 = date(plan_year, 12, 31).toordinal() + 1
    a, b = max(ys0, x0), min(ye1, x1)
    if a < b:
        out.append(f'<rect x="{sx(a):.1f}" y="{TOP}" width="{sx(b) - sx(a):.1f}" '
                   f'height="{ph}" fill="#fff4d6"/>')
        out.append(f'<text x="{(sx(a) + sx(b)) / 2:.1f}" y="{TOP - 5}" font-size="10" '
                   f'fill="#8a6d1d" text-anchor="middle">planår {plan_year}</text>')
    # Grid and y labels.
    n = round((hi - lo) / step)
    for i in range(n + 1):
        v = lo + i * step
        y = sy(v)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{"#9aa5b1" if i == 0 else "#e3e7eb"}" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 5}" y="{y + 3.5:.1f}" font-size="10" fill="#4a5561" '
                   f'text-anchor="end">{escape(formatting.tick(v, step, unit))}</text>')
    # x labels: first and last period, and the years between when there is room.
    first, last = codes[0], codes[-1]
    years = range(parse(first).year, parse(last).year + 1)
    if len(years) > 1 and parse(first).granularity != "year":
        for yr in years:
            jan1 = date(yr, 1, 1).toordinal()
            if x0 <= jan1 < x1:
                out.append(f'<line x1="{sx(jan1):.1f}" x2="{sx(jan1):.1f}" y1="{TOP + ph}" '
                           f'y2="{TOP + ph + 4}" stroke="#9aa5b1"/>')
                out.append(f'<text x="{sx(jan1) + 3:.1f}" y="{HEIGHT - 8}" font-size="10" '
                           f'fill="#4a5561">{yr}</text>')
    else:
        for code in (first, last) if first != last else (first,):
            at = sx(_mid(code))
            anchor = "start" if code == first and first != last else "end"
            if first == last:
                anchor = "middle"
            out.append(f'<text x="{at:.1f}" y="{HEIGHT - 8}" font-size="10" fill="#4a5561" '
                       f'text-anchor="{anchor}">{escape(formatting.period(code))}</text>')
    if target is not None:
        y = sy(target)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#333" stroke-dasharray="5 4" stroke-width="1.2"/>')
        out.append(f'<text x="{WIDTH - RIGHT - 2}" y="{y - 4:.1f}" font-size="10" '
                   f'fill="#333" text-anchor="end">mål (target)</text>')
    for i, (label, ps) in enumerate(pts):
        c = colour(i)
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in ps)
        if len(ps) > 1:
            out.append(f'<polyline points="{path}" fill="none" stroke="{c}" '
                       f'stroke-width="2" stroke-linejoin="round"><title>{escape(label)}'
                       f"</title></polyline>")
        lx, ly = ps[-1]
        out.append(f'<circle cx="{sx(lx):.1f}" cy="{sy(ly):.1f}" r="3.2" fill="{c}">'
                   f"<title>{escape(label)}</title></circle>")
    out.append("</svg>")
    return "".join(out)
