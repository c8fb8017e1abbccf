"""registry: the association a plan belongs to (plans loaded from another association's file)

Revision ID: 0003_plan_association
Revises: 0002_area_conveners
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_plan_association"
down_revision = "0002_area_conveners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("initiatives_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("association", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # Not batch mode: on SQLite that copies the table, and dropping the old one breaks the
    # foreign keys of the plans' initiatives. SQLite 3.35+ drops a column in place.
    op.execute("ALTER TABLE initiatives_plans DROP COLUMN association")
