"""notify: indexes for the inbox's list (an agency's alerts as convener or follow-up owner,
by status and when they fired)

Revision ID: 0004_inbox_order
Revises: 0003_inbox
"""

from alembic import op

revision = "0004_inbox_order"
down_revision = "0003_inbox"
branch_labels = None
depends_on = None

COLUMNS = {"ix_notify_alerts_convener_order": ["convener", "status", "fired_at", "id"],
           "ix_notify_alerts_owner_order": ["follow_up_owner", "status", "fired_at", "id"]}


def upgrade() -> None:
    for name, columns in COLUMNS.items():
        op.create_index(name, "notify_alerts", columns, unique=False)


def downgrade() -> None:
    for name in COLUMNS:
        op.drop_index(name, table_name="notify_alerts")
