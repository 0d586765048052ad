"""learning networks: follows, feed items and keys, inbox read state and preferences,
calendar tokens, session reminders, webhooks and their outbox

Revision ID: 0007
Revises: 0006

Notifications become an inbox: they learn the room they are about (read time drops what the
user can no longer see), when they were read, and the group a batched kind replaces.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("room_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("read_at", Stamp, nullable=True))
        batch.add_column(sa.Column("group_key", sa.String(200), nullable=True))
    # Notes acknowledged under the old protocol were read.
    op.execute("UPDATE notifications SET read_at = delivered_at WHERE delivered_at IS NOT NULL")
    op.create_index("ix_notifications_user_id", "notifications", ["user_id", "id"])
    op.create_index("ix_notifications_group", "notifications", ["user_id", "group_key"])
    _follows()
    _feed()
    _webhooks()


def _follows() -> None:
    op.create_table(
        "follows",
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("target_kind", sa.String(16), primary_key=True),
        sa.Column("target_id", sa.String(200), primary_key=True),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_follows_target", "follows", ["target_kind", "target_id"])
    op.create_table(
        "network_settings",
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("graph_public", sa.Boolean(), nullable=False),
        sa.Column("calendar_token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("calendar_token_at", Stamp, nullable=True),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
    )


def _feed() -> None:
    op.create_table(
        "feed_items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("room_id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=True),
        sa.Column("question_id", sa.BigInteger(), nullable=True),
        sa.Column("answer_id", sa.BigInteger(), nullable=True),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_table(
        "feed_keys",
        sa.Column("key", sa.String(240), primary_key=True),
        sa.Column("item_id", sa.BigInteger(), primary_key=True),
        sa.Column("room_id", sa.String(32), nullable=False),
    )
    op.create_table(
        "session_reminders",
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("sent_at", Stamp, nullable=False),
    )


def _webhooks() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_webhooks_scope", "webhooks", ["scope", "target"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "webhook_id",
            sa.String(32),
            sa.ForeignKey("webhooks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", Stamp, nullable=False),
        sa.Column("claimed_until", Stamp, nullable=True),
        sa.Column("delivered_at", Stamp, nullable=True),
        sa.Column("failed_at", Stamp, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["delivered_at", "failed_at", "next_at"],
    )


def downgrade() -> None:
    for table in (
        "webhook_deliveries",
        "webhooks",
        "session_reminders",
        "feed_keys",
        "feed_items",
        "notification_preferences",
        "network_settings",
        "follows",
    ):
        op.drop_table(table)
    op.drop_index("ix_notifications_group", table_name="notifications")
    op.drop_index("ix_notifications_user_id", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("group_key")
        batch.drop_column("read_at")
        batch.drop_column("room_id")
