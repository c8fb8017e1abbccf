"""disclosure control: each cell's earlier revisions as the public read them

Revision ID: 0004_disclosure_history
Revises: 0003_disclosure_extent

History and as_of answers serve every revision, so the attack reasons over each relation as
it stood before each correction too (services/ingest/disclosure/history.py). Rows stored
before have no history and count as stored since always.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_disclosure_history"
down_revision = "0003_disclosure_extent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disclosure_cells") as batch:
        batch.add_column(sa.Column("past", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("since", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disclosure_cells") as batch:
        batch.drop_column("since")
        batch.drop_column("past")
