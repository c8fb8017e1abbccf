"""registry: per-area conveners of an indicator (area code -> agency code)

Revision ID: 0002_area_conveners
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_area_conveners"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("initiatives_indicators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_conveners", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("initiatives_indicators", schema=None) as batch_op:
        batch_op.drop_column("area_conveners")
