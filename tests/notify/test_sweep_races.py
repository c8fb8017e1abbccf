"""The sweep against the inbox and the consumers: a sweep decides on alerts it read, so no
other writer may change them between that read and its writes.

On PostgreSQL the sweep locks the rows it read (FOR UPDATE); on SQLite it takes the
database's write lock before reading (services.notify.rows.write_lock). Before that, an
acknowledgement committed between the sweep's read and its first write, and the alert was
escalated to the association after its convener had acknowledged it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from samstat_kit.db import session_factory, session_scope
from services.notify.alerts import sweeps
from services.notify.inbox import service as inbox
from tests.races import second_waits

from .factory import indicator_id, later
from .test_inbox_races import FK, make_alert, story


def test_an_acknowledgement_waits_for_the_sweep_that_read_the_alert(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    f = session_factory(db_url)
    alert_id = make_alert(f, indicator_id("sw"))

    def sweep() -> bool:
        with session_scope(f) as s:
            assert sweeps.sweep_turn(session=s)
            # (other tests' overdue alerts in the shared database are escalated too)
            return alert_id in {a.id for a in sweeps.escalate_overdue(
                session=s, now=later(days=10), after_days=3,
                association="samordningsforbundet")}

    def acknowledge() -> Any:
        with session_scope(f) as s:
            return inbox.acknowledge(session=s, principal=FK, alert_id=alert_id,
                                     who="alice@fk.se", now=later(days=10, seconds=1)).status

    # The sweep holds after its read of the overdue alerts, before it writes anything.
    waited, out = second_waits(monkeypatch, Session, "scalars", sweep, acknowledge)
    assert waited
    assert out == {"first": True, "second": "acknowledged"}
    assert story(f, alert_id) == ("acknowledged", [
        ("opened", "rules"), ("escalated", "sweep"), ("acknowledged", "alice@fk.se")])
