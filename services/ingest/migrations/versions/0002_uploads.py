"""uploads from the browser (the upload page)

Revision ID: 0002_uploads
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_uploads"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_uploads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("xlsx", sa.Boolean(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("suppressed", sa.Integer(), nullable=False),
        sa.Column("batch_ids", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_uploads")),
    )
    op.create_index(op.f("ix_ingest_uploads_agency"), "ingest_uploads", ["agency"])
    op.create_index(op.f("ix_ingest_uploads_created_at"), "ingest_uploads", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ingest_uploads_created_at"), table_name="ingest_uploads")
    op.drop_index(op.f("ix_ingest_uploads_agency"), table_name="ingest_uploads")
    op.drop_table("ingest_uploads")
