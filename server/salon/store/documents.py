"""Collaborative documents in the archive: the document row, its update log and its snapshots.

The update log is append-only and is the system of record; snapshots are a cache of
"every update up to id N merged", so loading costs one snapshot plus a short tail and the
state at any recorded time can be rebuilt. Repository functions take a session and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from salon.store.models import Base, BigId, UTCDateTime, new_id, utcnow


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # Names are unique among the live documents of a room; deleted ones free their name.
    __table_args__ = (
        Index(
            "uq_documents_room_name_live",
            "room_id",
            "name",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )


class DocUpdate(Base):
    __tablename__ = "doc_updates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_doc_updates_doc_id", "document_id", "id"),
        # Replay and history find "the row at time T" without scanning the log (0004).
        Index("ix_doc_updates_doc_time", "document_id", "created_at"),
    )


class DocSnapshot(Base):
    __tablename__ = "doc_snapshots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    # The snapshot is the merge of every update of the document with id <= upto_update_id.
    upto_update_id: Mapped[int] = mapped_column(BigInteger)
    # Time of that last covered update: the moment in history this snapshot shows.
    upto_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    update_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_doc_snapshots_doc_upto", "document_id", "upto_update_id"),)


# --- documents -------------------------------------------------------------------------------


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


# --- update log ------------------------------------------------------------------------------


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


# --- snapshots -------------------------------------------------------------------------------


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
