"""People, browser sessions, e-mailed sign-in links and OpenID Connect requests.

Revision ID: 0002_people
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_people"
down_revision = "0001"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "auth_users",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        _ts("created_at"),
        _ts("disabled_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_auth_users"),
        sa.UniqueConstraint("email", name="uq_auth_users_email"),
    )
    for table, extra in (("auth_sessions", [sa.Column("method", sa.String(16), nullable=False)]),
                         ("auth_signin_links",
                          [sa.Column("next_path", sa.String(2000), nullable=False)])):
        op.create_table(
            table,
            sa.Column("id", sa.String(64), nullable=False),
            sa.Column("user_id", sa.String(32), nullable=False),
            *extra,
            _ts("created_at"),
            _ts("expires_at"),
            *([_ts("last_seen_at")] if table == "auth_sessions" else []),
            _ts("revoked_at" if table == "auth_sessions" else "used_at", nullable=True),
            sa.ForeignKeyConstraint(["user_id"], ["auth_users.id"],
                                    name=f"fk_{table}_user_id_auth_users"),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        )
        op.create_index(f"ix_{table}_user_id", table, ["user_id"])
    op.create_table(
        "auth_oidc_requests",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("next_path", sa.String(2000), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_auth_oidc_requests"),
    )


def downgrade() -> None:
    op.drop_table("auth_oidc_requests")
    for table in ("auth_signin_links", "auth_sessions"):
        op.drop_index(f"ix_{table}_user_id", table_name=table)
        op.drop_table(table)
    op.drop_table("auth_users")
