"""The disclosure step of ``accept_batch``: protect a batch's person counts against everything
ever published, keep the cells' states, and log why values were held back (never values).

Decomposed by linked table (agency × measure × year): a batch touches few, and within each
only the relations reachable from its cells through hidden or missing cells are attacked.
Nothing here commits; on PostgreSQL a transaction-scoped advisory lock per linked table
(:func:`lock_tables`, which ``accept_batch`` takes before its revision lookup) serialises
concurrent batches of the same table (SQLite serialises writers anyway).
"""

from __future__ import annotations

import re
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from samstat_kit.cells import cell_key
from samstat_kit.contracts import Catalogue
from services.ingest.disclosure.attack import Protection
from services.ingest.disclosure.links import Coord, Links, Presence, coord
from services.ingest.disclosure.models import DisclosureAudit, DisclosureCell, DisclosureExtent
from services.ingest.disclosure.protect import SHOWN, CellState, Outcome, protect
from services.ingest.observations.bulk import insert_rows, one_of

# By why, not by kind: /metrics may be open, and "primary +1" beside a lone hidden cell told
# a scraper the cell was a small count (1-4), narrower than its protection range. Primary,
# secondary and held are one label: what the public sees of a cell (hidden) says no more.
HIDDEN_CELLS = Counter("ingest_privacy_hidden_cells_total",
                       "Cells held back: by disclosure control, by the agency, or superseded "
                       "within their batch", ["why"])
_WHY = {"agency": "agency", "superseded": "superseded"}  # every other kind: "protection"
CHECK_SECONDS = Histogram("ingest_privacy_check_seconds",
                          "Disclosure control per batch (all its linked tables)",
                          buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5))

TableKey = tuple[str, str, int]  # agency, measure, year
WITHHELD = ("C", "N")  # conf_status: confidential, not for publication


@dataclass(frozen=True)
class Held:
    position: int  # in the docs given to protect_batch
    reason: str
    kind: str  # primary | secondary | held | agency | superseded


