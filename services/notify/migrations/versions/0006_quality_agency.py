"""notify: a data-quality alert's id names the reporting agency
(``dq:<agency>:<measure>:<dimension>[:<k>=<v>,...]``), so that two agencies reporting the same
measure for the same area each have their own alert instead of taking over one another's

Revision ID: 0006_quality_agency
Revises: 0005_withdrawn

Only ``notify_alerts`` holds data-quality ids (its ``indicator`` and ``dedup_key``, which
starts with the indicator): definitions, indicator values and silences take registry ids
only (events.IndicatorId has no ":"), and sent digests are read in either form.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_quality_agency"
down_revision = "0005_withdrawn"
branch_labels = None
depends_on = None

# An alert's agency is its convener: alerts/quality.py made the reporting agency the convener
# and named no other for an area. An id that already starts with it is in the new form.
_OLD_FORM = ("rule = 'data_quality' AND indicator LIKE 'dq:%' "
             "AND substr(indicator, 1, length(convener) + 4) <> 'dq:' || convener || ':'")


def upgrade() -> None:
    _resize(indicator=160, dedup_key=255)
    # Both columns start with the old id: "dq:" stays, the agency goes in after it. An id
    # another alert already has (one a downgrade left new) stays old: read, never matched.
    op.execute("UPDATE notify_alerts SET "
               "indicator = 'dq:' || convener || ':' || substr(indicator, 4), "
               "dedup_key = 'dq:' || convener || ':' || substr(dedup_key, 4) "
               f"WHERE {_OLD_FORM} AND NOT EXISTS (SELECT 1 FROM notify_alerts o WHERE "
               "o.dedup_key = 'dq:' || notify_alerts.convener || ':' "
               "|| substr(notify_alerts.dedup_key, 4))")


def _resize(*, indicator: int, dedup_key: int) -> None:
    """Room for the agency in the id. SQLite does not enforce a VARCHAR's length (and
    changing it would copy notify_alerts, which other tables' rows refer to)."""
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column("notify_alerts", "indicator", existing_type=sa.String(length=64),
                    type_=sa.String(length=indicator), existing_nullable=False)
    op.alter_column("notify_alerts", "dedup_key", existing_type=sa.String(length=200),
                    type_=sa.String(length=dedup_key), existing_nullable=False)


def downgrade() -> None:
    """Back to the old ids where they are free. Two agencies' alerts of one measure, area and
    period had one old id: the older alert takes it, the other keeps its new id (0005's code
    never finds it again, and never merges it into the other agency's). So the columns stay
    wide: such an id may not fit the old width, and 0005's code works with either."""
    alerts = sa.table("notify_alerts", sa.column("id"), sa.column("indicator"),
                      sa.column("dedup_key"), sa.column("convener"), sa.column("rule"),
                      sa.column("created_at"))
    conn = op.get_bind()
    rows = conn.execute(sa.select(alerts.c.id, alerts.c.indicator, alerts.c.dedup_key,
                                  alerts.c.convener)
                        .where(alerts.c.rule == "data_quality",
                               alerts.c.indicator.like("dq:%"))
                        .order_by(alerts.c.created_at, alerts.c.id)).all()
    taken = set(conn.execute(sa.select(alerts.c.dedup_key)).scalars())
    for alert_id, indicator, key, convener in rows:
        agency = f"dq:{convener}:"
        if not indicator.startswith(agency):
            continue  # already in the old form
        old_key = "dq:" + key[len(agency):]
        if old_key in taken:
            continue
        taken.add(old_key)
        conn.execute(sa.update(alerts).where(alerts.c.id == alert_id).values(
            indicator="dq:" + indicator[len(agency):], dedup_key=old_key))
