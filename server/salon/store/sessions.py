"""Sessions, their experts, their timeline and their archived documents.

Nothing here cascades on delete: an archived session is the system of record, so removing a
room that still holds sessions fails instead of silently taking the archive with it.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from salon.store.models import Base, BigId, ChatMessage, UTCDateTime, new_id, utcnow

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

    __table_args__ = (Index("ix_notifications_user", "user_id", "delivered_at"),)


# -- repositories ------------------------------------------------------------------------------


async def get(session: AsyncSession, session_id: str) -> SessionRecord | None:
    return await session.get(SessionRecord, session_id)


async def get_locked(session: AsyncSession, session_id: str) -> SessionRecord | None:
    """The row, locked for the rest of the unit (PostgreSQL) so state changes serialise."""
    return await session.get(SessionRecord, session_id, with_for_update=True)


async def live_in(session: AsyncSession, room_id: str) -> SessionRecord | None:
    return await session.scalar(
        select(SessionRecord).where(SessionRecord.room_id == room_id, SessionRecord.status == LIVE)
    )


async def in_room(session: AsyncSession, room_id: str) -> Sequence[SessionRecord]:
    rows = await session.scalars(
        select(SessionRecord)
        .where(SessionRecord.room_id == room_id)
        .order_by(SessionRecord.created_at.desc())
    )
    return rows.all()


async def experts_of(session: AsyncSession, session_ids: Sequence[str]) -> dict[str, list[str]]:
    if not session_ids:
        return {}
    rows = await session.execute(
        select(SessionExpert.session_id, SessionExpert.user_id).where(
            SessionExpert.session_id.in_(session_ids)
        )
    )
    result: dict[str, list[str]] = {}
    for session_id, user_id in rows:
        result.setdefault(session_id, []).append(user_id)
    return result


async def next_seq(session: AsyncSession, session_id: str) -> int:
    # UPDATE ... RETURNING takes the row lock, so concurrent appends serialise on PostgreSQL.
    seq = await session.scalar(
        update(SessionRecord)
        .where(SessionRecord.id == session_id)
        .values(timeline_seq=SessionRecord.timeline_seq + 1)
        .returning(SessionRecord.timeline_seq)
    )
    assert seq is not None
    return int(seq)


async def append(
    session: AsyncSession, session_id: str, seq: int | None = None, **fields: Any
) -> TimelineEvent:
    """Add an event; ``seq`` if the caller reserved one with next_seq, else the next one."""
    if seq is None:
        seq = await next_seq(session, session_id)
    event = TimelineEvent(session_id=session_id, seq=seq, **fields)
    session.add(event)
    await session.flush()
    return event


async def timeline_page(
    session: AsyncSession, session_id: str, after: int, limit: int | None
) -> Sequence[TimelineEvent]:
    """Events after ``after`` in order; ``limit`` None reads to the end (replay)."""
    rows = await session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.session_id == session_id, TimelineEvent.seq > after)
        .order_by(TimelineEvent.seq)
        .limit(limit)
    )
    return rows.all()


async def events_about(session: AsyncSession, session_id: str, ref: str) -> Sequence[TimelineEvent]:
    rows = await session.scalars(
        select(TimelineEvent).where(
            TimelineEvent.session_id == session_id, TimelineEvent.ref == ref
        )
    )
    return rows.all()


async def documents_of(session: AsyncSession, session_id: str) -> Sequence[SessionDocument]:
    rows = await session.scalars(
        select(SessionDocument)
        .where(SessionDocument.session_id == session_id)
        .order_by(SessionDocument.name)
    )
    return rows.all()


async def undelivered(session: AsyncSession, user_id: str) -> Sequence[Notification]:
    rows = await session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id, Notification.delivered_at.is_(None))
        .order_by(Notification.id)
        .limit(200)
    )
    return rows.all()


async def chat_of(session: AsyncSession, session_id: str) -> Sequence[ChatMessage]:
    rows = await session.scalars(
        select(ChatMessage).where(ChatMessage.session_id == session_id).order_by(ChatMessage.seq)
    )
    return rows.all()


async def led_by(session: AsyncSession, user_id: str, rooms: Any) -> Sequence[SessionRecord]:
    """Sessions (started or ended) the person hosted or was an expert of, in ``rooms``."""
    expert_of = select(SessionExpert.session_id).where(SessionExpert.user_id == user_id)
    rows = await session.scalars(
        select(SessionRecord).where(
            SessionRecord.room_id.in_(rooms),
            SessionRecord.status != SCHEDULED,
            (SessionRecord.created_by == user_id) | SessionRecord.id.in_(expert_of),
        )
    )
    return rows.all()