def protect_batch(*, session: Session, docs: list[dict[str, Any]], catalogue: Catalogue,
                  threshold: int, batch_id: str, share: float = 0.1,
                  record: bool = True) -> list[Held]:
    """Hide, in ``docs`` (the batch's accepted records, in place), every value that must not
    be published; store the cells' states and the audit trail. Returns what was hidden. The
    caller holds the tables' locks (:func:`lock_tables`) since before it read the cells."""
    started = time.perf_counter()
    tables: dict[TableKey, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        key = _table_key(d, catalogue)
        if key is not None:
            tables[key].append(i)
    held: list[Held] = []
    now = datetime.now(UTC)
    for key in sorted(tables):
        held += _table(session, catalogue, key, docs, tables[key], threshold,
                       Protection(threshold, share), batch_id, now, record)
    if tables and record:  # a dry run (every upload's preview) is no publication
        CHECK_SECONDS.observe(time.perf_counter() - started)
    return sorted(held, key=lambda h: h.position)


def _table_key(d: dict[str, Any], catalogue: Catalogue) -> TableKey | None:
    """The linked table of a record, or None if disclosure control does not cover it (not a
    person count, or already protected by the cell-key method)."""
    m = catalogue.measures.get(d["measure"])
    if m is None or not m.person_count or m.disclosure.cell_key_applies(d["period"]):
        return None
    return d["agency"], d["measure"], int(d["period"][:4])


def lock_tables(*, session: Session, docs: Iterable[dict[str, Any]],
                catalogue: Catalogue) -> None:
    """Serialise, on PostgreSQL, batches touching the same linked tables from before their
    revision lookup to their commit (in one order, so two batches cannot deadlock). Taken
    only around the disclosure step, a batch that read a cell's revision before a racing
    batch committed a newer one would store its own, older, disclosure state over the newer
    one (and lose the row as stale afterwards): the stored state would then say hidden what
    the public sees, and every later attack would reason from that."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = {key for d in docs if (key := _table_key(d, catalogue)) is not None}
    # Advisory locks are per database: the schema is the first half of the key, so that two
    # deployments (or test sessions) in schemas of one database never wait for each other.
    schema = func.hashtext(func.coalesce(func.current_schema(), ""))
    for key in sorted(keys):
        ident = zlib.crc32("|".join(map(str, key)).encode()) - 2**31  # an int4, as PG wants
        session.execute(select(func.pg_advisory_xact_lock(schema, ident)))


def fetcher(session: Session, agency: str, measure: str,
            extent: tuple[int, Presence] | None = None) -> Any:
    """A :data:`~.protect.Fetch` over the stored states of one agency's measure.

    ``extent``: a year's linked table and where it has anything stored (:func:`extent`,
    with the batch's own areas and periods): a cell of that year elsewhere is not stored,
    and is not looked up. A quarter-end month's walk meets every breakdown of its quarter,
    half and year (not sent: 4,500 cells of a batch of 500), each looked up by its cell
    key before.

    Each cell is looked up once per fetcher, which sees the cells as they were stored when
    it first looked (make one per batch and table: nothing is stored there until the batch
    has been judged, under the table's lock). A batch's walks (today's, the wider one, each
    earlier moment's) meet the same cells not stored again and again, and the batch's own
    cells are looked up before :func:`.protect.protect` and again in it."""
    year = "" if extent is None else str(extent[0])
    areas, periods = (set(), set()) if extent is None else \
        (extent[1].areas, extent[1].periods)
    looked: dict[Coord, CellState | None] = {}  # None: not stored

    def fetch(coords: Iterable[Coord]) -> Mapping[Coord, CellState]:
        coords = list(coords)
        by_key: dict[str, Coord] = {}
        for c in coords:
            area, period, dims = c
            if c not in looked and (not year or not period.startswith(year) or
                                    (area in areas and period in periods)):
                by_key[cell_key(agency, measure, area, period, dict(dims))] = c
        out: dict[Coord, CellState] = {}
        keys = list(by_key)
        for i in range(0, len(keys), 2000):
            q = select(DisclosureCell.cell_key, DisclosureCell.truth, DisclosureCell.shown,
                       DisclosureCell.protected, DisclosureCell.past,
                       DisclosureCell.since).where(
                one_of(session, DisclosureCell.cell_key, keys[i:i + 2000]))
            for k, truth, shown, protected, past, since in session.connection().execute(q):
                out[by_key[k]] = stored_state(truth, shown, protected, past, since)
        looked.update(dict.fromkeys(by_key.values()) | out)
        out.update((c, s) for c in coords if (s := looked.get(c)) is not None and c not in out)
        return out
    return fetch


def stored_state(truth: float | None, shown: float | None, protected: bool,
                 past: list[list[Any]] | None, since: int | None) -> CellState:
    """A ``disclosure_cells`` row as the attack reads it (rows stored before the history was
    kept have none, and count as stored since always)."""
    return CellState(truth, shown, protected,
                     tuple((p[0], p[1], bool(p[2]), int(p[3])) for p in past or ()),
                     since or 0)


def _table(session: Session, catalogue: Catalogue, key: TableKey, docs: list[dict[str, Any]],
           positions: list[int], threshold: int, protection: Protection, batch_id: str,
           now: datetime, record: bool) -> list[Held]:
    agency, measure, _year = key
    spec = catalogue.measures[measure]
    last: dict[Coord, int] = {}
    for i in positions:  # revisions arrive in order; the newest of each cell is judged
        c = coord(docs[i]["area"], docs[i]["period"], docs[i]["dimensions"])
        if c not in last or docs[i]["revision"] > docs[last[c]]["revision"]:
            last[c] = i
    stored = extent(session, key)
    present = Presence(stored.areas | {c.area for c in last},
                       stored.periods | {c.period for c in last})
    fetch = fetcher(session, agency, measure, (key[2], present))
    before = fetch(last)
    out = protect(_links(catalogue, measure), fetch,
                  {c: docs[i]["value"] for c, i in last.items()},
                  threshold=threshold, protection=protection, upper=spec.maximum,
                  present=present, withheld={c for c, i in last.items()
                                             if docs[i]["conf_status"] in WITHHELD},
                  clock=time.time_ns())
    held: list[Held] = []
    audit: list[dict[str, Any]] = []
    newest = set(last.values())
    for i in positions:
        d = docs[i]
        c = coord(d["area"], d["period"], d["dimensions"])
        # An older revision in the same batch is never published, whatever the newest's
        # fate: it was never judged (only the newest is), and once in the log it would be
        # in every history answer, beside the newest, for good.
        decision = out.decisions[c] if i in newest else "superseded"
        if decision == SHOWN:
            continue
        reason = out.reasons[c] if i in newest else \
            "superseded within the batch by a newer revision: only the newest is published"
        if d["value"] is not None:
            d["value"] = None
            if d["conf_status"] not in WITHHELD:  # an agency's own C or N stays as sent
                d["conf_status"] = "C"
        held.append(Held(i, reason, decision))
        audit.append({"at": now, "batch_id": batch_id, "revision": d["revision"],
                      "cell_key": cell_key(agency, measure, c.area, c.period, dict(c.dims)),
                      "action": decision, "reason": reason[:400]})
    for name in out.exposed:  # no new value could protect it: for the operators, no value
        audit.append({"at": now, "batch_id": batch_id, "revision": 0,
                      "cell_key": f"{agency}|{measure}|{name}"[:400], "action": "exposed",
                      "reason": "a protected value is narrowed by values published earlier"})
    if not record:  # a dry run: the same answer, nothing kept, nothing counted (a red team:
        return held  # an open /metrics told how many values of unpublished files were held)
    for h in held:
        HIDDEN_CELLS.labels(_WHY.get(h.kind, "protection")).inc()
    _store(session, agency, measure, key[2], out, before, {c: docs[i] for c, i in last.items()})
    _extend(session, key, stored, present)
    if audit:
        session.execute(insert(DisclosureAudit), audit)
    return held


def extent(session: Session, key: TableKey) -> Presence:
    """Where the linked table has anything stored (see :class:`DisclosureExtent`)."""
    got: dict[str, set[str]] = {"area": set(), "period": set()}
    q = select(DisclosureExtent.axis, DisclosureExtent.code).where(
        DisclosureExtent.agency == key[0], DisclosureExtent.measure == key[1],
        DisclosureExtent.year == key[2])
    for axis, code in session.connection().execute(q):
        got[axis].add(code)
    return Presence(got["area"], got["period"])


def _extend(session: Session, key: TableKey, stored: Presence, now: Presence) -> None:
    """Add the batch's new areas and periods (the table's lock keeps this race-free)."""
    rows = [{"agency": key[0], "measure": key[1], "year": key[2], "axis": axis, "code": code}
            for axis, new, old in (("area", now.areas, stored.areas),
                                   ("period", now.periods, stored.periods))
            for code in sorted(new - old)]
    if rows:
        session.execute(insert(DisclosureExtent), rows)


def _store(session: Session, agency: str, measure: str, year: int, out: Outcome,
           before: Mapping[Coord, CellState], newest: Mapping[Coord, dict[str, Any]]) -> None:
    fresh, changed = [], []
    for c, s in out.states.items():
        row = {"cell_key": cell_key(agency, measure, c.area, c.period, dict(c.dims)),
               "truth": s.truth, "shown": s.shown, "protected": s.primary,
               "revision": newest[c]["revision"], "since": s.since,
               "past": [list(p) for p in s.past] or None}
        if c in before:
            changed.append(row)
        else:
            fresh.append(row | {"agency": agency, "measure": measure, "year": year,
                                "area": c.area, "period": c.period,
                                "dimensions": dict(c.dims)})
    # Not the ORM's bulk insert: that one groups rows by which of their values are None and
    # sent a statement per group, about one per row here (~100 per batch, a tenth of the
    # check's CPU). Core's executemany was still a statement per row on PostgreSQL (a tenth
    # of the live server's CPU under load): there, COPY.
    insert_rows(session=session, model=DisclosureCell, rows=fresh, json=("dimensions", "past"))
    if changed:
        session.execute(update(DisclosureCell), changed)


_LINKS: dict[tuple[int, str], Links] = {}


def _links(catalogue: Catalogue, measure: str) -> Links:
    """Links per catalogue and measure, built once (the area tree walks 313 areas)."""
    k = (id(catalogue), measure)
    if k not in _LINKS:
        _LINKS[k] = Links(catalogue.measures[measure], catalogue)
    return _LINKS[k]


AUDIT_EXPOSED = Gauge("ingest_privacy_exposed_cells",
                      "Protected values the last privacy audit found exposed")
AUDIT_SECONDS = Gauge("ingest_privacy_audit_seconds", "Duration of the last privacy audit")
AUDIT_AT = Gauge("ingest_privacy_audit_timestamp_seconds",
                 "When the last privacy audit was recorded (Unix time; 0: none yet)")
_AUDIT = "audit"  # batch_id and action of an audit's row in the audit log
_FIGURES = re.compile(r"exposed=(\d+) checked=(\d+) seconds=([\d.]+)")


def record_audit(*, session: Session, exposed: int, checked: int, seconds: float) -> None:
    """The audit's figures: into the audit log (counts, never values) and the gauges."""
    now = datetime.now(UTC)
    _show(now, exposed, seconds)
    session.add(DisclosureAudit(at=now, batch_id=_AUDIT, cell_key="*", revision=0,
                                action=_AUDIT, reason=f"exposed={exposed} checked={checked} "
                                                      f"seconds={seconds:.1f}"))


def show_last_audit(*, session: Session) -> None:
    """Set the gauges from the newest audit in the audit log. The audit runs as a job of its
    own (``samstat privacy audit``, a CronJob), whose process ends with its figures: read
    back here, ingest's /metrics says what the last audit found, and alert rules can page on
    an exposed value or on an audit that stopped running."""
    row = session.execute(
        select(DisclosureAudit.at, DisclosureAudit.reason)
        .where(DisclosureAudit.batch_id == _AUDIT, DisclosureAudit.action == _AUDIT)
        .order_by(DisclosureAudit.at.desc()).limit(1)).first()
    figures = _FIGURES.match(row.reason) if row is not None else None
    if row is not None and figures is not None:
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)  # SQLite: naive UTC
        _show(at, int(figures.group(1)), float(figures.group(3)))


def _show(at: datetime, exposed: int, seconds: float) -> None:
    AUDIT_EXPOSED.set(exposed)
    AUDIT_SECONDS.set(seconds)
    AUDIT_AT.set(at.timestamp())
