"""Chat messages and reactions. Sequence numbers come from the room row, bumped in the same unit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.store.models import ChatMessage, ChatReaction, Room
from salon.store.sequences import next_value


async def next_chat_seq(session: AsyncSession, room_id: str) -> int:
    return await next_value(session, Room.chat_seq, Room.id, room_id)


async def find_by_client_id(
    session: AsyncSession, room_id: str, user_id: str, client_id: str
) -> ChatMessage | None:
    return await session.scalar(
        select(ChatMessage).where(
            ChatMessage.room_id == room_id,
            ChatMessage.user_id == user_id,
            ChatMessage.client_id == client_id,
        )
    )


async def get_message(session: AsyncSession, room_id: str, message_id: int) -> ChatMessage | None:
    message = await session.get(ChatMessage, message_id)
    return message if message is not None and message.room_id == room_id else None


async def page(
    session: AsyncSession, room_id: str, before: int | None, after: int | None, limit: int
) -> Sequence[ChatMessage]:
    """Ascending by seq: the ``limit`` newest before ``before``, or the oldest after ``after``."""
    stmt = select(ChatMessage).where(ChatMessage.room_id == room_id)
    if after is not None:
        stmt = stmt.where(ChatMessage.seq > after).order_by(ChatMessage.seq).limit(limit)
        return (await session.scalars(stmt)).all()
    if before is not None:
        stmt = stmt.where(ChatMessage.seq < before)
    rows = (await session.scalars(stmt.order_by(ChatMessage.seq.desc()).limit(limit))).all()
    return list(reversed(rows))


async def reactions_for(
    session: AsyncSession, message_ids: Sequence[int]
) -> dict[int, dict[str, list[str]]]:
    """message id -> emoji -> user ids, in the order they reacted."""
    if not message_ids:
        return {}
    rows = await session.execute(
        select(ChatReaction.message_id, ChatReaction.emoji, ChatReaction.user_id)
        .where(ChatReaction.message_id.in_(message_ids))
        .order_by(ChatReaction.created_at)
    )
    result: dict[int, dict[str, list[str]]] = {}
    for message_id, emoji, user_id in rows:
        result.setdefault(message_id, {}).setdefault(emoji, []).append(user_id)
    return result


async def get_reaction(
    session: AsyncSession, message_id: int, user_id: str, emoji: str
) -> ChatReaction | None:
    return await session.get(ChatReaction, (message_id, user_id, emoji))
