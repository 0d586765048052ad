"""Gap-free per-row counters (a room's chat seq, a session's timeline seq)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, select, update
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


async def reserve(
    session: AsyncSession,
    counter: InstrumentedAttribute[int],
    key: InstrumentedAttribute[Any],
    counts: Mapping[str, int],
) -> dict[str, int]:
    """Advance ``counter`` by ``counts[id]`` on each row in one statement; the first value
    reserved per id (the caller owns ``first .. first + count - 1``). Ids without a row are
    missing from the result.

    A group commit takes many rows' locks at once: on PostgreSQL they are taken in key order
    first (SELECT ... ORDER BY ... FOR UPDATE), so two nodes committing batches over the same
    rooms queue behind each other instead of deadlocking. Like ``next_value``, a rolled-back
    unit gives every number back."""
    if not counts:
        return {}
    table = counter.class_.__table__
    column, key_column = table.c[counter.key], table.c[key.key]
    ids = sorted(counts)
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            select(key_column).where(key_column.in_(ids)).order_by(key_column).with_for_update()
        )
    step = case(dict(counts), value=key_column) if len(ids) > 1 else counts[ids[0]]
    rows = await session.execute(
        update(table)
        .where(key_column.in_(ids))
        .values({column: column + step})
        .returning(key_column, column)
    )
    return {str(id_): int(last) - counts[str(id_)] + 1 for id_, last in rows}
