"""The full audit: the interval attack on everything currently published, table by table.

Guarantee checked: for every linked table (agency × measure × year) of the stored person
counts, every protected hidden cell, every sum of a published total's missing parts that is
small, and every cell not sent yet that the published values could pin, is attacked by LP
over all relations of the table reachable from the hidden cells (published values fixed,
hidden and missing cells in ``[0, maximum]``); it is exposed when its interval is narrower
than the protection range. This is the same check the ingest step makes per batch, on the
whole table at once.

And what the public sees against the stored states (:func:`published_against_states`): the
attack reasons from ``disclosure_cells``, so a value published past the check (a bug, a
race, data written around ingest) would go unseen by it. Every revision in the log of a
person count is checked for a small published value, and every cell the states say hidden
for a published newest value.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.contracts import Catalogue
from services.ingest.disclosure.attack import Protection
from services.ingest.disclosure.links import Coord, coord
from services.ingest.disclosure.models import DisclosureCell
from services.ingest.disclosure.protect import CellState, attack_from, exposed
from services.ingest.disclosure.service import _links, stored_state
from services.ingest.observations.models import IngestCell, IngestObservation


@dataclass
class AuditResult:
    tables: int = 0
    cells: int = 0
    checked: int = 0
    exposed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def audit(*, session: Session, catalogue: Catalogue, threshold: int, share: float = 0.1,
          agency: str | None = None, measure: str | None = None,
          progress: Callable[[str], None] | None = None) -> AuditResult:
    """``progress``: told of each linked table as it is done (a national table takes
    minutes; an operator saw nothing for five and could not tell a hang from work)."""
    started = time.perf_counter()
    q = select(DisclosureCell.agency, DisclosureCell.measure, DisclosureCell.year,
               DisclosureCell.area, DisclosureCell.period, DisclosureCell.dimensions,
               DisclosureCell.truth, DisclosureCell.shown, DisclosureCell.protected,
               DisclosureCell.past, DisclosureCell.since)
    if agency:
        q = q.where(DisclosureCell.agency == agency)
    if measure:
        q = q.where(DisclosureCell.measure == measure)
    tables: dict[tuple[str, str, int], dict[Coord, CellState]] = defaultdict(dict)
    for a, m, y, area, period, dims, truth, shown, prot, past, since in session.execute(q):
        tables[(a, m, y)][coord(area, period, dims)] = stored_state(truth, shown, prot, past,
                                                                    since)
    out = AuditResult(tables=len(tables))
    for n, ((a, m, y), cells) in enumerate(sorted(tables.items()), start=1):
        if m not in catalogue.measures:
            continue
        out.cells += len(cells)
        at, checked, before = time.perf_counter(), out.checked, len(out.exposed)
        out.exposed += [f"{a}|{m}|{name}" for name in
                        audit_table(catalogue, m, cells, threshold, share, out)]
        if progress is not None:
            progress(f"{n}/{len(tables)} {a} {m} {y}: {len(cells)} cells, "
                     f"{out.checked - checked} attacked, {len(out.exposed) - before} exposed, "
                     f"{time.perf_counter() - at:.1f} s")
    out.exposed += published_against_states(session=session, catalogue=catalogue,
                                            threshold=threshold, agency=agency,
                                            measure=measure)
    out.seconds = time.perf_counter() - started
    return out


def published_against_states(*, session: Session, catalogue: Catalogue, threshold: int,
                             agency: str | None = None, measure: str | None = None
                             ) -> list[str]:
    """Published values that the stored states deny: a small person count in any revision
    of the log, and a newest value published for a cell the states say hidden. Names only."""
    counts = [m.code for m in catalogue.measures.values() if m.person_count
              and (measure is None or m.code == measure)]
    small = select(IngestObservation.agency, IngestObservation.measure, IngestObservation.area,
                   IngestObservation.period, IngestObservation.dimensions,
                   IngestObservation.revision).where(
        IngestObservation.measure.in_(counts), IngestObservation.value > 0,
        IngestObservation.value < threshold)
    hidden = select(DisclosureCell.agency, DisclosureCell.measure, DisclosureCell.area,
                    DisclosureCell.period, DisclosureCell.dimensions,
                    IngestObservation.revision).join(
        IngestCell, IngestCell.cell_key == DisclosureCell.cell_key).join(
        IngestObservation, IngestObservation.seq == IngestCell.seq).where(
        DisclosureCell.shown.is_(None), IngestObservation.value.is_not(None))
    if agency:
        small = small.where(IngestObservation.agency == agency)
        hidden = hidden.where(DisclosureCell.agency == agency)
    if measure:
        hidden = hidden.where(DisclosureCell.measure == measure)
    out = []
    for what, q in (("published small count", small), ("published while hidden", hidden)):
        for a, m, area, period, dims, revision in session.execute(q):
            spec = catalogue.measures.get(m)
            if spec is not None and not spec.disclosure.cell_key_applies(period):
                out.append(f"{a}|{m}|{what} {coord(area, period, dims)} revision {revision}")
    return out


def audit_table(catalogue: Catalogue, measure: str, cells: Mapping[Coord, CellState],
                threshold: int, share: float, result: AuditResult) -> list[str]:
    """Names of the exposed targets of one linked table (pure)."""
    def fetch(coords: Iterable[Coord]) -> dict[Coord, CellState]:
        return {c: cells[c] for c in coords if c in cells}

    links = _links(catalogue, measure)
    # And cells with a revision hidden earlier: the walk reaches that revision's snapshots
    # through today's relations of the cell.
    hidden = [c for c, s in cells.items()
              if s.shown is None or any(p[1] is None for p in s.past)]
    states = dict(cells)
    targets, table, also = attack_from(links, fetch, hidden, states, threshold=threshold,
                                       upper=catalogue.measures[measure].maximum)
    result.checked += len(targets)
    # A dark total is attacked once per breakdown, under one name: counted once.
    return list(dict.fromkeys(t.name for t in exposed(table, targets,
                                                       Protection(threshold, share), also)))
