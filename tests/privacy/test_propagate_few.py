"""Bound propagation in plain Python for small components (``bounds._few``) gives the very
numbers the numpy path gives: it is a speed-up only, so every bound must be equal, not close.
Pure; hypothesis draws components as the attack builds them (±1 coefficients, finite
bounds, some rows contradicting each other)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.disclosure import bounds

UPPER = 1e6


@st.composite
def components(draw: st.DrawFn) -> tuple[list[float], list[float], list[bounds.Row]]:
    n = draw(st.integers(2, 8))
    lo = [float(draw(st.integers(0, 5))) for _ in range(n)]
    hi = [draw(st.sampled_from([UPPER, float(draw(st.integers(0, 60)))])) for _ in range(n)]
    rows: list[bounds.Row] = []
    for _ in range(draw(st.integers(1, 6))):
        cols = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=n, unique=True))
        entries = [(j, draw(st.sampled_from([1.0, -1.0]))) for j in cols]
        low = float(draw(st.integers(-40, 40)))
        rows.append((entries, low, low + draw(st.sampled_from([0.0, 0.5, 3.0]))))
    return lo, hi, rows


@settings(max_examples=400, deadline=None)
@given(components())
def test_the_python_path_gives_the_numpy_numbers(
        component: tuple[list[float], list[float], list[bounds.Row]]) -> None:
    lo, hi, rows = component
    assert sum(len(r[0]) for r in rows) <= bounds.FEW  # the Python path
    fast = bounds.propagate(lo, hi, rows)
    few, bounds.FEW = bounds.FEW, 0  # the numpy path
    try:
        slow = bounds.propagate(lo, hi, rows)
    finally:
        bounds.FEW = few
    assert fast == slow
