"""Data-quality findings from the indicators worker become alerts for the reporting agency.

A total that disagrees with its parts is the owner's to fix, so the agency that reported the
figures is the convener, and an association follows up: the one whose member municipalities
make up the finding's area (the catalogue says which, ``codelists/agencies.json``), else the
coordinating association. Two agencies may report the same measure for the same area, so the
agency is part of the alert's id and so of its dedup key: each agency's finding is its own
alert, which only its own "ok" resolves and only it sees and acts on.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from samstat_kit.contracts import load_catalogue
from services.notify import rules
from services.notify.alerts.definitions import IndicatorDefinition
from services.notify.alerts.lifecycle import apply_verdict
from services.notify.alerts.models import INDICATOR_LENGTH, Alert
from services.notify.names import quality_id, quality_title

# The association that coordinates the exchange: it follows up what no other one covers.
ASSOCIATION = "samordningsforbundet"
RULE = "data_quality"
# An agency code (events.AgencyCode): no ":" that would shift the id's parts.
AGENCY = re.compile(r"[a-z][a-z0-9\-]{0,63}")


def finding_id(doc: dict[str, Any]) -> str:
    """The alert id of a finding; ValueError when it cannot be one (the consumer skips such an
    event rather than fail its whole batch on the database's refusal)."""
    agency = doc["agency"]
    if not isinstance(agency, str) or not AGENCY.fullmatch(agency):
        raise ValueError(f"not an agency code: {agency!r}")
    indicator = quality_id(agency, str(doc["measure"]), str(doc["dimension"]),
                           doc.get("dimensions") or {})
    if len(indicator) > INDICATOR_LENGTH:
        raise ValueError(f"data-quality id longer than {INDICATOR_LENGTH}: {indicator}")
    return indicator


def follow_up_owner(agency: str, area: str) -> str:
    """Who follows a finding up (reads the alert and its comments, gets a copy): an
    association's own figures are its own; anyone else's, the association whose members make
    up ``area`` (Timrå's 2262 is Härnösand–Timrå's, not Umeåregionen's); an area no one
    association covers (a county, the nation, a municipality of none), the coordinating one.
    Stored on the alert when it opens or changes: an alert opened before an association's
    members were declared keeps its owner until its next finding changes it."""
    catalogue = load_catalogue()
    who = catalogue.agencies.get(agency)
    if who is not None and who.kind == "association":
        return agency
    return catalogue.association_of(area) or ASSOCIATION


def handle_data_quality(*, session: Session, doc: dict[str, Any], now: datetime
                        ) -> Alert | None:
    """Open (mismatch) or resolve (ok) the alert of one total-versus-parts group."""
    measure, dim = doc["measure"], doc["dimension"]
    definition = IndicatorDefinition(
        id=finding_id(doc),
        plan_year=int(str(doc["period"])[:4]), version=1, convener=doc["agency"],
        follow_up_owner=follow_up_owner(doc["agency"], str(doc["area"])),
        # Pages and messages name the alert from its id when shown (names.alert_title);
        # these are the same words, for whoever reads the definition itself.
        title_sv=quality_title(measure, dim, doc.get("dimensions") or {}, "sv"),
        title_en=quality_title(measure, dim, doc.get("dimensions") or {}, "en"),
    )
    firing = doc["status"] == "mismatch"
    if firing:
        reason = f"reported total {doc['total']:g} but the parts add up to {doc['parts_sum']:g}"
    elif doc.get("compared") is False:  # ok because a figure was withdrawn or withheld
        reason = "the total or a part is no longer reported: nothing left to compare"
    else:
        reason = "the total now agrees with its parts"
    verdict = rules.Verdict(firing, float(doc["parts_sum"]), reason)
    return apply_verdict(session=session, definition=definition, area=doc["area"],
                         period=doc["period"], rule=RULE, verdict=verdict,
                         value=float(doc["total"]), now=now,
                         source_event_id=doc.get("event_id"))
