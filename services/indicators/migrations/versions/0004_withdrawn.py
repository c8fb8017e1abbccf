"""withdrawn: a value taken back because every input cell behind it was withdrawn

Revision ID: 0004_withdrawn
Revises: 0003_titles
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_withdrawn"
down_revision = "0003_titles"
branch_labels = None
depends_on = None

TABLES = ("indicators_values", "indicators_value_versions")


def upgrade() -> None:
    # Existing rows are values the worker computed: none is a retraction.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("withdrawn", sa.Boolean(), nullable=False,
                                          server_default=sa.false()))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("withdrawn")
