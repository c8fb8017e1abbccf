"""notify: the convener's inbox (read marks, snooze, assignee, comments), one-click links,
mute windows

Revision ID: 0003_inbox
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_inbox"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_inbox_reads",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("reader", sa.String(length=254), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["notify_alerts.id"],
                                name=op.f("fk_notify_inbox_reads_alert_id_notify_alerts")),
        sa.PrimaryKeyConstraint("alert_id", "reader", name=op.f("pk_notify_inbox_reads")),
    )
    op.create_table(
        "notify_used_links",
        sa.Column("link_id", sa.String(length=64), nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["notify_alerts.id"],
                                name=op.f("fk_notify_used_links_alert_id_notify_alerts")),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_notify_used_links")),
    )
    with op.batch_alter_table("notify_used_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notify_used_links_alert_id"), ["alert_id"],
                              unique=False)
    op.create_table(
        "notify_mute_windows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("convener", sa.String(length=64), nullable=False),
        sa.Column("start_month", sa.Integer(), nullable=False),
        sa.Column("start_day", sa.Integer(), nullable=False),
        sa.Column("end_month", sa.Integer(), nullable=False),
        sa.Column("end_day", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_mute_windows")),
    )
    with op.batch_alter_table("notify_mute_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notify_mute_windows_convener"), ["convener"],
                              unique=False)
    # Added in place (never a table copy: SQLite would have to drop notify_alerts, which
    # other tables' rows refer to).
    with op.batch_alter_table("notify_alerts", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("assignee", sa.String(length=254), nullable=True))
    with op.batch_alter_table("notify_alert_events", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))
    _widen(64, 254)


def _widen(old: int, new: int) -> None:
    """Room for people's e-mail addresses as actors. SQLite does not enforce a VARCHAR's
    length (and changing it would copy the table), so only other databases are altered."""
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column("notify_alerts", "acknowledged_by", existing_type=sa.String(length=old),
                    type_=sa.String(length=new), existing_nullable=True)
    op.alter_column("notify_alert_events", "actor", existing_type=sa.String(length=old),
                    type_=sa.String(length=new), existing_nullable=False)


def downgrade() -> None:
    # Actors longer than the old column (people's e-mail addresses) are cut to fit.
    op.execute("UPDATE notify_alert_events SET actor = substr(actor, 1, 64) "
               "WHERE length(actor) > 64")
    op.execute("UPDATE notify_alerts SET acknowledged_by = substr(acknowledged_by, 1, 64) "
               "WHERE length(acknowledged_by) > 64")
    _widen(254, 64)
    with op.batch_alter_table("notify_alert_events", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("comment")
    with op.batch_alter_table("notify_alerts", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("assignee")
        batch_op.drop_column("snoozed_until")
    with op.batch_alter_table("notify_mute_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_mute_windows_convener"))
    op.drop_table("notify_mute_windows")
    with op.batch_alter_table("notify_used_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_used_links_alert_id"))
    op.drop_table("notify_used_links")
    op.drop_table("notify_inbox_reads")
