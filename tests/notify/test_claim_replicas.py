"""Two notify replicas claiming from one PostgreSQL at the same moment (two real connections,
committed rows): a message is sent by one of them, whole, never in parts under one id."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from samstat_kit.db import get_engine
from services.notify.delivery.models import Delivery
from services.notify.subscriptions.models import Subscription

from .factory import NOW
from .test_grouping import WAIT, claim, fire, setup


def test_a_message_half_claimed_by_another_replica_is_left_to_it(postgres_url: str) -> None:
    engine = get_engine(postgres_url)
    with Session(engine) as s:
        _, hook, ind = setup(s)
        for area in ("2480", "2460", "2404"):
            fire(s, ind, area, NOW)
        [first] = claim(s, hook, NOW + WAIT)  # one message of three alerts, then the sender died
        s.commit()
    ids = sorted(first.settles)
    later = NOW + WAIT + timedelta(minutes=3)  # its lease has run out: due again, as one message
    other = engine.connect()  # replica A, in the middle of claiming: holds the first row
    try:
        tx = other.begin()
        other.execute(text("SELECT id FROM notify_deliveries WHERE id = :i FOR UPDATE"),
                      {"i": ids[0]})
        with Session(engine) as b:  # replica B claims at the same moment
            partial = claim(b, hook, later)
            b.rollback()
        # B must not send the other two under the message's id: a receiver that already has
        # that id from A would drop them as a copy.
        assert partial == [], [n.settles for n in partial]
        tx.rollback()
        with Session(engine) as b:  # A gave up: the whole message goes, with its own id
            [again] = claim(b, hook, later)
            b.rollback()
        assert (again.delivery_id, sorted(again.settles)) == (first.delivery_id, ids)
    finally:
        other.close()
        with Session(engine) as s:
            subs = list(s.scalars(select(Subscription.id).where(Subscription.target == hook)))
            s.execute(delete(Delivery).where(Delivery.subscription_id.in_(subs)))
            s.commit()
