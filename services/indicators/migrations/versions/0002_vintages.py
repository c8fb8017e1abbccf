"""vintages: every indicator value by transaction time

Revision ID: 0002_vintages
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_vintages"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicators_value_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("granularity", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("year_ago_value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators_value_versions")),
    )
    with op.batch_alter_table("indicators_value_versions", schema=None) as batch_op:
        batch_op.create_index("ix_indicators_value_versions_lookup",
                              ["indicator", "period", "area", "computed_at"], unique=True)
        batch_op.create_index("ix_indicators_value_versions_series",
                              ["indicator", "area", "granularity"], unique=False)
        batch_op.create_index("ix_indicators_value_versions_computed_at", ["computed_at"],
                              unique=False)
    # What the read model knows already becomes the first version of each value.
    op.execute(
        "INSERT INTO indicators_value_versions (indicator, area, period, year, granularity, "
        "value, year_ago_value, unit, complete, components, computed_at, recorded_at) "
        "SELECT indicator, area, period, year, granularity, value, year_ago_value, unit, "
        "complete, components, computed_at, updated_at FROM indicators_values")


def downgrade() -> None:
    with op.batch_alter_table("indicators_value_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_indicators_value_versions_computed_at")
        batch_op.drop_index("ix_indicators_value_versions_series")
        batch_op.drop_index("ix_indicators_value_versions_lookup")
    op.drop_table("indicators_value_versions")
