"""notify: withdrawn, a value taken back (every input cell behind it withdrawn), so that the
stale rule expects the period again instead of taking it as arrived

Revision ID: 0005_withdrawn
Revises: 0004_inbox_order
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_withdrawn"
down_revision = "0004_inbox_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows stored before are values as the worker said them; none was known as taken back.
    with op.batch_alter_table("notify_indicator_values", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("notify_indicator_values", schema=None) as batch_op:
        batch_op.drop_column("withdrawn")
