"""Document repository calls: rows, the update log and snapshots. Functions take a session
and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from salon.store.models import DocSnapshot, Document, DocUpdate


async def get_document(session: AsyncSession, room_id: str, name: str) -> Document | None:
    stmt = select(Document).where(
        Document.room_id == room_id, Document.name == name, Document.deleted_at.is_(None)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_document_by_id(session: AsyncSession, document_id: str) -> Document | None:
    return await session.get(Document, document_id)


async def list_documents(session: AsyncSession, room_id: str) -> Sequence[Document]:
    stmt = (
        select(Document)
        .where(Document.room_id == room_id, Document.deleted_at.is_(None))
        .order_by(Document.created_at, Document.name)
    )
    return (await session.execute(stmt)).scalars().all()


async def count_created_by(session: AsyncSession, user_id: str) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(Document)
        .where(Document.created_by == user_id, Document.deleted_at.is_(None))
    )
    return int(total or 0)


async def add_document(session: AsyncSession, room_id: str, name: str, user_id: str) -> Document:
    document = Document(room_id=room_id, name=name, created_by=user_id)
    session.add(document)
    await session.flush()
    return document


async def append_updates(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert of log rows (keys: document_id, data, user_id, session_id, created_at)."""
    if rows:
        await session.execute(insert(DocUpdate), list(rows))


async def updates_after(
    session: AsyncSession, document_id: str, after_id: int, upto_id: int | None = None
) -> Sequence[DocUpdate]:
    stmt = select(DocUpdate).where(DocUpdate.document_id == document_id, DocUpdate.id > after_id)
    if upto_id is not None:
        stmt = stmt.where(DocUpdate.id <= upto_id)
    return (await session.execute(stmt.order_by(DocUpdate.id))).scalars().all()


async def last_update_id_at(session: AsyncSession, document_id: str, at: datetime) -> int | None:
    """Id of the newest update recorded at or before ``at`` (ids grow with arrival time)."""
    stmt = select(func.max(DocUpdate.id)).where(
        DocUpdate.document_id == document_id, DocUpdate.created_at <= at
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def update_points(
    session: AsyncSession, document_id: str, limit: int
) -> Sequence[tuple[int, datetime, str | None]]:
    """Newest first: (update id, time, author) of the log, for the version list."""
    stmt = (
        select(DocUpdate.id, DocUpdate.created_at, DocUpdate.user_id)
        .where(DocUpdate.document_id == document_id)
        .order_by(DocUpdate.id.desc())
        .limit(limit)
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]


async def count_updates_after(session: AsyncSession, document_id: str, after_id: int) -> int:
    stmt = select(func.count(DocUpdate.id)).where(
        DocUpdate.document_id == document_id, DocUpdate.id > after_id
    )
    return int((await session.execute(stmt)).scalar_one())


async def latest_snapshot(
    session: AsyncSession, document_id: str, upto_id: int | None = None
) -> DocSnapshot | None:
    stmt = select(DocSnapshot).where(DocSnapshot.document_id == document_id)
    if upto_id is not None:
        stmt = stmt.where(DocSnapshot.upto_update_id <= upto_id)
    stmt = stmt.order_by(DocSnapshot.upto_update_id.desc()).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_snapshot(
    session: AsyncSession,
    document_id: str,
    upto: DocUpdate,
    state: bytes,
    update_count: int,
) -> None:
    session.add(
        DocSnapshot(
            document_id=document_id,
            upto_update_id=upto.id,
            upto_at=upto.created_at,
            state=state,
            update_count=update_count,
        )
    )


async def prune_snapshots(
    session: AsyncSession, document_id: str, keep: int, spacing: int = 1000
) -> int:
    """Keep the newest ``keep`` snapshots and, further back, one every ``spacing`` log rows:
    history and replay seeks then never replay more than ``spacing`` rows, while the table
    stays small. The log alone can rebuild any snapshot."""
    rows = await session.execute(
        select(DocSnapshot.id, DocSnapshot.upto_update_id)
        .where(DocSnapshot.document_id == document_id)
        .order_by(DocSnapshot.upto_update_id.desc())
    )
    doomed: list[int] = []
    last_kept: int | None = None
    for index, (snapshot_id, upto) in enumerate(rows):
        if index < keep or last_kept is None or last_kept - upto >= spacing:
            last_kept = upto
        else:
            doomed.append(snapshot_id)
    if doomed:
        await session.execute(delete(DocSnapshot).where(DocSnapshot.id.in_(doomed)))
    return len(doomed)


async def list_snapshots(
    session: AsyncSession, document_id: str
) -> Sequence[tuple[int, int, datetime, int]]:
    """Newest first: (snapshot id, upto update id, time shown, byte size)."""
    stmt = (
        select(
            DocSnapshot.id,
            DocSnapshot.upto_update_id,
            DocSnapshot.upto_at,
            func.length(DocSnapshot.state),
        )
        .where(DocSnapshot.document_id == document_id)
        .order_by(DocSnapshot.upto_update_id.desc())
    )
    return [(r[0], r[1], r[2], int(r[3])) for r in (await session.execute(stmt)).all()]
