"""titles: the plan's titles of each indicator, from the registry topic

Revision ID: 0003_titles
Revises: 0002_vintages
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_titles"
down_revision = "0002_vintages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicators_titles",
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title_sv", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("indicator", name=op.f("pk_indicators_titles")),
    )


def downgrade() -> None:
    op.drop_table("indicators_titles")
