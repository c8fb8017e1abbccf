"""the rate limit's moving window, shared by ingest replicas (storage "database")

Revision ID: 0002_ratelimit
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_ratelimit"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_rate_hits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_rate_hits")),
    )
    op.create_index("ix_ingest_rate_hits_key_at", "ingest_rate_hits", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_ingest_rate_hits_key_at", table_name="ingest_rate_hits")
    op.drop_table("ingest_rate_hits")
