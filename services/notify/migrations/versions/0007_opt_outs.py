"""notify: opt-outs, the receivers that unsubscribed from an agency's messages, so that the
registry's next edit of the agency's contact does not subscribe its role mailbox again

Revision ID: 0007_opt_outs
Revises: 0006_quality_agency

The mailboxes already unsubscribed are found and remembered: a registry subscription ended
while the registry still names its address, with no other subscription of the registry to it,
was ended by its unsubscribe link (the API refuses to delete one, and the registry's own
changes either keep the address's subscription or stop naming it).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_opt_outs"
down_revision = "0006_quality_agency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_opt_outs",
        sa.Column("convener", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("convener", "channel", "address",
                                name=op.f("pk_notify_opt_outs")),
    )
    _remember_the_unsubscribed()


def _address(channel: str, target: str) -> tuple[str, str]:
    # services.notify.delivery.routing.address_of as of this revision (a migration does not
    # follow the code's later changes).
    return channel, target.casefold() if channel == "email" else target


def _remember_the_unsubscribed() -> None:
    conn = op.get_bind()
    contacts = sa.table("notify_contacts", sa.column("agency"), sa.column("email"),
                        sa.column("webhook"))
    subs = sa.table("notify_subscriptions", sa.column("id"), sa.column("convener"),
                    sa.column("channel"), sa.column("target"), sa.column("source"),
                    sa.column("deleted_at", sa.DateTime(timezone=True)))
    opt_outs = sa.table("notify_opt_outs", sa.column("convener"), sa.column("channel"),
                        sa.column("address"), sa.column("subscription_id"),
                        sa.column("created_at", sa.DateTime(timezone=True)))
    named = {(agency, *_address(ch, t))
             for agency, email, webhook in conn.execute(sa.select(contacts)).tuples()
             for ch, t in (("email", email), ("webhook", webhook)) if t}
    active, ended = set(), {}
    # Oldest first: the latest ending of an address is the one kept.
    for sid, agency, ch, target, deleted_at in conn.execute(
            sa.select(subs.c.id, subs.c.convener, subs.c.channel, subs.c.target,
                      subs.c.deleted_at).where(subs.c.source == "registry")
            .order_by(subs.c.deleted_at, subs.c.id)).tuples():
        key = (agency, *_address(ch, target))
        if deleted_at is None:
            active.add(key)
        else:
            ended[key] = (sid, deleted_at)
    rows = [{"convener": key[0], "channel": key[1], "address": key[2],
             "subscription_id": sid, "created_at": at}
            for key, (sid, at) in sorted(ended.items())
            if key in named and key not in active]
    if rows:
        conn.execute(sa.insert(opt_outs), rows)


def downgrade() -> None:
    op.drop_table("notify_opt_outs")
