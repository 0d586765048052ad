"""Room and membership queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.store.models import Membership, Room


async def get_room(session: AsyncSession, room_id: str) -> Room | None:
    return await session.get(Room, room_id)


async def list_rooms(
    session: AsyncSession,
    user_id: str,
    query: str | None,
    tag: str | None,
    include_archived: bool,
    offset: int,
    limit: int,
) -> tuple[Sequence[Room], int]:
    """Rooms the user may see: public ones and those they belong to, newest first."""
    member_of = select(Membership.room_id).where(
        Membership.user_id == user_id, Membership.removed_at.is_(None)
    )
    stmt = select(Room).where(or_(Room.visibility == "public", Room.id.in_(member_of)))
    if not include_archived:
        stmt = stmt.where(Room.archived_at.is_(None))
    if query:
        pattern = f"%{_escape_like(query.lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Room.title).like(pattern, escape="\\"),
                func.lower(Room.description).like(pattern, escape="\\"),
            )
        )
    if tag:
        # Tags are a JSON list; match the quoted element in its text form on both backends.
        stmt = stmt.where(cast(Room.tags, String).like(f'%"{_escape_like(tag)}"%', escape="\\"))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = await session.scalars(
        stmt.order_by(Room.created_at.desc(), Room.id).offset(offset).limit(limit)
    )
    return rows.all(), int(total or 0)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def get_membership(session: AsyncSession, room_id: str, user_id: str) -> Membership | None:
    return await session.get(Membership, (room_id, user_id))


async def list_members(session: AsyncSession, room_id: str) -> Sequence[Membership]:
    rows = await session.scalars(
        select(Membership)
        .where(Membership.room_id == room_id, Membership.removed_at.is_(None))
        .order_by(Membership.granted_at)
    )
    return rows.all()


async def count_rooms_created(session: AsyncSession, user_id: str) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Room).where(Room.created_by == user_id)
    )
    return int(total or 0)
