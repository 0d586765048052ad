"""Sessions, their experts, their timeline, their archived documents and notifications.

Nothing here cascades on delete: an archived session is the system of record, so removing a
room that still holds sessions fails instead of silently taking the archive with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from salon.store.models.base import Base, BigId, UTCDateTime, new_id, utcnow

SCHEDULED, LIVE, ENDED = "scheduled", "live", "ended"


class SessionRecord(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=SCHEDULED)
    moderated: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Last timeline sequence number handed out; bumped under the row lock of each append.
    timeline_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Snapshot taken when the session ends: [{user_id, name, role}], in order of first sight.
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    __table_args__ = (
        Index("ix_sessions_room_status", "room_id", "status"),
        # At most one live session per room, even when two hosts press start at once.
        Index(
            "uq_sessions_one_live",
            "room_id",
            unique=True,
            sqlite_where=text("status = 'live'"),
            postgresql_where=text("status = 'live'"),
        ),
    )


class SessionExpert(Base):
    __tablename__ = "session_experts"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)

    __table_args__ = (Index("ix_session_experts_user", "user_id"),)


class TimelineEvent(Base):
    """One moment of a session. ``audience`` is "all" or "hosts" (hosts plus ``subject``)."""

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # What the event is about ("chat:12", "question:3"): lets redactions find earlier events.
    ref: Mapped[str | None] = mapped_column(String(80), nullable=True)
    audience: Mapped[str] = mapped_column(String(8), default="all")
    subject: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Events seen by several nodes (role changes travel the bus) are written once per key.
    dedupe: Mapped[str | None] = mapped_column(String(200), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        UniqueConstraint("session_id", "seq", name="uq_timeline_session_seq"),
        UniqueConstraint("session_id", "dedupe", name="uq_timeline_dedupe"),
        Index("ix_timeline_ref", "session_id", "ref"),
    )


class SessionDocument(Base):
    """The final text of a room document, captured when the session ended."""

    __tablename__ = "session_documents"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """Something a user should learn of even if it happened while they were away."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The room it is about (None: about the person, e.g. a new follower): read time drops
    # notes of rooms the user can no longer see.
    room_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Batched kinds ("5 people upvoted"): the unread note of one group is replaced by a new one.
    group_key: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (
        Index("ix_notifications_user", "user_id", "delivered_at"),
        Index("ix_notifications_user_id", "user_id", "id"),
        Index("ix_notifications_group", "user_id", "group_key"),
    )
