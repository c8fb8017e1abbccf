"""title meaning: an indicator's initiative, plan year and wanted direction, from the registry

Revision ID: 0005_title_meaning
Revises: 0004_withdrawn
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_title_meaning"
down_revision = "0004_withdrawn"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Null until the registry's next event of the indicator (its periodic snapshot fills them).
    with op.batch_alter_table("indicators_titles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("initiative", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("direction", sa.String(length=4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicators_titles", schema=None) as batch_op:
        for column in ("direction", "initiative", "plan_year"):
            batch_op.drop_column(column)
