"""User rows: created or refreshed on first sight of an identity."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.store.models import User, utcnow


async def upsert_user(session: AsyncSession, user_id: str, name: str, is_guest: bool) -> User:
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, name=name, is_guest=is_guest)
        session.add(user)
    else:
        user.name = name
        user.seen_at = utcnow()
    await session.flush()
    return user


async def known_user(session: AsyncSession, user_id: str) -> User:
    """The user row, made (named after the id) only if this person was never seen: granting
    a role to someone must not rename them."""
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, name=user_id, is_guest=user_id.startswith("guest:"))
        session.add(user)
        await session.flush()
    return user


async def names_of(session: AsyncSession, user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    return {row.id: row.name for row in rows}
