"""Gap-free per-row counters (a room's chat seq, a session's timeline seq)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


async def next_value(
    session: AsyncSession,
    counter: InstrumentedAttribute[int],
    key: InstrumentedAttribute[Any],
    id_: str,
) -> int:
    """Increment ``counter`` on the row whose ``key`` is ``id_`` and return the new value.

    UPDATE ... RETURNING takes the row lock, so concurrent writers serialise here on
    PostgreSQL (SQLite has one writer anyway); a rolled-back unit gives its number back."""
    value = await session.scalar(
        update(counter.class_).where(key == id_).values({counter: counter + 1}).returning(counter)
    )
    assert value is not None
    return int(value)
