"""disclosure control: where each linked table has anything published (areas, periods)

Revision ID: 0003_disclosure_extent
Revises: 0002_disclosure

Read on every batch to leave relations that cannot hold a published cell out of the walk,
without a DISTINCT over all of a table's cells.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_disclosure_extent"
down_revision = "0002_disclosure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosure_extent",
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("axis", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("agency", "measure", "year", "axis", "code"),
    )
    for axis in ("area", "period"):
        op.execute(
            "INSERT INTO disclosure_extent (agency, measure, year, axis, code) "
            f"SELECT DISTINCT agency, measure, year, '{axis}', {axis} FROM disclosure_cells")


def downgrade() -> None:
    op.drop_table("disclosure_extent")
