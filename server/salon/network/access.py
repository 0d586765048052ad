"""Who may see a room, as SQL: the same rule as ``RoomService`` (a member who was not removed,
or anyone not removed from a public room), applied inside the queries of the feed, the inbox
and the calendar so rights are those of the moment of reading."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, and_, exists, or_, select, union
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


def hidden_rooms(user_id: str) -> CompoundSelect[tuple[str]]:
    """The rooms someone may not see now, as one SQL set (the negation of ``can_see``): rooms
    that removed them, and invite-only rooms they are no active member of. Excluding it by
    ``NOT IN`` costs the database one hashed set per statement, not a check per row; a room
    that no longer exists is not in it, so readers join ``rooms`` as well."""
    active = select(Membership.room_id).where(
        Membership.user_id == user_id, Membership.removed_at.is_(None)
    )
    removed = select(Membership.room_id.label("room_id")).where(
        Membership.user_id == user_id, Membership.removed_at.is_not(None)
    )
    private = select(Room.id.label("room_id")).where(
        Room.visibility != "public", Room.id.not_in(active)
    )
    return union(removed, private)
