"""The anonymisation gate: small-count suppression.

Personal identity numbers are found by :mod:`samstat_kit.anonymity` (the same rule as the
agencies' ``samstat publish``). :func:`protect` is the suppression step of ``accept_batch``:
disclosure control over the whole stream (:mod:`services.ingest.disclosure`). :func:`suppress`
is the earlier one-batch, one-dimension rule, kept as the pure baseline it is compared with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from samstat_kit.contracts import Catalogue
from services.ingest.disclosure.service import WITHHELD, lock_tables, protect_batch

TOTAL = "_T"


@dataclass(frozen=True)
class Suppression:
    index: int
    reason: str
    kind: str = ""


def protect(*, session: Session, docs: list[dict[str, Any]], catalogue: Catalogue,
            threshold: int, batch_id: str, record: bool = True) -> list[Suppression]:
    """Hide (in place) every value of ``docs`` that small-count protection holds back, judged
    against everything published before; ``index`` is the position in ``docs``. A value the
    agency sent marked confidential (conf_status C or N) is never published either, whatever
    its measure: disclosure control protects a person count's with its true value, any other
    loses its value here."""
    out = [_withdrawal(docs[h.position], Suppression(h.position, h.reason, h.kind))
           for h in protect_batch(session=session, docs=docs, catalogue=catalogue,
                                  threshold=threshold, batch_id=batch_id, record=record)]
    for i, d in enumerate(docs):
        if d["value"] is not None and d["conf_status"] in WITHHELD:
            d["value"] = None
            out.append(Suppression(i, "hidden by the agency", "agency"))
    return sorted(out, key=lambda s: s.index)


WITHDRAWN = "withdrawn: the agency takes the cell back"


def _withdrawal(doc: dict[str, Any], hidden: Suppression) -> Suppression:
    """A withdrawal (no value) is what the disclosure control treats as a value the agency
    hid, and a receipt, the CLI and the upload page said so ("hidden by the agency", "the
    file marks the value confidential"; a black-box test): it says it is a withdrawal."""
    if doc.get("withdrawn") and hidden.kind == "agency":
        return Suppression(hidden.index, WITHDRAWN, "withdrawn")
    return hidden


def lock(*, session: Session, docs: list[dict[str, Any]], catalogue: Catalogue) -> None:
    """Before a batch reads its cells' revisions: see :func:`lock_tables`."""
    lock_tables(session=session, docs=docs, catalogue=catalogue)


def suppress(
    records: Sequence[dict[str, Any]],
    person_count: Sequence[bool],
    threshold: int,
) -> list[Suppression]:
    """Suppress small person counts in place, then enough other cells that none is recomputable.

    Primary: a person count with 0 < value < threshold loses its value (conf_status C).
    Secondary: within one group of cells that differ only in one dimension and that holds the
    total (code ``_T``), a single hidden part could be recomputed as total minus the others, so
    the smallest other visible part is hidden too (or the total, if there is no other part).
    """
    out: list[Suppression] = []
    for i, rec in enumerate(records):
        v = rec.get("value")
        if person_count[i] and isinstance(v, int | float) and 0 < v < threshold:
            _hide(rec)
            out.append(Suppression(i, f"primary: fewer than {threshold} persons"))
    for members in _total_groups(records, person_count):
        total_i = members[TOTAL]
        parts = {c: i for c, i in members.items() if c != TOTAL}
        hidden = [i for i in parts.values() if records[i].get("value") is None]
        if len(hidden) != 1 or records[total_i].get("value") is None:
            continue
        visible = [i for i in parts.values() if records[i].get("value") is not None]
        target = min(visible, key=lambda i: records[i]["value"]) if visible else total_i
        _hide(records[target])
        out.append(Suppression(target, "secondary: would reveal a suppressed cell via the total"))
    return out


def _hide(rec: dict[str, Any]) -> None:
    rec["value"] = None
    rec["conf_status"] = "C"


def _total_groups(
    records: Sequence[dict[str, Any]], person_count: Sequence[bool]
) -> Iterator[dict[str, int]]:
    """Groups {code: index} along one dimension that contain a total."""
    groups: dict[tuple[Any, ...], dict[str, int]] = defaultdict(dict)
    for i, rec in enumerate(records):
        if not person_count[i]:
            continue
        dims: Mapping[str, str] = rec.get("dimensions") or {}
        base = (rec.get("agency"), rec.get("measure"), rec.get("area"), rec.get("period"))
        for d, code in dims.items():
            rest = tuple(sorted((k, v) for k, v in dims.items() if k != d))
            groups[(*base, d, rest)][code] = i
    for members in groups.values():
        if TOTAL in members and len(members) > 1:
            yield members
