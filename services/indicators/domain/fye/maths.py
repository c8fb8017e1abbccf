"""Full-year equivalents (helårsekvivalenter). Pure functions, no Faust, no FastAPI.

FYE over a period of D days = net benefit days in the period / D; the share is FYE divided by the
population aged 20–64. Two people fully unemployed for half a year each make one FYE.

State is held as *current cell values*: for each (area, reported period) a mapping
``"agency/benefit/sex" -> [revision, value]``, or ``[revision]`` for a withdrawn cell (a
tombstone). Applying a cell keeps the higher revision, so redelivery and reordering never
change the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sized
from dataclasses import dataclass, field
from typing import TypeVar

from samstat_kit.periods import Period

# [revision, value], or [revision] once withdrawn: a tombstone, one slot shorter than a cell
# (the worker holds half a million cells at national scale), and plain JSON for the changelog.
Cell = list[float | int | None]
Entry = dict[str, Cell]          # inner key -> cell
BENEFITS = ("sickness", "sickness_activity_compensation", "unemployment",
            "labour_market_programme", "economic_assistance", "establishment")
C = TypeVar("C", bound=Sized)  # a stored cell, however its reader types it


def apply(entry: Entry | None, inner_key: str, revision: int, value: float | None,
          withdrawn: bool = False) -> Entry | None:
    """Return the entry with the cell applied, or None when nothing changed (stale/equal).

    A withdrawal (observation ``withdrawn: true``) leaves a tombstone: the cell is gone for
    every sum, share and total check over the entry (read through :func:`live`; a withheld
    value, ``None``, would count as missing instead), but its revision stays. The topic can
    carry a withdrawal before the revisions it withdraws (a dead relay's leased rows go out
    after its lease; a replay of a log whose racing batches interleaved), and the tombstone
    is what refuses them then, also when the withdrawn cell was never seen here."""
    old = entry.get(inner_key) if entry else None
    if old is not None and int(old[0] or 0) >= revision:
        return None
    out = dict(entry or {})
    out[inner_key] = [revision] if withdrawn else [revision, value]
    return out


def is_withdrawn(cell: Cell) -> bool:
    """A tombstone: the revision of a withdrawal, and no value."""
    return len(cell) < 2


def holds_withdrawal(entries: Iterable[Mapping[str, Cell] | None]) -> bool:
    """Whether any of ``entries`` holds a tombstone (a value that cannot be computed any
    more is then taken back as withdrawn, not merely not computable)."""
    return any(is_withdrawn(cell) for entry in entries for cell in (entry or {}).values())


def live(entry: Mapping[str, C] | None) -> Mapping[str, C]:
    """The entry's cells without its tombstones: what every reader of the state sees.

    The entry itself when it holds no tombstone (withdrawals are rare, and this is on the
    worker's hot path: no copy then)."""
    if not entry:
        return {}
    for cell in entry.values():
        if len(cell) < 2:
            return {k: c for k, c in entry.items() if len(c) > 1}
    return entry


def fye(days: float, period: Period) -> float:
    """FYE for a number of net benefit days in a period."""
    return days / period.days


@dataclass
class FyeResult:
    period: str
    net_days: float
    fye: float
    by_benefit: dict[str, float]
    by_sex: dict[str, float]
    months_reported: int
    months: int
    missing_values: int = 0
    by_benefit_sex: dict[str, dict[str, float]] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.months_reported == self.months and self.missing_values == 0


def sources(period: Period, lookup: Callable[[Period], Entry | None]) -> frozenset[str]:
    """The agencies that reported any cell for ``period`` or a month inside it."""
    found = {key.split("/", 1)[0] for key in live(lookup(period))}
    for m in period.months if period.n_months > 1 else []:
        found.update(key.split("/", 1)[0] for key in live(lookup(m)))
    return frozenset(found)


def _covered(months: list[tuple[str, Mapping[str, Cell]]], exact: Mapping[str, Cell],
             keys: set[str], expected: frozenset[str]) -> int:
    """How many of the months have every source in: each agency that reported for the period
    (or is ``expected``) has some cell in the month, unless it reported a figure for the whole
    period (``exact``), which covers its months and only its own. A month with only some
    agencies' cells is not in yet: the demo's quarter with Försäkringskassan's months but not
    yet Arbetsförmedlingen's read as complete at half the share. (Per agency, not per series:
    an agency's table may leave out a row, a sex or a benefit with no days, in a month.)"""
    whole = {key.split("/", 1)[0] for key in exact}
    wanted = ({key.split("/", 1)[0] for key in keys} | expected) - whole
    return sum(1 for _code, entry in months
               if wanted <= {key.split("/", 1)[0] for key in entry})


def compute_fye(period: Period, lookup: Callable[[Period], Entry | None],
                with_revisions: bool = True, expected: frozenset[str] = frozenset()
                ) -> FyeResult | None:
    """Aggregate the cells reported for ``period`` and its months.

    Per series (agency/benefit/sex) a figure reported for exactly this period wins; otherwise the
    monthly figures inside it are summed. Suppressed cells (value null) count as missing;
    withdrawn ones (tombstones) are not there at all.
    ``revisions`` (the input cells' revisions) is left empty unless ``with_revisions``.
    ``months_reported`` counts the months every source is in (:func:`_covered`): the agencies
    seen in the period and the ``expected`` ones (those of the same period a year earlier,
    which the value is compared with); an agency's figure for the whole period covers all
    its months, and only its own (the "complete" of a yearly figure beside monthly ones).
    """
    exact = live(lookup(period))
    months = period.months if period.n_months > 1 else []
    month_entries = [(m.code, live(lookup(m))) for m in months]
    keys = set(exact)
    for _, e in month_entries:
        keys.update(e)
    if not keys:
        return None
    by_benefit: dict[str, float] = {}
    by_sex: dict[str, float] = {}
    cross: dict[str, dict[str, float]] = {}
    revisions: dict[str, int] = {}
    total = 0.0
    missing = 0
    code = period.code
    for key in sorted(keys):
        _agency, benefit, sex = key.split("/")
        if key in exact:
            sources = [(code, exact[key])]
        else:
            sources = [(c, e[key]) for c, e in month_entries if key in e]
        days = 0.0
        for c, (rev, value) in sources:
            if with_revisions:
                revisions[key + "@" + c] = int(rev or 1)
            if value is None:
                missing += 1
            else:
                days += value
        total += days
        by_benefit[benefit] = by_benefit.get(benefit, 0.0) + days
        by_sex[sex] = by_sex.get(sex, 0.0) + days
        row = cross.setdefault(benefit, {})
        row[sex] = row.get(sex, 0.0) + days
    if months:
        reported = _covered(month_entries, exact, keys, expected)
    else:  # a month: in when every expected agency is
        reported = int(expected <= {key.split("/", 1)[0] for key in keys})
    return FyeResult(
        period=period.code,
        net_days=total,
        fye=fye(total, period),
        by_benefit={b: fye(d, period) for b, d in by_benefit.items()},
        by_sex={s: fye(d, period) for s, d in by_sex.items()},
        months_reported=reported,
        by_benefit_sex={b: {x: fye(d, period) for x, d in r.items()} for b, r in cross.items()},
        months=period.n_months,
        missing_values=missing,
        revisions=revisions,
    )


POPULATION_SEXES = frozenset({"K", "M"})  # the population measure's sexes (no total cell)


def population_total(entry: Mapping[str, Cell] | None) -> float | None:
    """Population aged 20–64 from SCB's cells ("scb/<sex>/<age>"), summed over sex.

    None until both sexes are in: the FYE counts both, so one sex's population alone would
    about double the share (and the year before's full population is the better stand-in)."""
    cells = live(entry)
    if not cells or {key.split("/")[1] for key in cells} < POPULATION_SEXES:
        return None
    values = [v for _rev, v in cells.values()]
    if any(v is None for v in values):
        return None
    return float(sum(v for v in values if v is not None))


def population_by_sex(entry: Mapping[str, Cell] | None) -> dict[str, float]:
    """SCB's population 20-64 per sex from the cells "scb/<sex>/<age>"."""
    out: dict[str, float] = {}
    for key, (_rev, value) in live(entry).items():
        sex = key.split("/")[1]
        if value is not None:
            out[sex] = out.get(sex, 0.0) + float(value)
    return out


def share(fye_value: float | None, population: float | None) -> float | None:
    if fye_value is None or not population:
        return None
    return fye_value / population


def combine(components: list[Mapping[str, object]]) -> dict[str, object]:
    """Sum municipal FYE components into an aggregate area (region, county, nation).

    FYE of the same period add up because they share the denominator (days in the period);
    the share is recomputed from the sums, never averaged. Population is only summed when
    every municipality has one, so a share is never computed over a partial population.
    """
    fye_total = 0.0
    by_benefit: dict[str, float] = {}
    by_sex: dict[str, float] = {}
    pop_sex: dict[str, float] = {}
    cross: dict[str, dict[str, float]] = {}
    populations: list[float] = []
    years: set[int] = set()
    for c in components:
        fye_total += float(c["fye"])  # type: ignore[arg-type]
        for target, name in ((by_benefit, "by_benefit"), (by_sex, "by_sex"),
                             (pop_sex, "population_by_sex")):
            for k, v in (c.get(name) or {}).items():  # type: ignore[attr-defined]
                target[k] = target.get(k, 0.0) + float(v)
        for b, row in (c.get("by_benefit_sex") or {}).items():  # type: ignore[attr-defined]
            into = cross.setdefault(b, {})
            for k, v in row.items():
                into[k] = into.get(k, 0.0) + float(v)
        if c.get("population") is not None:
            populations.append(float(c["population"]))  # type: ignore[arg-type]
            years.update(population_years(c))
    population = sum(populations) if len(populations) == len(components) else None
    return {
        "fye": fye_total,
        "population": population,
        "share": share(fye_total, population),
        "by_benefit": by_benefit,
        "by_sex": by_sex,
        # per sex only when every member has it, like the population itself
        "population_by_sex": pop_sex if population is not None and all(
            c.get("population_by_sex") for c in components) else {},
        "by_benefit_sex": cross,
        # the years of SCB's population behind it (a member's may be the year before's)
        "population_years": sorted(years) if population is not None else [],
    }


def population_years(c: Mapping[str, object]) -> list[int]:
    """The years of SCB's population behind one value's (``population_year``, the year before
    the period's while SCB's figure is not out) or an aggregate's (``population_years``)."""
    many = c.get("population_years")
    if isinstance(many, list):
        return [int(y) for y in many]
    one = c.get("population_year")
    return [one] if isinstance(one, int) else []
