"""disclosure control: cell states and the audit log (no values)

Revision ID: 0002_disclosure
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_disclosure"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "disclosure_cells",
        sa.Column("cell_key", sa.String(length=400), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("truth", sa.Float(), nullable=True),
        sa.Column("shown", sa.Float(), nullable=True),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("cell_key", name=op.f("pk_disclosure_cells")),
    )
    op.create_index("ix_disclosure_cells_table", "disclosure_cells",
                    ["agency", "measure", "year"], unique=False)
    op.create_table(
        "disclosure_audit",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("cell_key", sa.String(length=400), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_audit")),
    )
    op.create_index(op.f("ix_disclosure_audit_at"), "disclosure_audit", ["at"], unique=False)
    op.create_index(op.f("ix_disclosure_audit_batch_id"), "disclosure_audit", ["batch_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_disclosure_audit_batch_id"), table_name="disclosure_audit")
    op.drop_index(op.f("ix_disclosure_audit_at"), table_name="disclosure_audit")
    op.drop_table("disclosure_audit")
    op.drop_index("ix_disclosure_cells_table", table_name="disclosure_cells")
    op.drop_table("disclosure_cells")
