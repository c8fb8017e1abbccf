"""The chart's frame: round ticks for the value axis, polyline runs broken at missing values,
and a fluid x axis (per cent of the chart's width, labels thinned for a phone's and a wider
screen's narrowest chart). Pure, no I/O; :mod:`samstat_kit.present.charts` draws with it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from samstat_kit.present.markup import join, tag


def nice_ticks(lo: float, hi: float, n: int = 5, whole: bool = False) -> list[float]:
    """About ``n`` round tick values covering [lo, hi] (1, 2, 2.5 or 5 × a power of ten);
    ``whole``: at least 1 apart (a count's axis said "54,25" persons; a review)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):  # one value (or float dust): pad it
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(1, n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if whole and step < 1:
        step = 1.0
    elif whole and step != math.floor(step):  # 2.5: 2 would crowd, 5 fits
        step = math.ceil(step / 5) * 5.0 if step > 5 else 5.0 if step > 2 else 2.0
    first = math.floor(lo / step) * step
    ticks = []
    t = first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 12))
    return ticks


def runs(coords: Sequence[tuple[float, float] | None]) -> list[str]:
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


# --------------------------------------------------------------------------- a fluid x axis

# The line charts are as wide as their box (width 100%, at most 46rem in present.css) and
# keep their height: x positions are per cent of the width, y positions and text are pixels.
# So labels read at their own size on a phone as on a desktop, and the newest point is in
# view without scrolling sideways. The server does not know the width, so the period labels
# are thinned for two: the narrowest chart on a phone (NARROW) and the narrowest on a wider
# screen (WIDE); present.css hides the labels marked "wide-only" on a phone.
NARROW, WIDE = 270, 540


def text_px(text: str, size: float) -> float:
    """About how wide ``text`` is drawn at ``size`` px (digits and lower case ≈ 0.6 em)."""
    return len(text) * size * 0.6


def spaced(n: int, step: int, keep: Sequence[int] = ()) -> list[int]:
    """Which of ``n`` evenly spaced labels to show, at least ``step`` slots apart: those in
    ``keep`` (the marked period), then every step-th counted back from the newest."""
    shown = [i for i in keep if 0 <= i < n]
    for i in range(n - 1, -1, -1):
        if all(abs(i - j) >= step for j in shown):
            shown.append(i)
    return sorted(shown)


def calendar_step(step: int, per_year: int) -> int:
    """The least step of at least ``step`` periods that is a whole part of a year or whole
    years, for periods of ``per_year`` a year."""
    if per_year <= 1:
        return step
    parts = [d for d in range(1, per_year + 1) if per_year % d == 0 and d >= step]
    return parts[0] if parts else per_year * math.ceil(step / per_year)


@dataclass(frozen=True)
class Frame:
    """``n`` periods, each in the middle of its band across the plot; the plot starts
    ``left`` and ends ``right`` per cent of the chart's width from its edges."""

    n: int
    left: float
    right: float

    @classmethod
    def fit(cls, n: int, y_labels: Sequence[str], x_labels: Sequence[str],
            size: float) -> Frame:
        """Room left of the first point for the value labels (they sit on their grid lines
        at the left edge) and right of the last for half the widest period label."""
        left = (max(text_px(t, size) for t in y_labels) + 6) / NARROW * 100
        half = max(text_px(t, size) for t in x_labels) / 2
        right = max(2.0, (half - (100 - left) / 100 * NARROW / (2 * n)) / NARROW * 100 + 1)
        return cls(n, left, right)

    def x(self, i: int) -> float:
        return self.left + (100 - self.left - self.right) * (i + 0.5) / self.n

    def labelled(self, labels: Sequence[str], size: float, keep: Sequence[int] = (),
                 per_year: int = 1) -> dict[int, bool]:
        """The labels to show, each with whether it is only shown on a wider screen. Periods
        of ``per_year`` a year (12: months) are labelled a whole part of a year apart (2, 3,
        4, 6 months) or whole years: every 11th month read "februari 2023 · januari 2024 ·
        december 2024" (a review)."""
        need = max(text_px(t, size) for t in labels) + 12

        def step(width: int) -> int:
            fit = max(1, math.ceil(need / ((100 - self.left - self.right) / 100 * width
                                           / self.n)))
            return calendar_step(fit, per_year)

        wide = step(WIDE)
        on_phone = set(spaced(self.n, wide * math.ceil(step(NARROW) / wide), keep))
        return {i: i not in on_phone for i in spaced(self.n, wide, keep)}

    def lines(self, runs: Sequence[str], attrs: Markup, height: int) -> Markup:
        """Polylines in a plot stretched to the chart's width (a viewBox 100 wide): the
        stroke keeps its width, as the points' x are per cent."""
        body = join(tag('<polyline points="{}" vector-effect="non-scaling-stroke" {}/>', r,
                        attrs) for r in runs)
        return tag('<svg x="0" y="0" width="100%" height="{h}" viewBox="0 0 100 {h}" '
                   'preserveAspectRatio="none" overflow="visible">{}</svg>', body, h=height)


def fluid_head(chart_id: str, title: str, description: str, height: int,
                cls: str = "chart fluid", attrs: str = "") -> Markup:
    return tag('<svg xmlns="http://www.w3.org/2000/svg" class="{}" role="img" width="100%" '
               'height="{h}" aria-labelledby="{id}-t {id}-d"{}><title id="{id}-t">{}</title>'
               '<desc id="{id}-d">{}</desc>', cls, Markup(attrs), title, description,
               h=height, id=chart_id)


def x_labels(frame: Frame, labels: Sequence[str], y: float, size: float, attrs: str = "",
             keep: Sequence[int] = (), per_year: int = 1) -> list[Markup]:
    return [tag('<text class="tick{}" x="{:.2f}%" y="{}" text-anchor="middle"{}>{}</text>',
                " wide-only" if wide else "", frame.x(i), y, Markup(attrs), labels[i])
            for i, wide in frame.labelled(labels, size, keep, per_year).items()]
