"""Indicator-value events (schemas/indicator-value.v1), said once per change. Pure.

Why the two steps (propose, then confirm): the worker's state (faust changelogs) and its
output (indicator values) are separate Kafka writes, and there are no transactions. If the
memory of "this was said" reached the changelog while the event itself was lost in a crash,
the value would never be said again. So the memory is written only after the broker
acknowledged the event (:meth:`Emitter.confirm`); a crash in between merely says it twice,
which consumers absorb (they keep the newest value).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import Any

import orjson

from samstat_kit.periods import Period

Event = tuple[str, dict[str, Any]]  # (Kafka key, document)
# The memos of a value taken back (indicator-value ``withdrawn: true``) and of one that can
# no longer be computed (inputs withheld): no value, and digests no computed value has
# (those are SHA-1 hex digests).
RETRACTED: dict[str, Any] = {"value": None, "digest": "withdrawn"}
UNCOMPUTABLE: dict[str, Any] = {"value": None, "digest": "not computable"}


class Emitter:
    """What was said per key: ``emitted`` (the table) holds what the broker acknowledged;
    ``pending`` what the message being handled proposes; ``unconfirmed`` what was sent but is
    not acknowledged yet (the worker settles acknowledgements per polled buffer of messages,
    not per message)."""

    def __init__(self, emitted: MutableMapping[str, Any]) -> None:
        self.emitted = emitted
        self.pending: dict[str, Any] = {}
        self.unconfirmed: dict[str, Any] = {}

    def said(self, key: str) -> Any:
        """What was last said (or is about to be) for ``key``; None if nothing."""
        if key in self.pending:
            return self.pending[key]
        if key in self.unconfirmed:
            return self.unconfirmed[key]
        return self.emitted.get(key)

    def propose(self, key: str, memo: Any) -> tuple[bool, Any]:
        """Whether ``memo`` is news for ``key``, and what was said before (or None)."""
        before = self.said(key)
        if before == memo:
            return False, before
        self.pending[key] = memo
        return True, before

    def take(self) -> dict[str, Any]:
        """The memos of the message just handled, now sent but not yet acknowledged."""
        memos, self.pending = self.pending, {}
        self.unconfirmed.update(memos)
        return memos

    def confirm(self, memos: dict[str, Any] | None = None) -> None:
        """``memos`` (default: everything proposed) are acknowledged: remember them."""
        if memos is None:
            memos = self.take()
        for key, memo in memos.items():
            self.emitted[key] = memo
            if self.unconfirmed.get(key) is memo:
                del self.unconfirmed[key]

    def discard(self) -> None:
        self.pending.clear()
        self.unconfirmed.clear()

    def retraction_event(self, *, indicator: str, area: str, period: Period, unit: str,
                         now: datetime, withdrawn: bool = True) -> Event | None:
        """The event taking back what was said for (indicator, area, period) once it cannot
        be computed any more, or None when nothing was ever said (most periods) or this was
        said already. ``withdrawn``: an input behind it was withdrawn (``withdrawn: true``:
        consumers forget the value); otherwise its inputs are withheld now (a correction held
        back), and the value is ``null``, not computable, as indicator-value v1 says.

        Without it a consumer cannot tell "nothing left" from "no change" and keeps the
        old figure (the read model's sums, notify's alert). The memo records it, so a value
        computed again later is news again."""
        key = f"{indicator}|{area}|{period.code}"
        before = self.said(key)
        if before is None:
            return None
        if not withdrawn and before.get("digest") == RETRACTED["digest"]:
            return None  # taken back already: "not computable" adds nothing to that
        if not self.propose(key, dict(RETRACTED if withdrawn else UNCOMPUTABLE))[0]:
            return None
        return f"{indicator}|{area}", {
            "event_id": str(uuid.uuid4()), "indicator": indicator, "area": area,
            "period": period.code, "value": None, "previous_value": before["value"],
            "year_ago_value": None, "unit": unit, "components": {}, "input_revisions": {},
            "complete": False, "computed_at": now.isoformat(),
        } | ({"withdrawn": True} if withdrawn else {})

    def value_event(
        self, *, indicator: str, area: str, period: Period, value: float | None,
        year_ago_value: float | None, unit: str, components: dict[str, Any],
        revisions: dict[str, int], complete: bool, now: datetime,
        revisions_as: Callable[[dict[str, int]], dict[str, int]] | None = None,
    ) -> Event | None:
        """The event for a value, or None when it says nothing new (e.g. a redelivery).

        ``revisions`` goes into the digest as given; ``revisions_as`` turns it into the
        event's ``input_revisions`` (ingest cell keys), only when there is an event."""
        digest = hashlib.sha1(orjson.dumps(
            [value, year_ago_value, components, revisions, complete], default=str,
            option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)).hexdigest()
        news, before = self.propose(f"{indicator}|{area}|{period.code}",
                                    {"value": value, "digest": digest})
        if not news:
            return None
        return f"{indicator}|{area}", {
            "event_id": str(uuid.uuid4()), "indicator": indicator, "area": area,
            "period": period.code, "value": value,
            "previous_value": before["value"] if before else None,
            "year_ago_value": year_ago_value, "unit": unit, "components": components,
            "input_revisions": revisions_as(revisions) if revisions_as else revisions,
            "complete": complete,
            "computed_at": now.isoformat(),
        }
