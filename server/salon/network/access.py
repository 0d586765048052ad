"""Who may see a room, as SQL: the same rule as ``RoomService`` (a member who was not removed,
or anyone not removed from a public room), applied inside the queries of the feed, the inbox
and the calendar so rights are those of the moment of reading."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.auth import Identity
from salon.store.models import Membership, Room


def can_see(room_col: Any, user_id: str) -> ColumnElement[bool]:
    member = select(Membership.room_id).where(
        Membership.room_id == room_col, Membership.user_id == user_id
    )
    active = member.where(Membership.removed_at.is_(None))
    public = select(Room.id).where(Room.id == room_col, Room.visibility == "public")
    return or_(exists(active), and_(exists(public), ~exists(member)))


async def visible_rooms(session: AsyncSession, user_id: str, room_ids: set[str]) -> set[str]:
    if not room_ids:
        return set()
    rows = await session.execute(
        select(Room.id).where(Room.id.in_(room_ids), can_see(Room.id, user_id))
    )
    return {r for (r,) in rows}


def person(user_id: str) -> Identity:
    """The identity of someone who is not the caller (a recipient, a follower)."""
    return Identity(user_id, user_id, user_id.startswith("guest:"))


# Listing the rooms someone may not see beats a per-row check while the list is short.
HIDDEN_LISTED = 2000


async def seen_filter(s: AsyncSession, user_id: str, room_col: Any) -> ColumnElement[bool]:
    """``can_see`` for one reader, as cheap as possible: the rooms hidden from them (invite-only
    rooms they are no member of, rooms they were removed from) read once, then excluded by
    list; the per-row check when that list would be long."""
    active = select(Membership.room_id).where(
        Membership.user_id == user_id, Membership.removed_at.is_(None)
    )
    removed = select(Membership.room_id).where(
        Membership.user_id == user_id, Membership.removed_at.is_not(None)
    )
    private = select(Room.id).where(Room.visibility != "public", Room.id.not_in(active))
    hidden = set(await s.scalars(removed.limit(HIDDEN_LISTED + 1)))
    hidden |= set(await s.scalars(private.limit(HIDDEN_LISTED + 1)))
    if len(hidden) > HIDDEN_LISTED:
        return can_see(room_col, user_id)
    if not hidden:
        return true()
    return room_col.not_in(sorted(hidden))  # type: ignore[no-any-return]
