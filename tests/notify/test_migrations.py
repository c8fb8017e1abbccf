"""The notify migrations go up and down on both databases and match the models."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from samstat_kit.db import downgrade, migrate
from services.notify.alerts.models import Base
from services.notify.delivery import models as _deliveries  # noqa: F401
from services.notify.digests import models as _digests  # noqa: F401
from services.notify.inbox import models as _inbox  # noqa: F401
from services.notify.subscriptions import models as _subscriptions  # noqa: F401

PG_BASE = os.environ.get("SAMSTAT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TABLES = {"notify_definitions", "notify_indicator_values", "notify_alerts", "notify_contacts",
          "notify_alert_events", "notify_subscriptions", "notify_silences", "notify_deliveries",
          "notify_digests", "notify_inbox_reads", "notify_used_links", "notify_mute_windows",
          "notify_opt_outs"}


def test_upgrade_matches_models_and_downgrade_removes_all(empty_url: str) -> None:
    migrate(empty_url, "services.notify")
    eng = create_engine(empty_url)
    try:
        with eng.connect() as conn:
            assert set(inspect(conn).get_table_names()) >= TABLES
            ctx = MigrationContext.configure(conn, opts={
                "version_table": "alembic_version_notify",
                "include_name": lambda name, kind, _parent: kind != "table"
                or str(name).startswith("notify_"),
            })
            diff = compare_metadata(ctx, Base.metadata)
            assert diff == [], diff
        downgrade(empty_url, "services.notify")
        with eng.connect() as conn:
            left = set(inspect(conn).get_table_names())
        assert not (TABLES & left)
        migrate(empty_url, "services.notify")  # and up again
    finally:
        eng.dispose()


def test_0002_keeps_existing_rows_and_goes_back(empty_url: str) -> None:
    """Rows written under 0001 get the defaults (convener role, sequence 0, own
    subscription); going back drops what 0001 cannot hold (reminders) and retires the
    registry's subscriptions rather than turning them into ordinary ones."""
    migrate(empty_url, "services.notify", "0001")
    eng = create_engine(empty_url)
    ts = "2024-03-01 12:00:00"
    try:
        with eng.begin() as c:
            c.execute(text(
                "INSERT INTO notify_alerts (id, dedup_key, indicator, area, period, rule, "
                "status, convener, reason, episode, created_at, updated_at, fired_at) VALUES "
                "('a1', 'k', 'i', '2480', '2023', 'yoy_rise', 'firing', 'kriminalvarden', "
                f"'r', 1, '{ts}', '{ts}', '{ts}')"))
            c.execute(text(
                "INSERT INTO notify_subscriptions (id, convener, channel, target, lang, format, "
                f"created_at, created_by) VALUES ('s1', 'kriminalvarden', 'email', "
                f"'a@b.example', 'sv', 'json', '{ts}', 'test')"))
            c.execute(text(
                "INSERT INTO notify_deliveries (alert_id, subscription_id, transition, episode, "
                "status, attempts, next_attempt_at, created_at) VALUES "
                f"('a1', 's1', 'firing', 1, 'sent', 1, '{ts}', '{ts}')"))
        migrate(empty_url, "services.notify")
        with eng.begin() as c:
            assert c.execute(text(
                "SELECT role, sequence, batch_id FROM notify_deliveries")).one() == (
                "convener", 0, None)
            assert c.execute(text("SELECT source FROM notify_subscriptions")).scalar() == "api"
            assert c.execute(text("SELECT reminders FROM notify_alerts")).scalar() == 0
            c.execute(text(
                "INSERT INTO notify_deliveries (alert_id, subscription_id, transition, episode, "
                "sequence, role, status, attempts, next_attempt_at, created_at) VALUES "
                f"('a1', 's1', 'reminder', 1, 1, 'convener', 'sent', 1, '{ts}', '{ts}'), "
                f"('a1', 's1', 'reminder', 1, 2, 'convener', 'pending', 0, '{ts}', '{ts}')"))
            c.execute(text(
                "INSERT INTO notify_subscriptions (id, convener, channel, target, lang, format, "
                f"created_at, created_by, source) VALUES ('s2', 'kriminalvarden', 'email', "
                f"'box@kv.example', 'sv', 'json', '{ts}', 'registry', 'registry')"))
        downgrade(empty_url, "services.notify", "0001")
        with eng.begin() as c:
            assert c.execute(text("SELECT transition FROM notify_deliveries")).scalars().all() \
                == ["firing"]
            retired: dict[str, bool] = dict(c.execute(text(
                "SELECT id, deleted_at IS NOT NULL FROM notify_subscriptions")).tuples().all())
            assert retired == {"s1": False, "s2": True}
            left = set(inspect(c).get_table_names())
        assert not ({"notify_digests", "notify_contacts"} & left)
        migrate(empty_url, "services.notify")
    finally:
        eng.dispose()


def test_0007_remembers_the_mailboxes_already_unsubscribed(empty_url: str) -> None:
    """A registry subscription ended while the registry still names its address (and no
    other of the registry's reaches it) was ended by its unsubscribe link: the upgrade
    remembers it, so the next registry edit does not subscribe it again. A mailbox the
    registry replaced, or named again after it was replaced, is no opt-out."""
    migrate(empty_url, "services.notify", "0006_quality_agency")
    eng = create_engine(empty_url)
    ts, gone = "2024-03-01 12:00:00", "2024-04-01 08:00:00"
    subs = [  # id, agency, channel, target, deleted_at
        ("s1", "fk", "email", "Kansli@fk.example", gone),  # unsubscribed
        ("s2", "fk", "webhook", "https://h.example/fk", None),
        ("s3", "af", "email", "old@af.example", gone),  # replaced by the registry
        ("s4", "af", "email", "ny@af.example", None),
        ("s5", "kv", "email", "kv@kv.example", "2024-01-01 00:00:00"),  # replaced, named again
        ("s6", "kv", "email", "kv@kv.example", None)]
    try:
        with eng.begin() as c:
            for agency, email, webhook in (("fk", "kansli@fk.example", "https://h.example/fk"),
                                           ("af", "ny@af.example", None),
                                           ("kv", "kv@kv.example", None)):
                c.execute(text("INSERT INTO notify_contacts (agency, email, webhook, "
                               "updated_at) VALUES (:a, :e, :w, :t)"),
                          {"a": agency, "e": email, "w": webhook, "t": ts})
            for sid, agency, channel, target, deleted in subs:
                c.execute(text(
                    "INSERT INTO notify_subscriptions (id, convener, channel, target, lang, "
                    "format, created_at, created_by, source, deleted_at) VALUES (:i, :a, :c, "
                    ":t, 'sv', 'json', :ts, 'registry', 'registry', :d)"),
                    {"i": sid, "a": agency, "c": channel, "t": target, "ts": ts, "d": deleted})
        migrate(empty_url, "services.notify")
        with eng.begin() as c:
            rows = c.execute(text("SELECT convener, channel, address, subscription_id "
                                  "FROM notify_opt_outs")).tuples().all()
            assert rows == [("fk", "email", "kansli@fk.example", "s1")]
        downgrade(empty_url, "services.notify", "0006_quality_agency")
        with eng.connect() as c:
            assert "notify_opt_outs" not in inspect(c).get_table_names()
    finally:
        eng.dispose()
