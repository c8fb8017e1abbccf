"""the outbox relay's lease: which relay publishes a row, and until when

Revision ID: 0002_outbox_lease
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_outbox_lease"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, so existing rows are simply unclaimed: no rewrite of the table.
    op.add_column("ingest_outbox", sa.Column("claimed_by", sa.String(length=100), nullable=True))
    op.add_column("ingest_outbox",
                  sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_outbox") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
