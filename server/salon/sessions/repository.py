"""Session repository calls: sessions, experts, the timeline, archived documents,
notifications. Functions take a session and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    Table,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from salon.store.models import (
    LIVE,
    SCHEDULED,
    ChatMessage,
    Notification,
    SessionDocument,
    SessionExpert,
    SessionRecord,
    TimelineEvent,
)
from salon.store.sequences import next_value, reserve


async def get(session: AsyncSession, session_id: str) -> SessionRecord | None:
    return await session.get(SessionRecord, session_id)


async def get_many(session: AsyncSession, session_ids: Iterable[str]) -> dict[str, SessionRecord]:
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    rows = await session.scalars(select(SessionRecord).where(SessionRecord.id.in_(ids)))
    return {rec.id: rec for rec in rows}


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
    return await next_value(session, SessionRecord.timeline_seq, SessionRecord.id, session_id)


async def reserve_seqs(session: AsyncSession, counts: Mapping[str, int]) -> dict[str, int]:
    """Reserve ``counts[id]`` timeline seqs per session at once: the first of each range."""
    return await reserve(session, SessionRecord.timeline_seq, SessionRecord.id, counts)


async def insert_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Timeline events as plain rows (every key of TimelineEvent but ``id``), one
    multi-row INSERT: the group commit's path, without ORM objects to track."""
    if rows:
        await session.execute(insert(cast(Table, TimelineEvent.__table__)), list(rows))


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
