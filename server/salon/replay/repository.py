"""Queries replay needs beyond the sessions and documents repositories: the document log of a
room between two moments, and raw log bytes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.store.models import DocUpdate


async def update_index(
    session: AsyncSession, document_ids: Sequence[str], start: datetime, end: datetime
) -> list[tuple[int, str, datetime]]:
    """(id, document id, time) of every logged update in [start, end], in log order."""
    if not document_ids:
        return []
    rows = await session.execute(
        select(DocUpdate.id, DocUpdate.document_id, DocUpdate.created_at)
        .where(
            DocUpdate.document_id.in_(document_ids),
            DocUpdate.created_at >= start,
            DocUpdate.created_at <= end,
        )
        .order_by(DocUpdate.id)
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def update_data(session: AsyncSession, ids: Sequence[int]) -> dict[int, bytes]:
    rows = await session.execute(select(DocUpdate.id, DocUpdate.data).where(DocUpdate.id.in_(ids)))
    return {r[0]: r[1] for r in rows}


async def tail_data(
    session: AsyncSession, document_id: str, after_id: int, upto_id: int
) -> list[bytes]:
    """The raw log rows (after, upto] of a document: bytes only, no ORM objects to build."""
    rows = await session.execute(
        select(DocUpdate.data)
        .where(
            DocUpdate.document_id == document_id, DocUpdate.id > after_id, DocUpdate.id <= upto_id
        )
        .order_by(DocUpdate.id)
    )
    return list(rows.scalars())
