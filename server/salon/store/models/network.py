"""Learning networks: who follows what, the feed's items and their match keys, inbox
preferences, calendar tokens, session reminders and outbound webhooks with their outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salon.store.models.base import Base, BigId, UTCDateTime, new_id, utcnow


class Follow(Base):
    """``user_id`` follows a user, a tag, a room or a session (``target_kind``)."""

    __tablename__ = "follows"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_follows_target", "target_kind", "target_id"),)


class NetworkSettings(Base):
    """Per-person choices: whether their follow graph is public, their calendar token."""

    __tablename__ = "network_settings"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    graph_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the calendar feed token: a leaked database does not leak working URLs.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    calendar_token_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotificationPreference(Base):
    """A kind someone switched off (or back on); a kind without a row is on."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class FeedItem(Base):
    """Something that happened in a room, written once; who sees it is decided at read time."""

    __tablename__ = "feed_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    room_id: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    question_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    answer_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FeedKey(Base):
    """One way an item matches a follow ("room:<id>", "tag:<t>", "user:<id>", "session:<id>").
    The room is repeated here so the read filters rights inside the index walk."""

    __tablename__ = "feed_keys"

    key: Mapped[str] = mapped_column(String(240), primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    room_id: Mapped[str] = mapped_column(String(32))


class SessionReminder(Base):
    """The "starts in 15 minutes" reminder of a session went out (once, whichever node won)."""

    __tablename__ = "session_reminders"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(8))  # "room" or "tag"
    target: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_webhooks_scope", "scope", "target"),)


class WebhookDelivery(Base):
    """The durable outbox: written in the unit of work of the event, sent after it."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a node takes it, so two nodes never send one delivery at once.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_webhook_deliveries_due", "delivered_at", "failed_at", "next_at"),)
