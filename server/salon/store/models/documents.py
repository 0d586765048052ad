"""Collaborative documents: the document row, its update log and its snapshots.

The update log is append-only and is the system of record; snapshots are a cache of
"every update up to id N merged", so loading costs one snapshot plus a short tail and the
state at any recorded time can be rebuilt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from salon.store.models.base import Base, BigId, UTCDateTime, new_id, utcnow


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
